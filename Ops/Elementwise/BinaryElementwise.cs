using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>An element-wise op y = f(a, b) on two tensors of one shape, or a scalar and a tensor (the only implicit
/// broadcast). It states its value function and its partial derivatives (as graphs) and inherits both modes.</summary>
public abstract class BinaryElementwise : Op, IElementwise
{
    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        if (x[0] == x[1] || x[1].IsScalar) return x[0];
        if (x[0].IsScalar) return x[1];
        throw ShapeError($"{x[0]} and {x[1]}: shapes differ, and only a scalar broadcasts implicitly " +
                         "(use BroadcastRows, BroadcastColumns or Reshape to say what you mean)");
    }

    /// <inheritdoc/>
    public override Tensor Forward(ReadOnlySpan<Tensor> x, Shape y) => ForwardIntoNew(x, y);

    /// <inheritdoc/>
    public override void ForwardInto(ReadOnlySpan<Tensor> x, Shape shape, double[] y) => Block(x[0].Values, x[1].Values, y);

    /// <inheritdoc/>
    public void Block(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
    {
        if (a.Length == b.Length) Apply(a, b, y);
        else if (a.Length == 1) Apply(a[0], b, y);
        else Apply(a, b[0], y);
    }

    /// <summary>y = f(a, b), element by element; <paramref name="y"/> may be the storage of an input.</summary>
    protected abstract void Apply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y);
    /// <summary>y = f(a, b) with a scalar a.</summary>
    protected abstract void Apply(double a, ReadOnlySpan<double> b, Span<double> y);
    /// <summary>y = f(a, b) with a scalar b.</summary>
    protected abstract void Apply(ReadOnlySpan<double> a, double b, Span<double> y);

    /// <summary>∂f/∂a and ∂f/∂b as graphs; <paramref name="y"/> = f(a, b) is there to be reused.</summary>
    protected abstract (Node DA, Node DB) Partials(Node a, Node b, Node y);

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents)
    {
        var (da, db) = Partials(x[0], x[1], y);
        var terms = new List<Node>(2);
        if (tangents[0] is { } ta) terms.Add(Broadcasting.ExpandTo(ta * da, y.Shape));
        if (tangents[1] is { } tb) terms.Add(Broadcasting.ExpandTo(tb * db, y.Shape));
        return AddN.Sum(terms);
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent) => Vjp(x, y, cotangent, [true, true]);

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent, ReadOnlySpan<bool> needed)
    {
        var (da, db) = Partials(x[0], x[1], y);
        return [needed[0] ? Broadcasting.ReduceTo(cotangent * da, x[0].Shape) : null,
                needed[1] ? Broadcasting.ReduceTo(cotangent * db, x[1].Shape) : null];
    }
}

/// <summary>The scalar broadcast and its transpose, for rules of ops that accept a scalar in place of a tensor.</summary>
public static class Broadcasting
{
    /// <summary><paramref name="node"/> filled out to <paramref name="shape"/> if it is a scalar of another shape.</summary>
    public static Node ExpandTo(Node node, Shape shape) =>
        node.Shape == shape ? node : Node.Apply(new Fill(shape), node);

    /// <summary><paramref name="node"/> summed down to a scalar if <paramref name="shape"/> is a scalar and it is not.</summary>
    public static Node ReduceTo(Node node, Shape shape) =>
        node.Shape == shape ? node
        : shape.IsScalar ? Node.Apply(Sum.Instance, node)
        : throw new InvalidOperationException($"internal: cannot reduce {node.Shape} to {shape}");
}
