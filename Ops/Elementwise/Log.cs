using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>ln x (x &gt; 0); derivative 1/x.</summary>
internal sealed record Log : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => VectorMath.Log(x, y);
    /// <inheritdoc/>
    internal override double Of(double x) => VectorMath.Log(x);
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => 1.0 / x;
}
