using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>a − b: partials 1 and −1, so the cotangents are ȳ and −ȳ.</summary>
internal sealed record Sub : BinaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Subtract(a, b, y);
    /// <inheritdoc/>
    protected override void Apply(double a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Subtract(a, b, y);
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, double b, Span<double> y) => TensorPrimitives.Subtract(a, b, y);
    /// <inheritdoc/>
    public override void Block32(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        if (a.Length == b.Length) TensorPrimitives.Subtract(a, b, y);
        else if (a.Length == 1) TensorPrimitives.Subtract(a[0], b, y);
        else TensorPrimitives.Subtract(a, b[0], y);
    }
    /// <inheritdoc/>
    internal override double Of(double a, double b) => a - b;
    /// <inheritdoc/>
    protected override (Node DA, Node DB) Partials(Node a, Node b, Node y) => (Node.Constant(1.0), Node.Constant(-1.0));
}
