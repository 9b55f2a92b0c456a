using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>σ(x) = 1/(1 + e⁻ˣ), stable both ways: the forward pass never overflows (1/(1 + e^−|x|) for x ≥ 0,
/// e^−|x|/(1 + e^−|x|) below), and the derivative is σ(x)·σ(−x) rather than y(1 − y), which would round to zero for
/// x &gt; 37 where the true value is still ~1e-17.</summary>
internal sealed record Sigmoid : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => VectorMath.Sigmoid(x, y);
    /// <inheritdoc/>
    internal override double Of(double x) => VectorMath.Sigmoid(x);

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => y * (-x).Sigmoid();
}
