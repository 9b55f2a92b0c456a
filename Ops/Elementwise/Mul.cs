using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>a ⊙ b, element by element: ∂/∂a = b, ∂/∂b = a.</summary>
internal sealed record Mul : BinaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Multiply(a, b, y);
    /// <inheritdoc/>
    protected override void Apply(double a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Multiply(b, a, y);
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, double b, Span<double> y) => TensorPrimitives.Multiply(a, b, y);
    /// <inheritdoc/>
    public override void Block32(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        if (a.Length == b.Length) TensorPrimitives.Multiply(a, b, y);
        else if (a.Length == 1) TensorPrimitives.Multiply(b, a[0], y);
        else TensorPrimitives.Multiply(a, b[0], y);
    }
    /// <inheritdoc/>
    internal override double Of(double a, double b) => a * b;
    /// <inheritdoc/>
    protected override (Node DA, Node DB) Partials(Node a, Node b, Node y) => (b, a);
}
