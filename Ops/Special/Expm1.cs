using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>eˣ − 1, accurate for tiny x where eˣ − 1 would lose every digit; derivative eˣ, computed as eˣ and not as
/// y + 1: for x below about −37, y rounds to −1 and y + 1 to 0 (true eˣ is 4.2e-18 at −40), and the sum loses digits
/// from about −1 down, where eˣ itself keeps every digit.</summary>
internal sealed record Expm1 : UnaryElementwise
{
    /// <inheritdoc/>
    /// <remarks>The kernel adds 2ⁿ − 1 and 2ⁿ·r exactly before the small terms (<see cref="VectorMath.Expm1{T}"/>).</remarks>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => VectorMath.Expm1(x, y);

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => x.Exp();
}
