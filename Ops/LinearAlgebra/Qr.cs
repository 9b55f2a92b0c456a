using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>The reduced QR factorisation A = Q·R of an m×n A with m ≥ n (LAPACK dgeqrf and dorgqr, Householder
/// reflections): Q (m×n) with orthonormal columns and R (n×n) upper triangular with a positive diagonal (the signs are
/// fixed so, which makes the factors unique for a full-rank A and the same on every backend). An A without full column
/// rank (a zero on R's diagonal, where the rules would divide by it) is an error at run time.
/// Rules (Walter and Lehmann 2018; Seeger et al. 2017), with B = dA·R⁻¹, C = Qᵀ·B and X = triu C + (strict tril C)ᵀ
/// (so Qᵀ·dQ = C − X is skew-symmetric and dR·R⁻¹ = X upper triangular): dR = X·R, dQ = B − Q·X;
/// Ā = (Q̄ + Q·copyltu M)·R⁻ᵀ with M = R·R̄ᵀ − Q̄ᵀ·Q and copyltu M = tril M + (strict tril M)ᵀ. Products, masks and
/// triangular solves only, so the rules differentiate again.</summary>
internal sealed record Qr : MultiOp
{
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override Shape[] InferShapes(ReadOnlySpan<Shape> x)
    {
        if (x[0].Rank != 2) throw ShapeError($"A is {x[0]}, it must be a matrix");
        int m = x[0][0], n = x[0][1];
        if (m < n) throw ShapeError($"A is {x[0]}: the reduced QR needs at least as many rows as columns (factor Aᵀ instead)");
        return [Shape.Matrix(m, n), Shape.Matrix(n, n)];
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        int m = x[0].Shape[0], n = x[0].Shape[1];
        var q = (double[])x[0].Storage.Clone();
        var r = new double[n * n];
        Lapack.QrFactor(q, m, n, r);
        for (int k = 0; k < n; k++)
        {
            double d = r[k + k * n];
            if (d == 0 || !double.IsFinite(d))
                throw new ArgumentException($"{this}: the {m}×{n} matrix does not have full column rank (R's diagonal element {k} is {d}); the QR's rules need it");
            if (d > 0) continue;
            for (int j = k; j < n; j++) r[k + j * n] = -r[k + j * n];
            for (int i = 0; i < m; i++) q[i + k * m] = -q[i + k * m];
        }
        q.AsSpan(0, m * n).CopyTo(y);
        r.CopyTo(y, m * n);
    }

    /// <summary>X·R⁻ᵀ for an upper triangular R, as (R⁻¹·Xᵀ)ᵀ; not <paramref name="transposed"/>, X·R⁻¹ = (R⁻ᵀ·Xᵀ)ᵀ.</summary>
    static Node TimesInverse(Node x, Node r, bool transposed) =>
        Node.Apply(new TriangularSolve(false, !transposed), r, x.T()).T();

    /// <inheritdoc/>
    public override Node?[] Jvp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> t)
    {
        if (t[0] is not { } ta) return [null, null];
        var (q, r) = (y[0], y[1]);
        var b = TimesInverse(ta, r, transposed: false);                                     // dA·R⁻¹
        var c = Node.Apply(new MatMul(true, false), q, b);                                  // Qᵀ·dA·R⁻¹
        var upper = Node.Apply(new TriangleMask(false, 1), c) + Node.Apply(new TriangleMask(true, 0), c).T();
        return [b - q.MatMul(upper), upper.MatMul(r)];
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> ct, ReadOnlySpan<bool> needed)
    {
        if (!needed[0]) return [null];
        var (q, r) = (y[0], y[1]);
        Node? m = ct[1] is { } rbar ? Node.Apply(new MatMul(false, true), r, rbar) : null;      // R·R̄ᵀ
        if (ct[0] is { } qbar)
        {
            var qq = Node.Apply(new MatMul(true, false), qbar, q);                              // Q̄ᵀ·Q
            m = m is null ? -qq : m - qq;
        }
        var copied = Node.Apply(new TriangleMask(true, 1), m!) + Node.Apply(new TriangleMask(true, 0), m!).T();
        var z = q.MatMul(copied);
        if (ct[0] is { } qb) z = qb + z;
        return [TimesInverse(z, r, transposed: true)];
    }

    /// <inheritdoc/>
    /// <remarks>No batched kernel: the op on each member in turn (<see cref="Batched.EachMember"/>).</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.EachMember(this, x, xb, y.Shape, k);
}
