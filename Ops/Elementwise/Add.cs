using System.Collections.Immutable;
using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>a + b. Linear: tangents and cotangents pass straight through.</summary>
public sealed class Add : BinaryElementwise
{
    /// <summary>The single instance.</summary>
    public static readonly Add Instance = new();
    Add() { }
    /// <inheritdoc/>
    public override string Name => "Add";
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Add(a, b, y);
    /// <inheritdoc/>
    protected override void Apply(double a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Add(b, a, y);
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, double b, Span<double> y) => TensorPrimitives.Add(a, b, y);
    /// <inheritdoc/>
    protected override (Node DA, Node DB) Partials(Node a, Node b, Node y) => (Node.Constant(1.0), Node.Constant(1.0));

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents)
    {
        var terms = new List<Node>(2);
        foreach (var t in tangents) if (t is not null) terms.Add(Broadcasting.ExpandTo(t, y.Shape));
        return AddN.Sum(terms);
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent, ReadOnlySpan<bool> needed) =>
        [needed[0] ? Broadcasting.ReduceTo(cotangent, x[0].Shape) : null, needed[1] ? Broadcasting.ReduceTo(cotangent, x[1].Shape) : null];
}
