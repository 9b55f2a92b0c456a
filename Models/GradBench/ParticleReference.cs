namespace AutoDiff.Functional.Models.GradBench;

/// <summary>particle in plain loops: the force −∇ₓp = Σ_c (x − c)/‖x − c‖³ by hand, and d/dw of the miss by the
/// tangent-linear Euler steps carried beside the state (ċ = (0, −1) for the movable charge, 0 for the fixed one).
/// </summary>
public static class ParticleReference
{
    /// <summary>x₀(t_f)² for control w, and its derivative in w; like the model, at most <see cref="Particle.MaxSteps"/>
    /// Euler steps (a control that holds the particle up never reaches the axis).</summary>
    public static (double Value, double Derivative) Miss(double w)
    {
        const double dt = 0.1;
        double[] x = [0, 8], v = [0.75, 0], dx = [0, 0], dv = [0, 0];
        for (int step = 0; step < Particle.MaxSteps && x[1] + dt * v[1] > 0; step++)
        {
            double[] a = [0, 0], da = [0, 0];
            foreach (var (c, dc) in new[] { (new[] { 10, 10 - w }, new[] { 0.0, -1 }), (new[] { 10.0, 0 }, new[] { 0.0, 0 }) })
            {
                double d0 = x[0] - c[0], d1 = x[1] - c[1], dd0 = dx[0] - dc[0], dd1 = dx[1] - dc[1];
                double r = Math.Sqrt(d0 * d0 + d1 * d1), r3 = r * r * r, dot = d0 * dd0 + d1 * dd1;
                a[0] += d0 / r3;
                a[1] += d1 / r3;
                da[0] += dd0 / r3 - 3 * d0 * dot / (r3 * r * r);
                da[1] += dd1 / r3 - 3 * d1 * dot / (r3 * r * r);
            }
            for (int i = 0; i < 2; i++)
            {
                x[i] += dt * v[i];
                dx[i] += dt * dv[i];
                v[i] += dt * a[i];
                dv[i] += dt * da[i];
            }
        }
        double u = -x[1] / v[1], du = -dx[1] / v[1] + x[1] * dv[1] / (v[1] * v[1]);
        double hit = x[0] + u * v[0], dHit = dx[0] + du * v[0] + u * dv[0];
        return (hit * hit, 2 * hit * dHit);
    }

    /// <summary>w* = argmin_w x₀(t_f)² from w₀.</summary>
    public static double Solve(double w0) => DescentReference.ArgMin(w =>
    {
        var (value, derivative) = Miss(w[0]);
        return (value, [derivative]);
    }, [w0])[0];
}
