using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>ln(1 + x) (x &gt; −1), accurate for tiny x where ln(1 + x) would lose every digit; derivative 1/(1 + x).</summary>
internal sealed record Log1p : UnaryElementwise
{
    /// <inheritdoc/>
    /// <remarks>The kernel adds back the rounding error of 1 + x, which it computes exactly (<see cref="VectorMath.Log1p{T}"/>).</remarks>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => VectorMath.Log1p(x, y);

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => 1.0 / (1.0 + x);
}
