using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>√x (x ≥ 0); derivative 1/(2y), from the output.</summary>
internal sealed record Sqrt : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.Sqrt(x, y);
    /// <inheritdoc/>
    internal override void Apply32(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sqrt(x, y);
    /// <inheritdoc/>
    internal override double Of(double x) => Math.Sqrt(x);
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => 0.5 / y;
}
