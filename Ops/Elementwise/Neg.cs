using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>−x; derivative −1, so the tangent is −ṫ and the cotangent −ȳ.</summary>
internal sealed record Neg : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.Negate(x, y);
    /// <inheritdoc/>
    /// <remarks>The negation of a float32 number is one: nothing to round.</remarks>
    internal override void Apply32(ReadOnlySpan<double> x, Span<double> y) => Apply(x, y);
    /// <inheritdoc/>
    internal override void Apply32(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Negate(x, y);
    /// <inheritdoc/>
    internal override double Of(double x) => -x;
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => Node.Constant(-1.0);
}
