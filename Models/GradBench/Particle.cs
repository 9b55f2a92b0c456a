namespace AutoDiff.Functional.Models.GradBench;

/// <summary>GradBench's particle (Pearlmutter and Siskind): a unit charge starts at x(0) = (0, 8) with velocity
/// (0.75, 0) in the potential p(x; w) = ‖x − (10, 10 − w)‖⁻¹ + ‖x − (10, 0)‖⁻¹ and moves by naive Euler steps of
/// Δt = 0.1 with acceleration −∇ₓp (an inner gradient) until its next position would not be above the x axis; the
/// crossing x(t_f) is found by linear interpolation. The control w* = argmin_w x₀(t_f)² is a <see cref="Descent"/>
/// over an objective that holds a gradient inside a while loop: nested AD.</summary>
public static class Particle
{
    /// <summary>The Euler step Δt.</summary>
    public const double TimeStep = 0.1;

    /// <summary>The limit on Euler steps; the eval's trajectories take tens.</summary>
    public const int MaxSteps = 100_000;

    /// <summary>p(x; w) for a position x (2) and the control w (a scalar).</summary>
    public static Node Potential(Node x, Node w)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        var movable = Node.Constant(Tensor.Vector(10, 10)) - w * Node.Constant(Tensor.Vector(0, 1));
        var fixedCharge = Node.Constant(Tensor.Vector(10, 0));
        return 1 / (x - movable).Norm() + 1 / (x - fixedCharge).Norm();
    }

    /// <summary>x₀(t_f)², the squared distance from the origin at which the trajectory for control
    /// <paramref name="w"/> meets the x axis, with ∇ₓp taken by <paramref name="euler"/>.</summary>
    public static Node Miss(Node w, Differentiation euler)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (!w.Shape.IsScalar) throw new ShapeException($"Particle: the control w {w.Shape} is not a scalar");
        // One carry, the state (x, ẋ), so the loop runs once for both. Step while the next position is above the
        // axis: x ← x + Δt·ẋ, ẋ ← ẋ − Δt·∇ₓp(x).
        var last = Loop.While(Node.Constant(Tensor.Vector(0, 8, 0.75, 0)), s => (s.Slice(0, 2) + TimeStep * s.Slice(2, 2)).At(1), s =>
        {
            var (x, velocity) = (s.Slice(0, 2), s.Slice(2, 2));
            var force = -Descent.ValueAndGradient(y => Potential(y, w), x, euler).Gradient;
            return Indexing.Concat(0, x + TimeStep * velocity, velocity + TimeStep * force);
        }, MaxSteps);
        var (position, speed) = (last.Slice(0, 2), last.Slice(2, 2));
        var untilAxis = (0 - position.At(1)) / speed.At(1);
        return (position + untilAxis * speed).At(0).Square();
    }

    /// <summary>w* = argmin_w x₀(t_f)² from <paramref name="w0"/>, the descent's derivative taken with
    /// <paramref name="outer"/> and the Euler force's with <paramref name="euler"/>.</summary>
    public static Node Solve(Node w0, Differentiation outer, Differentiation euler)
    {
        ArgumentNullException.ThrowIfNull(w0);
        return Descent.ArgMin(w => Miss(w, euler), w0, outer);
    }
}
