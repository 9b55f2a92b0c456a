using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>ln σ(x) = −ln(1 + e⁻ˣ), finite at every finite x (≈ x far below 0, ≈ −e⁻ˣ far above); derivative σ(−x).
/// Computed as min(x, 0) − ln(1 + e^−|x|): e^−|x| never overflows.</summary>
internal sealed record LogSigmoid : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => VectorMath.LogSigmoid(x, y);

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => (-x).Sigmoid();
}
