using System.Collections.Immutable;
using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>a − b. Linear: the tangent is ȧ − ḃ, the cotangents ȳ and −ȳ.</summary>
public sealed class Sub : BinaryElementwise
{
    /// <summary>The single instance.</summary>
    public static readonly Sub Instance = new();
    Sub() { }
    /// <inheritdoc/>
    public override string Name => "Sub";
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Subtract(a, b, y);
    /// <inheritdoc/>
    protected override void Apply(double a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Subtract(a, b, y);
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, double b, Span<double> y) => TensorPrimitives.Subtract(a, b, y);
    /// <inheritdoc/>
    protected override (Node DA, Node DB) Partials(Node a, Node b, Node y) => (Node.Constant(1.0), Node.Constant(-1.0));

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents) => (tangents[0], tangents[1]) switch
    {
        ({ } ta, { } tb) => Broadcasting.ExpandTo(ta, y.Shape) - Broadcasting.ExpandTo(tb, y.Shape),
        ({ } ta, null) => Broadcasting.ExpandTo(ta, y.Shape),
        (null, { } tb) => -Broadcasting.ExpandTo(tb, y.Shape),
        _ => null,
    };

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent, ReadOnlySpan<bool> needed) =>
        [needed[0] ? Broadcasting.ReduceTo(cotangent, x[0].Shape) : null, needed[1] ? Broadcasting.ReduceTo(-cotangent, x[1].Shape) : null];
}
