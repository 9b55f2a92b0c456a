using System.Collections.Immutable;
using System.Numerics.Tensors;

namespace AutoDiff.Functional;

/// <summary>Sum of any number of tensors of one shape. It lives in the core because the transformations use it to
/// add up the cotangents of a node that feeds several others (JAX's <c>add_jaxvals</c> plays this role). Linear: the
/// tangent is the sum of the tangents, and every input's cotangent is the output's.</summary>
internal sealed record AddN : Op, IElementwise
{
    /// <inheritdoc/>
    public override int Arity => -1;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        if (x.Length == 0) throw ShapeError("needs at least one input");
        foreach (var s in x)
            if (s != x[0]) throw ShapeError($"{x[0]} + {s}: shapes differ");
        return x[0];
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        if (x.Length == 1) x[0].Values.CopyTo(y);
        else TensorPrimitives.Add(x[0].Values, x[1].Values, y);
        for (int i = 2; i < x.Length; i++) TensorPrimitives.Add(y, x[i].Values, y);
    }

    /// <inheritdoc/>
    /// <remarks>Plans fuse an AddN of two inputs (the usual sum of two cotangents) like any element-wise op.</remarks>
    public void Block(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
    {
        if (b.IsEmpty) a.CopyTo(y);
        else TensorPrimitives.Add(a, b, y);
    }

    /// <inheritdoc/>
    /// <remarks>A float32 sum of two float32 numbers is their float64 sum rounded (see BinaryElementwise.Block32).</remarks>
    public void Block32(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        if (b.IsEmpty) a.CopyTo(y);
        else TensorPrimitives.Add(a, b, y);
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        var terms = new List<Node>(t.Length);
        foreach (var ti in t) if (ti is not null) terms.Add(ti);
        return Sum(terms);
    }

    /// <inheritdoc/>
    /// <remarks>Only a sum of batches: a shared term would be the same offset in every member, which no graph linear
    /// in its seeds has.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k)
    {
        var terms = new Node[xb.Length];
        for (int i = 0; i < xb.Length; i++)
            if ((terms[i] = xb[i]!) is null) return null;
        return Node.Apply(this, terms);
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [.. Enumerable.Repeat<Node?>(ct, x.Length)];

    /// <summary>The sum of the nodes: <c>null</c> for none, the node itself for one, an AddN node otherwise.</summary>
    public static Node? Sum(IReadOnlyList<Node> terms) => terms.Count switch
    {
        0 => null,
        1 => terms[0],
        _ => Node.Apply(new AddN(), [.. terms]),
    };
}
