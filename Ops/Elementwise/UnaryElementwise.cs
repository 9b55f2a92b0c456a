using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>An element-wise op y = f(x): it states its value function and its local derivative f′ (as a graph, from
/// x and y), and inherits both modes: the JVP ṫ·f′(x) and the VJP ȳ·f′(x).</summary>
public abstract record UnaryElementwise : Op, IElementwise
{
    /// <inheritdoc/>
    public sealed override int Arity => 1;
    /// <inheritdoc/>
    public sealed override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];
    /// <inheritdoc/>
    public sealed override void Forward(ReadOnlySpan<Tensor> x, double[] y) => Apply(x[0].Values, y);
    /// <inheritdoc/>
    public void Block(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => Apply(a, y);
    /// <inheritdoc/>
    public void Block32(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => Apply32(a, y);
    /// <inheritdoc/>
    public void Block32(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => Apply32(a, y);

    /// <summary>y = f(x), element by element; <paramref name="y"/> may be <paramref name="x"/>'s own storage.</summary>
    protected abstract void Apply(ReadOnlySpan<double> x, Span<double> y);

    /// <summary>y = f(x) at float32 inputs, rounded to float32: <see cref="Apply(ReadOnlySpan{double}, Span{double})"/>
    /// rounded, or a kernel of the library's that gives those very bits more cheaply.</summary>
    internal virtual void Apply32(ReadOnlySpan<double> x, Span<double> y)
    {
        Apply(x, y);
        Tensor.Round32(y);
    }

    /// <summary>The float32 block over singles: widened, <see cref="Apply32(ReadOnlySpan{double}, Span{double})"/>,
    /// narrowed, unless the op's float32 arithmetic gives those very bits (−x, x², √x: see
    /// <see cref="BinaryElementwise.Block32(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>).</summary>
    internal virtual void Apply32(ReadOnlySpan<float> x, Span<float> y) => Singles.Widened(this, x, default, y);

    /// <summary>f(x) of one number, the bits <see cref="Apply(ReadOnlySpan{double}, Span{double})"/> gives it: a
    /// register program's step on single numbers calls this instead of a kernel over a block of one. Ops whose kernel
    /// has a cheaper scalar form of the same bits override it.</summary>
    internal virtual double Of(double x)
    {
        Span<double> y = stackalloc double[1];
        Apply(new ReadOnlySpan<double>(in x), y);
        return y[0];
    }

    /// <summary>f′(x) as a graph; <paramref name="y"/> = f(x) is there to be reused.</summary>
    protected abstract Node Derivative(Node x, Node y);

    /// <inheritdoc/>
    public sealed override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } t0 ? Partial.Times(t0, Derivative(x[0], y)) : null;

    /// <inheritdoc/>
    /// <remarks>Element by element, so the batch goes through as it is.</remarks>
    public sealed override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Node.Apply(this, xb[0]!);

    /// <inheritdoc/>
    public sealed override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [Partial.Times(ct, Derivative(x[0], y))];
}
