using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>softplus(x) = log(1 + eˣ), a smooth ReLU; its derivative is σ(x). Computed as max(x, 0) + log1p(e^−|x|),
/// which never overflows and keeps full precision for large negative x, where the result is about eˣ.</summary>
internal sealed record Softplus : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => VectorMath.Softplus(x, y);
    /// <inheritdoc/>
    internal override double Of(double x) => VectorMath.Softplus(x);

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => x.Sigmoid();
}
