namespace AutoDiff.Functional.Ops;

/// <summary>The float32 product: computed in float64 (so its result is the float64 product of the float32 factors,
/// rounded once), widening a block of the larger factor at a time, so no float64 copy of a large factor is made and
/// the memory traffic is float32's.</summary>
internal sealed partial record MatMul
{
    /// <summary>Doubles of widened factors and of the float64 product block per BLAS call: 1 MB, cache-sized.</summary>
    const int BlockBudget = 1 << 17;

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<Tensor> x, float[] y)
    {
        Shape a = x[0].Shape;
        if (y.Length == 0) return;
        if (a.Rank >= 3)
        {
            var whole = new double[y.Length];
            Forward(x, whole);
            Tensor.Narrow(whole, y);
            return;
        }
        int m = TransposeA ? a[1] : a[0], k = TransposeA ? a[0] : a[1], n = y.Length / m;
        // Split the largest of m, n, k: rows of op(A), columns of op(B), or the inner dimension (summed block by block).
        if (k >= m && k >= n) InnerBlocks(x[0], x[1], m, k, n, y);
        else if (m >= n) RowBlocks(x[0], Whole(x[1]), m, k, n, y);
        else ColumnBlocks(Whole(x[0]), x[1], m, k, n, y);
    }

    static double[] Whole(Tensor t)
    {
        if (!t.HoldsSingles) return t.Storage;
        var d = GC.AllocateUninitializedArray<double>(t.Shape.Size);
        Tensor.Widen(t.Singles, d);
        return d;
    }

    /// <summary>Rows [i0, i0 + r) of op(A) at a time: those rows of C are op(A)'s rows · op(B).</summary>
    void RowBlocks(Tensor A, double[] B, int m, int k, int n, float[] y)
    {
        int rows = Math.Clamp(BlockBudget / (k + n), 1, m);
        using var buffers = new Buffers(rows * k, rows * n);
        var (block, product) = (buffers.First, buffers.Second);
        for (int i0 = 0; i0 < m; i0 += rows)
        {
            int r = Math.Min(rows, m - i0);
            // op(A) = A: rows of A (m×k, strided) into r×k; op(A) = Aᵀ: columns of A (k×m, contiguous) into k×r.
            if (TransposeA) Copy(A, i0 * k, block.AsSpan(0, r * k));
            else for (int l = 0; l < k; l++) Copy(A, i0 + l * m, block.AsSpan(l * r, r));
            Blas.GemmLeading(TransposeA, TransposeB, 1, block, TransposeA ? k : r, TransposeA ? r : k, B, TransposeB ? n : k, TransposeB ? k : n, 0, product);
            for (int j = 0; j < n; j++) Tensor.Narrow(product.AsSpan(j * r, r), y.AsSpan(i0 + j * m, r));
        }
    }

    /// <summary>Columns [j0, j0 + c) of op(B) at a time: those columns of C are op(A) · op(B)'s columns.</summary>
    void ColumnBlocks(double[] A, Tensor B, int m, int k, int n, float[] y)
    {
        int columns = Math.Clamp(BlockBudget / (k + m), 1, n);
        using var buffers = new Buffers(columns * k, columns * m);
        var (block, product) = (buffers.First, buffers.Second);
        for (int j0 = 0; j0 < n; j0 += columns)
        {
            int c = Math.Min(columns, n - j0);
            // op(B) = B: columns of B (k×n, contiguous) into k×c; op(B) = Bᵀ: rows of B (n×k, strided) into c×k.
            if (!TransposeB) Copy(B, j0 * k, block.AsSpan(0, c * k));
            else for (int l = 0; l < k; l++) Copy(B, j0 + l * n, block.AsSpan(l * c, c));
            Blas.GemmLeading(TransposeA, TransposeB, 1, A, TransposeA ? k : m, TransposeA ? m : k, block, TransposeB ? c : k, TransposeB ? k : c, 0, product);
            Tensor.Narrow(product.AsSpan(0, c * m), y.AsSpan(j0 * m, c * m));
        }
    }

    /// <summary>Inner indices [l0, l0 + s) at a time: C = Σ over blocks of op(A)'s columns · op(B)'s rows, in block order.</summary>
    void InnerBlocks(Tensor A, Tensor B, int m, int k, int n, float[] y)
    {
        int inner = Math.Clamp(BlockBudget / (m + n), 1, k);
        var product = new double[m * n];
        using var buffers = new Buffers(inner * m, inner * n);
        var (ab, bb) = (buffers.First, buffers.Second);
        for (int l0 = 0; l0 < k; l0 += inner)
        {
            int s = Math.Min(inner, k - l0);
            // op(A)'s columns l0…: columns of A (m×k, contiguous) into m×s; op(A) = Aᵀ: rows of A (k×m, strided) into s×m.
            if (!TransposeA) Copy(A, l0 * m, ab.AsSpan(0, s * m));
            else for (int i = 0; i < m; i++) Copy(A, l0 + i * k, ab.AsSpan(i * s, s));
            // op(B)'s rows l0…: rows of B (k×n, strided) into s×n; op(B) = Bᵀ: columns of B (n×k, contiguous) into n×s.
            if (TransposeB) Copy(B, l0 * n, bb.AsSpan(0, s * n));
            else for (int j = 0; j < n; j++) Copy(B, l0 + j * k, bb.AsSpan(j * s, s));
            Blas.GemmLeading(TransposeA, TransposeB, 1, ab, TransposeA ? s : m, TransposeA ? m : s, bb, TransposeB ? n : s, TransposeB ? s : n,
                l0 == 0 ? 0 : 1, product);
        }
        Tensor.Narrow(product, y);
    }

    /// <summary>Two pooled block buffers for one product, returned when it is done (a product per call would leave
    /// megabytes of large-object garbage behind).</summary>
    readonly struct Buffers(int first, int second) : IDisposable
    {
        public readonly double[] First = System.Buffers.ArrayPool<double>.Shared.Rent(first), Second = System.Buffers.ArrayPool<double>.Shared.Rent(second);

        public void Dispose()
        {
            System.Buffers.ArrayPool<double>.Shared.Return(First);
            System.Buffers.ArrayPool<double>.Shared.Return(Second);
        }
    }

    /// <summary>Elements [start, start + to.Length) of a float value as doubles: its singles widened, or its doubles.</summary>
    static void Copy(Tensor t, int start, Span<double> to)
    {
        if (t.HoldsSingles) Tensor.Widen(t.Singles.AsSpan(start, to.Length), to);
        else t.Values.Slice(start, to.Length).CopyTo(to);
    }
}
