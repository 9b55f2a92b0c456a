using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>sin x; derivative cos x.</summary>
internal sealed record Sin : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => VectorMath.Sin(x, y);
    /// <inheritdoc/>
    internal override void Apply32(ReadOnlySpan<double> x, Span<double> y) => VectorMath.Sin32(x, y);
    /// <inheritdoc/>
    internal override double Of(double x) => VectorMath.Sin(x);
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => x.Cos();
}
