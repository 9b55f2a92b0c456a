using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>a + b: both partials are 1, so tangents and cotangents pass straight through.</summary>
internal sealed record Add : BinaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Add(a, b, y);
    /// <inheritdoc/>
    protected override void Apply(double a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Add(b, a, y);
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, double b, Span<double> y) => TensorPrimitives.Add(a, b, y);
    /// <inheritdoc/>
    public override void Block32(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        if (a.Length == b.Length) TensorPrimitives.Add(a, b, y);
        else if (a.Length == 1) TensorPrimitives.Add(b, a[0], y);
        else TensorPrimitives.Add(a, b[0], y);
    }
    /// <inheritdoc/>
    internal override double Of(double a, double b) => a + b;
    /// <inheritdoc/>
    protected override (Node DA, Node DB) Partials(Node a, Node b, Node y) => (Node.Constant(1.0), Node.Constant(1.0));
}
