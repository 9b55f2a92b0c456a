using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>eˣ; its derivative is its output.</summary>
internal sealed record Exp : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => VectorMath.Exp(x, y);
    /// <inheritdoc/>
    internal override void Apply32(ReadOnlySpan<double> x, Span<double> y) => VectorMath.Exp32(x, y);
    /// <inheritdoc/>
    internal override double Of(double x) => VectorMath.Exp(x);
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => y;
}
