namespace AutoDiff.Functional.Models.GradBench;

/// <summary>ode in plain loops: RK4 on the state, and for the gradient the tangent-linear RK4 carried along for each
/// parameter xⱼ in turn (the derivative of the right-hand side: δf₀ = δx₀, δfᵢ = δxᵢ·yᵢ₋₁ + xᵢ·δyᵢ₋₁).</summary>
public static class OdeReference
{
    /// <summary>The final state y(2).</summary>
    public static double[] FinalState(double[] x, int steps)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Integrate(x, steps, -1).State;
    }

    /// <summary>∂yₙ₋₁(2)/∂xⱼ for every j (n integrations, fine for the small n of tests).</summary>
    public static double[] LastElementGradient(double[] x, int steps)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.Length;
        var gradient = new double[n];
        for (int j = 0; j < n; j++) gradient[j] = Integrate(x, steps, j).Tangent[n - 1];
        return gradient;
    }

    // RK4 on (y, δy) where δy is the tangent along the unit direction eⱼ of x (j = −1: none).
    static (double[] State, double[] Tangent) Integrate(double[] x, int steps, int j)
    {
        int n = x.Length;
        double h = 2.0 / steps;
        var y = new double[n];
        var dy = new double[n];
        (double[] F, double[] dF) Rhs(double[] u, double[] du)
        {
            var f = new double[n];
            var df = new double[n];
            for (int i = 0; i < n; i++)
            {
                double before = i == 0 ? 1 : u[i - 1], dBefore = i == 0 ? 0 : du[i - 1];
                f[i] = x[i] * before;
                df[i] = (i == j ? before : 0) + x[i] * dBefore;
            }
            return (f, df);
        }
        double[] Step(double[] u, double[] k, double c)
        {
            var v = new double[n];
            for (int i = 0; i < n; i++) v[i] = u[i] + c * k[i];
            return v;
        }
        for (int s = 0; s < steps; s++)
        {
            var (k1, d1) = Rhs(y, dy);
            var (k2, d2) = Rhs(Step(y, k1, h / 2), Step(dy, d1, h / 2));
            var (k3, d3) = Rhs(Step(y, k2, h / 2), Step(dy, d2, h / 2));
            var (k4, d4) = Rhs(Step(y, k3, h), Step(dy, d3, h));
            for (int i = 0; i < n; i++)
            {
                y[i] += h * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) / 6;
                dy[i] += h * (d1[i] + 2 * d2[i] + 2 * d3[i] + d4[i]) / 6;
            }
        }
        return (y, dy);
    }
}
