using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>The reduced singular value decomposition A = U·diag(s)·Vᵀ of an m×n A with m ≥ n (LAPACK dgesvd): U (m×n)
/// and V (n×n) with orthonormal columns, s descending. Each pair (uᵢ, vᵢ) is signed so that vᵢ's component of largest
/// magnitude is positive (the first on a tie), so the result is the same on every backend.
/// Rules (Townsend 2016; Seeger et al. 2017), for distinct nonzero singular values, with S = diag s, dP = Uᵀ·dA·V and
/// Fᵢⱼ = 1/(sⱼ² − sᵢ²) off the diagonal, 0 on it: ds = diag dP, dU = U·(F ∘ (dP·S + S·dPᵀ)) + (I − U·Uᵀ)·dA·V·S⁻¹,
/// dV = V·(F ∘ (S·dP + dPᵀ·S)); Ā = U·(F ∘ (Uᵀ·Ū − Ūᵀ·U))·S·Vᵀ + (I − U·Uᵀ)·Ū·S⁻¹·Vᵀ + U·diag(s̄)·Vᵀ +
/// U·S·(F ∘ (Vᵀ·V̄ − V̄ᵀ·V))·Vᵀ. F is built from s in the graph, so the rules differentiate again. As for
/// <see cref="Eigh"/>, repeated singular values make the vector derivatives infinite (a function of s alone stays
/// exact), and a zero singular value makes U's derivative infinite.</summary>
internal sealed record Svd : MultiOp
{
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override Shape[] InferShapes(ReadOnlySpan<Shape> x)
    {
        if (x[0].Rank != 2) throw ShapeError($"A is {x[0]}, it must be a matrix");
        int m = x[0][0], n = x[0][1];
        if (m < n) throw ShapeError($"A is {x[0]}: the reduced SVD here needs at least as many rows as columns (take the SVD of Aᵀ and swap U and V)");
        return [Shape.Matrix(m, n), Shape.Vector(n), Shape.Matrix(n, n)];
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        int m = x[0].Shape[0], n = x[0].Shape[1];
        var a = (double[])x[0].Storage.Clone();
        double[] s = new double[n], u = new double[m * n], vt = new double[n * n];
        Lapack.Svd(ToString(), a, m, n, s, u, vt);
        // Descending order (the managed path's may differ), then each pair's sign.
        var order = Enumerable.Range(0, n).OrderByDescending(i => s[i]).ThenBy(i => i).ToArray();
        for (int c = 0; c < n; c++)
        {
            int k = order[c];
            int largest = 0;
            for (int i = 1; i < n; i++)
                if (Math.Abs(vt[k + i * n]) > Math.Abs(vt[k + largest * n])) largest = i;
            double sign = vt[k + largest * n] < 0 ? -1 : 1;
            for (int i = 0; i < m; i++) y[i + c * m] = sign * u[i + k * m];
            y[m * n + c] = s[k];
            for (int i = 0; i < n; i++) y[m * n + n + i + c * n] = sign * vt[k + i * n];
        }
    }

    static Node Product(Node a, Node b, bool ta, bool tb) => Node.Apply(new MatMul(ta, tb), a, b);

    /// <inheritdoc/>
    public override Node?[] Jvp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> t)
    {
        if (t[0] is not { } ta) return [null, null, null];
        var (u, s, v) = (y[0], y[1], y[2]);
        var f = Eigh.InverseGaps(s.Square());
        var sigma = s.DiagMatrix();
        var dav = ta.MatMul(v);                                                        // dA·V
        var dp = Product(u, dav, true, false);                                         // Uᵀ·dA·V
        var outside = dav - u.MatMul(Product(u, dav, true, false));                    // (I − U·Uᵀ)·dA·V
        var du = u.MatMul(f * (dp.MatMul(sigma) + Product(sigma, dp, false, true))) + outside.MatMul((1.0 / s).DiagMatrix());
        var dv = v.MatMul(f * (sigma.MatMul(dp) + Product(dp, sigma, true, false)));
        return [du, dp.Diag(), dv];
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> ct, ReadOnlySpan<bool> needed)
    {
        if (!needed[0]) return [null];
        var (u, s, v) = (y[0], y[1], y[2]);
        var f = Eigh.InverseGaps(s.Square());
        var sigma = s.DiagMatrix();
        Node? inner = ct[1]?.DiagMatrix();                                                // diag s̄
        Node Add(Node? a, Node b) => a is null ? b : a + b;
        if (ct[0] is { } ubar)
        {
            var utu = Product(u, ubar, true, false);                                      // Uᵀ·Ū
            inner = Add(inner, (f * (utu - utu.T())).MatMul(sigma));
        }
        if (ct[2] is { } vbar)
        {
            var vtv = Product(v, vbar, true, false);                                      // Vᵀ·V̄
            inner = Add(inner, sigma.MatMul(f * (vtv - vtv.T())));
        }
        Node? result = inner is null ? null : Product(u.MatMul(inner), v, false, true);  // U·inner·Vᵀ
        if (ct[0] is { } ub)
        {
            var outside = ub - u.MatMul(Product(u, ub, true, false));                    // (I − U·Uᵀ)·Ū
            result = Add(result, Product(outside.MatMul((1.0 / s).DiagMatrix()), v, false, true));
        }
        return [result];
    }

    /// <inheritdoc/>
    /// <remarks>No batched kernel: the op on each member in turn (<see cref="Batched.EachMember"/>).</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.EachMember(this, x, xb, y.Shape, k);
}
