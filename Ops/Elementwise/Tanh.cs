using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>tanh x. Derivative 1 − y² written as 4·σ(2x)·σ(−2x), which keeps full relative accuracy for large |x|
/// where 1 − y² rounds to zero.</summary>
internal sealed record Tanh : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => VectorMath.Tanh(x, y);
    /// <inheritdoc/>
    internal override double Of(double x) => VectorMath.Tanh(x);
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y)
    {
        var twoX = 2.0 * x;
        return 4.0 * twoX.Sigmoid() * (-twoX).Sigmoid();
    }
}
