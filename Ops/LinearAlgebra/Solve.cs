using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>Y = op(A)⁻¹·B for a square nonsingular A (op transposes when <see cref="TransposeA"/>), B a vector or a
/// matrix, by LU with partial pivoting (LAPACK dgetrf/dgetrs). A singular A is an error at run time.
/// Rules: dY = op(A)⁻¹(dB − op(dA)·Y); B̄ = op(A)⁻ᵀ·Ȳ (a Solve with the flag flipped), op(A)‾ = −B̄·Yᵀ.</summary>
internal sealed record Solve(bool TransposeA = false) : Op
{
    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => SquareMatrix.RightHandSide(this, x[1], SquareMatrix.Order(this, x[0], "A"));

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        int n = x[0].Shape[0];
        var lu = SquareMatrix.LuOf(this, x[0], out var pivots);
        x[1].Values.CopyTo(y);
        Lapack.LuSolve(lu, n, pivots, TransposeA, y, x[1].Shape.Columns);
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        if (t[0] is null && t[1] is null) return null;
        Node? rhs = t[1];
        if (t[0] is { } ta)
        {
            var change = Node.Apply(new MatMul(TransposeA, false), ta, y);
            rhs = rhs is null ? -change : rhs - change;
        }
        return Node.Apply(this, x[0], rhs!);
    }

    /// <summary>Linear in B: with A shared, the members' right-hand sides are solved side by side in one call. A batched
    /// A (nonlinear) is solved member by member (<see cref="Batched.EachMember"/>).</summary>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        xb[0] is null ? Batched.SideBySide(this, x[0], x[1].Shape, xb[1]!) : Batched.EachMember(this, x, xb, y.Shape, k);

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        var bbar = Node.Apply(new Solve(!TransposeA), x[0], ct);
        return [needed[0] ? -(TransposeA ? SquareMatrix.TimesTransposed(y, bbar) : SquareMatrix.TimesTransposed(bbar, y)) : null,
                needed[1] ? bbar : null];
    }

    /// <inheritdoc/>
    protected override string Parameters => TransposeA ? "Aᵀ" : "";
}
