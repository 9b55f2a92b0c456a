using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>An element-wise op y = f(a, b) on two tensors of one shape, or a scalar and a tensor (the only implicit
/// broadcast). It states its value function and its partial derivatives (as graphs) and inherits both modes.</summary>
public abstract record BinaryElementwise : Op, IElementwise
{
    /// <inheritdoc/>
    public sealed override int Arity => 2;

    /// <inheritdoc/>
    public sealed override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        if (x[0] == x[1] || x[1].IsScalar) return x[0];
        if (x[0].IsScalar) return x[1];
        throw ShapeError($"{x[0]} and {x[1]}: shapes differ, and only a scalar broadcasts implicitly ({Axes.Hint(x[0], x[1])})");
    }

    /// <inheritdoc/>
    public sealed override void Forward(ReadOnlySpan<Tensor> x, double[] y) => Block(x[0].Values, x[1].Values, y);

    /// <inheritdoc/>
    public void Block(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
    {
        if (a.Length == b.Length) Apply(a, b, y);
        else if (a.Length == 1) Apply(a[0], b, y);
        else Apply(a, b[0], y);
    }

    /// <summary>The float32 block over singles: <see cref="IElementwise"/>'s default (widened, the float64 block, rounded)
    /// unless the op's own float32 arithmetic gives those bits. For +, −, × and ÷ it does: a double carries more than
    /// twice float32's 24 bits (and two more), so the float64 result of float32 numbers rounded to float32 is their
    /// result rounded once (Figueroa's theorem), which float32 arithmetic computes directly.</summary>
    public virtual void Block32(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => Singles.Widened(this, a, b, y);

    /// <summary>y = f(a, b), element by element; <paramref name="y"/> may be the storage of an input.</summary>
    protected abstract void Apply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y);
    /// <summary>y = f(a, b) with a scalar a.</summary>
    protected abstract void Apply(double a, ReadOnlySpan<double> b, Span<double> y);
    /// <summary>y = f(a, b) with a scalar b.</summary>
    protected abstract void Apply(ReadOnlySpan<double> a, double b, Span<double> y);

    /// <summary>f(a, b) of two numbers, the bits <see cref="Block"/> gives them (see <see cref="UnaryElementwise.Of"/>).</summary>
    internal virtual double Of(double a, double b)
    {
        Span<double> y = stackalloc double[1];
        Apply(new ReadOnlySpan<double>(in a), new ReadOnlySpan<double>(in b), y);
        return y[0];
    }

    /// <summary>∂f/∂a and ∂f/∂b as graphs; <paramref name="y"/> = f(a, b) is there to be reused. A partial that is the
    /// constant ±1 costs no multiplication.</summary>
    protected abstract (Node DA, Node DB) Partials(Node a, Node b, Node y);

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        var (da, db) = Partials(x[0], x[1], y);
        var terms = new List<Node>(2);
        if (t[0] is { } ta) terms.Add(Partial.ExpandTo(Partial.Times(ta, da), y.Shape));
        if (t[1] is { } tb) terms.Add(Partial.ExpandTo(Partial.Times(tb, db), y.Shape));
        return AddN.Sum(terms);
    }

    /// <inheritdoc/>
    /// <remarks>A shared tensor is spread to every member and a batched scalar filled out beside a tensor; a shared
    /// scalar broadcasts as it always does.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Node.Apply(this, Side(x[0], xb[0], y.Shape.Size, k), Side(x[1], xb[1], y.Shape.Size, k));

    static Node Side(Node x, Node? batch, int n, int k) =>
        batch is not null ? (batch.Shape[0] == n ? batch : Batched.Filled(batch, n))
        : x.Shape.IsScalar ? x : Batched.Shared(x, k);

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        var (da, db) = Partials(x[0], x[1], y);
        return [needed[0] ? Partial.ReduceTo(Partial.Times(ct, da), x[0].Shape) : null,
                needed[1] ? Partial.ReduceTo(Partial.Times(ct, db), x[1].Shape) : null];
    }
}

/// <summary>The pieces of the element-wise chain rule: a tangent times a local derivative, and the scalar broadcast
/// and its transpose for ops that accept a scalar in place of a tensor.</summary>
static class Partial
{
    /// <summary>t·d, where a derivative that is the constant 1 or −1 costs no multiplication.</summary>
    public static Node Times(Node t, Node d) => d.Op is Constant { One: { } c } && d.Shape.IsScalar && (c == 1 || c == -1)
        ? (c == 1 ? t : -t)
        : t * d;

    /// <summary><paramref name="node"/> filled out to <paramref name="shape"/> if it is a scalar of another shape.</summary>
    public static Node ExpandTo(Node node, Shape shape) => node.Shape == shape ? node : node.Fill(shape);

    /// <summary><paramref name="node"/> summed down to a scalar if <paramref name="shape"/> is a scalar and it is not.</summary>
    public static Node ReduceTo(Node node, Shape shape) =>
        node.Shape == shape ? node
        : shape.IsScalar ? node.Sum()
        : throw new InvalidOperationException($"internal: cannot reduce {node.Shape} to {shape}");
}
