using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>The eigendecomposition A = V·diag(w)·Vᵀ of a symmetric n×n A (LAPACK dsyev): the eigenvalues w ascending,
/// and the orthonormal eigenvectors, the columns of V, each with its component of largest magnitude positive (the first
/// such on a tie) so the result is the same on every backend. Only A's lower triangle is read, as for Cholesky, so A's
/// derivative lives on the lower triangle: an upper element has derivative 0, a strictly lower one carries both
/// symmetric positions.
/// Rules (Magnus 1985; Giles 2008), with S = sym(dA) = tril dA + (strict tril dA)ᵀ, M = Vᵀ·S·V and
/// Fᵢⱼ = 1/(wⱼ − wᵢ) off the diagonal, 0 on it: dw = diag M, dV = V·(F ∘ M);
/// Ā = Φ(G + Gᵀ) with G = V·(diag w̄ + F ∘ (Vᵀ·V̄))·Vᵀ and Φ the lower triangle with its diagonal halved.
/// F is built from w in the graph, so the rules differentiate again.
/// Degenerate eigenvalues: the eigenvectors of a repeated eigenvalue are not unique, and F is infinite there, so
/// the eigenvector rules give ±∞ or NaN. The eigenvalue rules stay exact (a function of w alone, V̄ = 0, never reads F:
/// the term F ∘ (Vᵀ·V̄) is not built), so a function symmetric in the repeated eigenvalues (a trace, a sum of f(wᵢ))
/// is differentiated correctly. Near a degeneracy the vector derivatives grow as 1/gap, as the vectors themselves
/// turn that fast.</summary>
internal sealed record Eigh : MultiOp
{
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override Shape[] InferShapes(ReadOnlySpan<Shape> x)
    {
        int n = SquareMatrix.Order(this, x[0], "A");
        return [Shape.Vector(n), Shape.Matrix(n, n)];
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        int n = x[0].Shape[0];
        var v = (double[])x[0].Storage.Clone();
        var w = new double[n];
        Lapack.SymmetricEigen(ToString(), v, n, w);
        for (int j = 0; j < n; j++)
        {
            int largest = 0;
            for (int i = 1; i < n; i++)
                if (Math.Abs(v[i + j * n]) > Math.Abs(v[largest + j * n])) largest = i;
            if (v[largest + j * n] < 0)
                for (int i = 0; i < n; i++) v[i + j * n] = -v[i + j * n];
        }
        w.CopyTo(y, 0);
        v.CopyTo(y, n);
    }

    /// <summary>Fᵢⱼ = 1/(wⱼ − wᵢ) for i ≠ j, 0 on the diagonal, as a graph of <paramref name="w"/>: 1/(E + I) − I with
    /// Eᵢⱼ = wⱼ − wᵢ, whose diagonal is 1/1 − 1 = 0 with derivative 0.</summary>
    internal static Node InverseGaps(Node w)
    {
        int n = w.Shape[0];
        var identity = Node.WeakConstant(Tensor.FromColumnMajor(Shape.Matrix(n, n), [.. Enumerable.Range(0, n * n).Select(k => k % (n + 1) == 0 ? 1.0 : 0.0)]));
        var gaps = w.BroadcastRows(n) - w.BroadcastColumns(n);
        return 1.0 / (gaps + identity) - identity;
    }

    /// <summary>sym(dA): the symmetric matrix whose lower triangle is dA's.</summary>
    internal static Node SymmetricFromLower(Node a) => Node.Apply(new TriangleMask(true, 1), a) + Node.Apply(new TriangleMask(true, 0), a).T();

    /// <inheritdoc/>
    public override Node?[] Jvp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> t)
    {
        if (t[0] is not { } ta) return [null, null];
        var (w, v) = (y[0], y[1]);
        var m = Node.Apply(new MatMul(true, false), v, SymmetricFromLower(ta).MatMul(v));   // Vᵀ·S·V
        return [m.Diag(), v.MatMul(InverseGaps(w) * m)];
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> ct, ReadOnlySpan<bool> needed)
    {
        if (!needed[0]) return [null];
        var (w, v) = (y[0], y[1]);
        Node? inner = ct[0]?.DiagMatrix();
        if (ct[1] is { } vbar)
        {
            var rotation = InverseGaps(w) * Node.Apply(new MatMul(true, false), v, vbar);   // F ∘ (Vᵀ·V̄)
            inner = inner is null ? rotation : inner + rotation;
        }
        var g = Node.Apply(new MatMul(false, true), v.MatMul(inner!), v);                  // V·inner·Vᵀ
        return [Node.Apply(new TriangleMask(true, 0.5), g + g.T())];
    }

    /// <inheritdoc/>
    /// <remarks>No batched kernel: the op on each member in turn (<see cref="Batched.EachMember"/>).</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.EachMember(this, x, xb, y.Shape, k);
}
