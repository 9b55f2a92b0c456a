using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>cos x; derivative −sin x.</summary>
internal sealed record Cos : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => VectorMath.Cos(x, y);
    /// <inheritdoc/>
    internal override void Apply32(ReadOnlySpan<double> x, Span<double> y) => VectorMath.Cos32(x, y);
    /// <inheritdoc/>
    internal override double Of(double x) => VectorMath.Cos(x);
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => -x.Sin();
}
