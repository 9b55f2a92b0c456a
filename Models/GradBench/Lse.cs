namespace AutoDiff.Functional.Models.GradBench;

/// <summary>GradBench's lse: log Σᵢ exp xᵢ from its primitives, as the eval asks, with the usual shift by the
/// maximum a: a + log Σᵢ exp(xᵢ − a). The value does not depend on a, so its derivative through a, 1 − Σᵢ softmaxᵢ, is
/// exactly zero: a is held constant (<see cref="CustomRule.StopGradient"/>, as JAX's logsumexp does), and the gradient is
/// the softmax alone, without the passes that route that zero (rounding noise) back through the max.</summary>
public static class Lse
{
    /// <summary>log Σᵢ exp xᵢ of a non-empty vector.</summary>
    public static Node Objective(Node x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Rank != 1) throw new ShapeException($"Lse: {x.Shape} is not a vector");
        var a = x.Max(0).StopGradient();
        return a + (x - a.Fill(x.Shape)).Exp().Sum().Log();
    }
}
