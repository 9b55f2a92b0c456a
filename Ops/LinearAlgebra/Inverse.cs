using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>A⁻¹ of a square nonsingular A, by LU (LAPACK dgetrf/dgetrs against the identity). A singular A is an error
/// at run time. Rules: dY = −Y·dA·Y; Ā = −Yᵀ·Ȳ·Yᵀ. To apply an inverse to a vector, Solve is cheaper and more accurate.</summary>
internal sealed record Inverse : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        SquareMatrix.Order(this, x[0], "A");
        return x[0];
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        int n = x[0].Shape[0];
        var lu = SquareMatrix.LuOf(this, x[0], out var pivots);
        Array.Clear(y);
        for (int i = 0; i < n; i++) y[i + i * n] = 1;
        Lapack.LuSolve(lu, n, pivots, false, y, n);
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } ta ? -y.MatMul(ta.MatMul(y)) : null;

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [-Node.Apply(new MatMul(true, false), y, Node.Apply(new MatMul(false, true), ct, y))];

    /// <inheritdoc/>
    /// <remarks>No batched kernel: the op on each member in turn (<see cref="Batched.EachMember"/>).</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.EachMember(this, x, xb, y.Shape, k);
}
