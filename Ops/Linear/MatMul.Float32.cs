namespace AutoDiff.Functional.Ops;

/// <summary>The float32 product: BLAS's sgemm on the factors' float32 storage, accumulated in float32 as PyTorch's and
/// JAX's are (half the memory traffic and twice the lanes of the float64 product, and no float64 copy of a factor).
/// Its result is therefore not the float64 product rounded once: each element is within k·2⁻²⁴·(|op(A)|·|op(B)|) of
/// the exact product (k the inner dimension), the bound <see cref="RoundingBound"/> states for <see cref="Rounding"/>.
/// A batched product (rank ≥ 3) runs sgemm member by member, each packed into float32 matrices.</summary>
internal sealed partial record MatMul : IAccumulates32
{
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<Tensor> x, float[] y)
    {
        Shape a = x[0].Shape, b = x[1].Shape;
        if (y.Length == 0) return;
        if (a.Size == 0) { Array.Clear(y, 0, y.Length); return; } // k = 0: the empty sum
        if (a.Rank < 3) { Blas.Sgemm(TransposeA, TransposeB, x[0].Singles, a[0], a[1], x[1].Singles, b.Rows, b.Columns, y); return; }
        EachMember(x[0].Singles, a, x[1].Singles, b, y, (am, ra, ca, bm, rb, cb, cm) => Blas.Sgemm(TransposeA, TransposeB, am, ra, ca, bm, rb, cb, cm));
    }

    /// <inheritdoc/>
    /// <remarks>k·(|op(A)|·|op(B)|): a dot product of k terms summed in any order rounds each partial sum and product,
    /// γₖ = k·u/(1 − k·u) of Σ|aᵢ·bᵢ| in all (Higham, Accuracy and Stability of Numerical Algorithms, §3.1).</remarks>
    public Node RoundingBound(IReadOnlyList<Node> x)
    {
        Shape a = x[0].Shape;
        int k = TransposeA ? a[a.Rank - 2] : a[a.Rank - 1];
        return Node.Apply(this, x[0].Abs(), x[1].Abs()) * (double)k;
    }
}
