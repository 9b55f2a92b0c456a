using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>Y = op(T)⁻¹·B where T is the lower (or upper) triangle of the first input (the other triangle is not
/// read, as in LAPACK dtrtrs) and op transposes when <see cref="Transpose"/>. A zero on T's diagonal is an error at
/// run time. Rules: dY = op(T)⁻¹(dB − op(tri dT)·Y); B̄ = op(T)⁻ᵀ·Ȳ, T̄ = tri(−B̄·Yᵀ) (or tri(−Y·B̄ᵀ) when transposed).</summary>
internal sealed record TriangularSolve(bool Lower = true, bool Transpose = false) : Op
{
    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => SquareMatrix.RightHandSide(this, x[1], SquareMatrix.Order(this, x[0], "T"));

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        x[1].Values.CopyTo(y);
        Lapack.TriangularSolve(ToString(), x[0].Storage, x[0].Shape[0], Lower, Transpose, y, x[1].Shape.Columns);
    }

    Node Triangle(Node m) => Node.Apply(new TriangleMask(Lower, 1), m);

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        if (t[0] is null && t[1] is null) return null;
        Node? rhs = t[1];
        if (t[0] is { } tt)
        {
            var change = Node.Apply(new MatMul(Transpose, false), Triangle(tt), y);
            rhs = rhs is null ? -change : rhs - change;
        }
        return Node.Apply(this, x[0], rhs!);
    }

    /// <summary>Linear in B: with T shared, the members' right-hand sides are solved side by side in one call. A batched
    /// T (nonlinear) is solved member by member (<see cref="Batched.EachMember"/>).</summary>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        xb[0] is null ? Batched.SideBySide(this, x[0], x[1].Shape, xb[1]!) : Batched.EachMember(this, x, xb, y.Shape, k);

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        var bbar = Node.Apply(this with { Transpose = !Transpose }, x[0], ct);
        return [needed[0] ? Triangle(-(Transpose ? SquareMatrix.TimesTransposed(y, bbar) : SquareMatrix.TimesTransposed(bbar, y))) : null,
                needed[1] ? bbar : null];
    }

    /// <inheritdoc/>
    protected override string Parameters => $"{(Lower ? "lower" : "upper")}{(Transpose ? ", transposed" : "")}";
}
