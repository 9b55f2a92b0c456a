using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>The LU factorisation with partial pivoting A = P·L·U of a square nonsingular A (LAPACK dgetrf, scipy's
/// <c>lu</c> arrangement): P a permutation matrix (as floats: every result of an op shares one float type), L unit lower
/// triangular, U upper triangular. A singular A is an error at run time. The pivoting is piecewise constant: P has
/// derivative 0, and L and U are differentiated on the piece where the pivots stay as chosen.
/// Rules, with X = L⁻¹·Pᵀ·dA·U⁻¹ (so L⁻¹·dL = strict tril X, dU·U⁻¹ = triu X): dL = L·(strict tril X), dU = (triu X)·U;
/// Ā = P·L⁻ᵀ·(strict tril(Lᵀ·L̄) + triu(Ū·Uᵀ))·U⁻ᵀ. Products, masks and triangular solves, so they differentiate
/// again.</summary>
internal sealed record Lu : MultiOp
{
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override Shape[] InferShapes(ReadOnlySpan<Shape> x)
    {
        int n = SquareMatrix.Order(this, x[0], "A");
        return [Shape.Matrix(n, n), Shape.Matrix(n, n), Shape.Matrix(n, n)];
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        int n = x[0].Shape[0], size = n * n;
        var lu = SquareMatrix.LuOf(this, x[0], out var pivots);
        // The row swaps in order give the rows of A that Pᵀ·A takes: row i of Pᵀ·A is row order[i] of A.
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = 0; i < n; i++) (order[i], order[pivots[i]]) = (order[pivots[i]], order[i]);
        y.AsSpan(0, 3 * size).Clear();
        for (int i = 0; i < n; i++) y[order[i] + i * n] = 1;
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
            {
                if (i > j) y[size + i + j * n] = lu[i + j * n];
                else y[2 * size + i + j * n] = lu[i + j * n];
            }
        for (int i = 0; i < n; i++) y[size + i + i * n] = 1;
    }

    /// <summary>X·U⁻¹ for an upper triangular U, as (U⁻ᵀ·Xᵀ)ᵀ; with <paramref name="transposed"/>, X·U⁻ᵀ = (U⁻¹·Xᵀ)ᵀ.</summary>
    static Node TimesInverse(Node x, Node u, bool transposed) => Node.Apply(new TriangularSolve(false, !transposed), u, x.T()).T();
    static Node StrictLower(Node m) => Node.Apply(new TriangleMask(true, 0), m);
    static Node Upper(Node m) => Node.Apply(new TriangleMask(false, 1), m);

    /// <inheritdoc/>
    public override Node?[] Jvp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> t)
    {
        if (t[0] is not { } ta) return [null, null, null];
        var (p, l, u) = (y[0], y[1], y[2]);
        var inner = Node.Apply(new TriangularSolve(true, false), l, Node.Apply(new MatMul(true, false), p, ta));  // L⁻¹·Pᵀ·dA
        var change = TimesInverse(inner, u, transposed: false);                                                  // X
        return [null, l.MatMul(StrictLower(change)), Upper(change).MatMul(u)];
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> ct, ReadOnlySpan<bool> needed)
    {
        if (!needed[0] || (ct[1] is null && ct[2] is null)) return [null];
        var (p, l, u) = (y[0], y[1], y[2]);
        Node? g = ct[1] is { } lbar ? StrictLower(Node.Apply(new MatMul(true, false), l, lbar)) : null;        // strict tril(Lᵀ·L̄)
        if (ct[2] is { } ubar)
        {
            var upper = Upper(Node.Apply(new MatMul(false, true), ubar, u));                                     // triu(Ū·Uᵀ)
            g = g is null ? upper : g + upper;
        }
        var left = Node.Apply(new TriangularSolve(true, true), l, g!);                                           // L⁻ᵀ·G
        return [p.MatMul(TimesInverse(left, u, transposed: true))];
    }

    /// <inheritdoc/>
    /// <remarks>No batched kernel: the op on each member in turn (<see cref="Batched.EachMember"/>).</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.EachMember(this, x, xb, y.Shape, k);
}
