using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>where(mask, a, b): a where the mask is nonzero, b elsewhere. a and b have the mask's shape or are scalars.
/// The mask gets no derivative (it is a comparison's output or data). The rules <em>select</em> the tangent and the
/// cotangent rather than multiply them by a 0/1 mask, so the branch not taken receives an exact 0 even where its own
/// value is infinite or NaN. That does not stop the untaken branch's own rule from making 0·∞ = NaN (√x at 0 has an
/// infinite derivative): keep the untaken branch's input in its domain too, <c>Where(x &gt; 0, Sqrt(Where(x &gt; 0,
/// x, 1)), 0)</c> (the "double where").</summary>
internal sealed record Select : Op
{
    /// <inheritdoc/>
    public override int Arity => 3;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        for (int k = 1; k <= 2; k++)
            if (x[k] != x[0] && !x[k].IsScalar)
                throw ShapeError($"{(k == 1 ? "a" : "b")} is {x[k]}: it must have the mask's shape {x[0]} or be a scalar");
        return x[0];
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        ReadOnlySpan<double> mask = x[0].Values, a = x[1].Values, b = x[2].Values;
        bool aScalar = a.Length != mask.Length, bScalar = b.Length != mask.Length;
        for (int i = 0; i < y.Length; i++)
            y[i] = mask[i] != 0 ? a[aScalar ? 0 : i] : b[bScalar ? 0 : i];
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        if (t[1] is null && t[2] is null) return null;
        return Node.Apply(this, x[0], t[1] ?? Node.Constant(0.0), t[2] ?? Node.Constant(0.0));
    }

    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k)
    {
        int n = y.Shape.Size;
        Node Member(Node xi, Node? b) => b is null ? (xi.Shape.IsScalar ? xi : Batched.Shared(xi, k)) : xi.Shape.IsScalar ? Batched.Filled(b, n) : b;
        var mask = xb[0] ?? Batched.Shared(x[0], k);
        return Node.Apply(this, mask, Member(x[1], xb[1]), Member(x[2], xb[2]));
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        var zero = Node.Constant(0.0);
        return [null,
                needed[1] ? Partial.ReduceTo(Node.Apply(this, x[0], ct, zero), x[1].Shape) : null,
                needed[2] ? Partial.ReduceTo(Node.Apply(this, x[0], zero, ct), x[2].Shape) : null];
    }
}
