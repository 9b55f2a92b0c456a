using System.Runtime.InteropServices;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace AutoDiff.Functional;

/// <summary>Matrix products through OpenBLAS when it is installed (Debian <c>libopenblas0-pthread</c>), MathNet's
/// managed code otherwise. Set <c>AUTODIFF_BLAS=managed</c> to force the managed path.
/// All matrices are column-major and dense, leading dimension = rows.</summary>
public static unsafe class Blas
{
    const int ColMajor = 102, NoTrans = 111, Trans = 112;

    static readonly delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> dgemm;
    static readonly delegate* unmanaged<int, int, int, int, double, double*, int, double*, int, double, double*, int, void> dgemv;
    static readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> sgemm;
    static readonly delegate* unmanaged<int, int, int, int, float, float*, int, float*, int, float, float*, int, void> sgemv;

    /// <summary>True when products run in native OpenBLAS.</summary>
    public static bool IsNative { get; }

    /// <summary>One line saying which backend is in use and why, for programs to print.</summary>
    public static string Backend { get; }

    static Blas()
    {
        if (Environment.GetEnvironmentVariable("AUTODIFF_BLAS") is { } forced && forced.Equals("managed", StringComparison.OrdinalIgnoreCase))
        {
            Backend = "managed (MathNet.Numerics), forced by AUTODIFF_BLAS=managed";
            return;
        }
        // libblas.so.3 may be the slow reference BLAS: accept a library only if it is OpenBLAS.
        foreach (var name in new[] { "libopenblas.so.0", "libopenblas.so", "libblas.so.3" })
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, "openblas_get_config", out var config)
                || !NativeLibrary.TryGetExport(lib, "cblas_dgemm", out var gemm)
                || !NativeLibrary.TryGetExport(lib, "cblas_dgemv", out var gemv)
                || !NativeLibrary.TryGetExport(lib, "cblas_sgemm", out var gemm32)
                || !NativeLibrary.TryGetExport(lib, "cblas_sgemv", out var gemv32))
                continue;
            dgemm = (delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)gemm;
            dgemv = (delegate* unmanaged<int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)gemv;
            sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)gemm32;
            sgemv = (delegate* unmanaged<int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)gemv32;
            var build = Marshal.PtrToStringAnsi(((delegate* unmanaged<nint>)config)())?.Trim();
            var threads = NativeLibrary.TryGetExport(lib, "openblas_get_num_threads", out var nt)
                ? ((delegate* unmanaged<int>)nt)() : 0;
            IsNative = true;
            Backend = $"native OpenBLAS ({name}: {build}; {threads} thread(s))";
            return;
        }
        Backend = "managed (MathNet.Numerics): OpenBLAS not found (apt-get install libopenblas0-pthread)";
    }

    /// <summary>C ← α·op(A)·op(B) + β·C, where A is stored rowsA×colsA and op transposes when asked.</summary>
    public static void Gemm(bool transA, bool transB, double alpha, double[] a, int rowsA, int colsA,
        double[] b, int rowsB, int colsB, double beta, double[] c)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        int m = transA ? colsA : rowsA, k = transA ? rowsA : colsA, n = transB ? rowsB : colsB;
        if ((transB ? colsB : rowsB) != k || c.Length != (long)m * n || a.Length != (long)rowsA * colsA || b.Length != (long)rowsB * colsB)
            throw new ArgumentException($"Gemm: op(A) is {m}×{k}, op(B) is {(transB ? colsB : rowsB)}×{n}, C has {c.Length} elements");
        if (m == 0 || n == 0) return;
        if (k == 0) { Scale(beta, c); return; }
        if (IsNative) Native(transA, transB, alpha, a, rowsA, colsA, b, rowsB, colsB, beta, c);
        else Managed(transA, transB, alpha, a, rowsA, colsA, b, rowsB, colsB, beta, c);
    }

    /// <summary>The float32 product C ← op(A)·op(B) on the leading elements of <paramref name="a"/>, <paramref name="b"/>
    /// and <paramref name="c"/> (which may be longer), accumulated in float32 as BLAS's sgemm does: each element is
    /// within k·2⁻²⁴·(|op(A)|·|op(B)|) of the exact product, to first order (k the inner dimension); dimensions at least 1.</summary>
    internal static void Sgemm(bool transA, bool transB, float[] a, int rowsA, int colsA, float[] b, int rowsB, int colsB, float[] c)
    {
        int m = transA ? colsA : rowsA, k = transA ? rowsA : colsA, n = transB ? rowsB : colsB;
        if (a.Length < (long)rowsA * colsA || b.Length < (long)rowsB * colsB || c.Length < (long)m * n)
            throw new InvalidOperationException($"internal: Sgemm buffers of {a.Length}, {b.Length}, {c.Length} elements for ({rowsA}×{colsA})·({rowsB}×{colsB})");
        if (IsNative)
        {
            fixed (float* pa = a, pb = b, pc = c)
            {
                if (n == 1 && !transB)
                    sgemv(ColMajor, transA ? Trans : NoTrans, rowsA, colsA, 1, pa, rowsA, pb, 1, 0, pc, 1);
                else
                {
                    nint A = (nint)pa, B = (nint)pb, C = (nint)pc;
                    Pieces(transA, transB, rowsA, rowsB, m, n, k, (at, rows, columns) => sgemm(ColMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans,
                        rows, columns, k, 1, (float*)A + at.A, rowsA, (float*)B + at.B, rowsB, 0, (float*)C + at.C, m));
                }
            }
            return;
        }
        // MathNet's provider takes whole arrays: copies of the leading parts.
        float[] a0 = a.Length == rowsA * colsA ? a : a[..(rowsA * colsA)], b0 = b.Length == rowsB * colsB ? b : b[..(rowsB * colsB)];
        float[] c0 = c.Length == m * n ? c : new float[m * n];
        ManagedLinearAlgebraProvider.Instance.MatrixMultiplyWithUpdate(transA ? Transpose.Transpose : Transpose.DontTranspose,
            transB ? Transpose.Transpose : Transpose.DontTranspose, 1f, a0, rowsA, colsA, b0, rowsB, colsB, 0f, c0);
        if (c0 != c) c0.CopyTo(c, 0);
    }

    // Both paths are reachable directly so tests can compare them in one process.
    internal static void Native(bool transA, bool transB, double alpha, double[] a, int rowsA, int colsA,
        double[] b, int rowsB, int colsB, double beta, double[] c)
    {
        if (!IsNative) throw new InvalidOperationException("Blas: OpenBLAS is not loaded");
        int m = transA ? colsA : rowsA, k = transA ? rowsA : colsA, n = transB ? rowsB : colsB;
        fixed (double* pa = a, pb = b, pc = c)
        {
            if (n == 1 && !transB)
                dgemv(ColMajor, transA ? Trans : NoTrans, rowsA, colsA, alpha, pa, rowsA, pb, 1, beta, pc, 1);
            else
            {
                nint A = (nint)pa, B = (nint)pb, C = (nint)pc;
                Pieces(transA, transB, rowsA, rowsB, m, n, k, (at, rows, columns) => dgemm(ColMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans,
                    rows, columns, k, alpha, (double*)A + at.A, rowsA, (double*)B + at.B, rowsB, beta, (double*)C + at.C, m));
            }
        }
    }

    /// <summary>OpenBLAS shares a product between all its threads once m·n·k passes this (its own threshold, 4 × 65,536).</summary>
    const double OpenBlasThreshold = 262_144;

    /// <summary>Runs the product C (m×n) as <paramref name="run"/>(where the piece starts in A, B and C, its rows, its
    /// columns) over pieces of C, whose factors and C keep their leading dimensions. Waking OpenBLAS's threads costs more than a small thin product's work: measured here (medians of many
    /// calls, two runs on a quiet machine and one on a busy one), (10×9)·(9×10⁴) took 88–350 µs on OpenBLAS's 2 threads
    /// and 66–71 µs as pieces on one, (200×2)·(2×1000) 54–347 against 46–49 µs, while from about 5·10⁶ multiply-adds
    /// the threads pay even for a thin product on a quiet machine ((100×9)·(9×10⁴): 360–378 µs against 485–535). So a
    /// product with a thin inner dimension (k ≤ 32) of at most 2·10⁶ multiply-adds runs as pieces along its longer
    /// side, each under OpenBLAS's threshold and so on the calling thread, one after another. Each element of C is
    /// still computed by one call of the same kernel, whichever piece holds it.</summary>
    static void Pieces(bool transA, bool transB, int rowsA, int rowsB, int m, int n, int k, Action<(long A, long B, long C), int, int> run)
    {
        // Rows i… of C start at row i of op(A), columns j… at column j of op(B).
        void Piece(int i, int rows, int j, int columns) =>
            run((transA ? (long)i * rowsA : i, transB ? j : (long)j * rowsB, i + (long)j * m), rows, columns);
        double mnk = (double)m * n * k;
        bool alongColumns = n >= m;
        int length = alongColumns ? n : m, across = alongColumns ? m : n;
        int size = (int)Math.Min(length, OpenBlasThreshold / ((double)across * k));
        if (k > 32 || mnk <= OpenBlasThreshold || mnk > 2e6 || size < 16) { Piece(0, m, 0, n); return; }
        for (int start = 0; start < length; start += size)
        {
            int count = Math.Min(size, length - start);
            if (alongColumns) Piece(0, m, start, count);
            else Piece(start, count, 0, n);
        }
    }

    internal static void Managed(bool transA, bool transB, double alpha, double[] a, int rowsA, int colsA,
        double[] b, int rowsB, int colsB, double beta, double[] c) =>
        ManagedLinearAlgebraProvider.Instance.MatrixMultiplyWithUpdate(
            transA ? Transpose.Transpose : Transpose.DontTranspose,
            transB ? Transpose.Transpose : Transpose.DontTranspose,
            alpha, a, rowsA, colsA, b, rowsB, colsB, beta, c);

    static void Scale(double beta, double[] c)
    {
        if (beta == 0) Array.Clear(c);
        else for (int i = 0; i < c.Length; i++) c[i] *= beta;
    }
}
