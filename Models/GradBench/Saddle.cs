namespace AutoDiff.Functional.Models.GradBench;

/// <summary>GradBench's saddle (Pearlmutter and Siskind): min over x ∈ ℝ² of max over y ∈ ℝ² of
/// f(x, y) = (x₁² + y₁²) − (x₂² + y₂²), in the paper's names x = (x₁, y₁) and y = (x₂, y₂), so f = ‖x‖² − ‖y‖².
/// Both optimisations are <see cref="Descent"/> from the same start s: x* = argminₓ f(x, argmax_y f(x, y)), whose
/// objective contains a descent (nested AD), then y* = argmax_y f(x*, y).</summary>
public static class Saddle
{
    /// <summary>f(x, y) = ‖x‖² − ‖y‖².</summary>
    public static Node Objective(Node x, Node y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return x.SquaredNorm() - y.SquaredNorm();
    }

    /// <summary>max_y f(x, y), the maximum found by a descent from <paramref name="start"/> with ∇_y f by
    /// <paramref name="inner"/>.</summary>
    public static Node InnerMax(Node x, Node start, Differentiation inner)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(start);
        return Objective(x, Descent.ArgMax(y => Objective(x, y), start, inner));
    }

    /// <summary>(x*, y*) as one vector of 4: the argmin taken with <paramref name="outer"/> over inner maxima taken
    /// with <paramref name="inner"/>, then the argmax at x* with <paramref name="outer"/> again (as the eval asks).</summary>
    public static Node Solve(Node start, Differentiation outer, Differentiation inner)
    {
        ArgumentNullException.ThrowIfNull(start);
        if (start.Shape != Shape.Vector(2)) throw new ShapeException($"Saddle: the start {start.Shape} is not a vector of 2");
        var x = Descent.ArgMin(x => InnerMax(x, start, inner), start, outer);
        var y = Descent.ArgMax(y => Objective(x, y), start, outer);
        return Indexing.Concat(0, x, y);
    }
}
