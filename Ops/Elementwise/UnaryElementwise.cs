using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>An element-wise op y = f(x): it states its value function and its local derivative f′ (as a graph, from
/// x and y), and inherits both modes: JVP ṫ·f′(x), VJP ȳ·f′(x).</summary>
public abstract class UnaryElementwise : Op, IElementwise
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];

    /// <inheritdoc/>
    public override Tensor Forward(ReadOnlySpan<Tensor> x, Shape y) => ForwardIntoNew(x, y);

    /// <inheritdoc/>
    public override void ForwardInto(ReadOnlySpan<Tensor> x, Shape shape, double[] y) => Apply(x[0].Values, y);

    /// <inheritdoc/>
    public void Block(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => Apply(a, y);

    /// <summary>y = f(x), element by element; <paramref name="y"/> may be <paramref name="x"/>'s own storage.</summary>
    protected abstract void Apply(ReadOnlySpan<double> x, Span<double> y);

    /// <summary>f′(x) as a graph; <paramref name="y"/> = f(x) is there to be reused.</summary>
    protected abstract Node Derivative(Node x, Node y);

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents) =>
        tangents[0] is { } t ? t * Derivative(x[0], y) : null;

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent) => [cotangent * Derivative(x[0], y)];
}
