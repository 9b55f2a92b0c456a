using System.Collections.Immutable;
using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>a / b, element by element: ∂/∂a = 1/b, ∂/∂b = −y/b.</summary>
internal sealed record Div : BinaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Divide(a, b, y);
    /// <inheritdoc/>
    protected override void Apply(double a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Divide(a, b, y);
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, double b, Span<double> y) => TensorPrimitives.Divide(a, b, y);
    /// <inheritdoc/>
    public override void Block32(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        if (a.Length == b.Length) TensorPrimitives.Divide(a, b, y);
        else if (a.Length == 1) TensorPrimitives.Divide(a[0], b, y);
        else TensorPrimitives.Divide(a, b[0], y);
    }
    /// <inheritdoc/>
    internal override double Of(double a, double b) => a / b;
    /// <inheritdoc/>
    protected override (Node DA, Node DB) Partials(Node a, Node b, Node y) => (1.0 / b, -(y / b));

    /// <inheritdoc/>
    /// <remarks>ā = ȳ/b and b̄ = −ā·y (as ∂(a/b)/∂b = −(a/b)/b): three nodes and no reciprocal, where the partials
    /// would take six.</remarks>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        var abar = ct / x[1];
        return [needed[0] ? Partial.ReduceTo(abar, x[0].Shape) : null,
                needed[1] ? Partial.ReduceTo(-(abar * y), x[1].Shape) : null];
    }
}
