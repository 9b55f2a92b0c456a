using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>x²; derivative 2x.</summary>
internal sealed record Square : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.Multiply(x, x, y);
    /// <inheritdoc/>
    internal override void Apply32(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Multiply(x, x, y);
    /// <inheritdoc/>
    internal override double Of(double x) => x * x;
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => 2.0 * x;
}
