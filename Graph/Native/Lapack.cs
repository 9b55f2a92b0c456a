using System.Runtime.InteropServices;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace AutoDiff.Functional;

/// <summary>The few LAPACK factorisations and solves the linear-algebra ops need: through OpenBLAS's LAPACK when it is
/// loaded (Debian's <c>libopenblas0-pthread</c> exports dgetrf, dgetrs, dpotrf, dtrtrs, dsyev, dgeqrf, dorgqr and dgesvd), MathNet's managed
/// factorisations and plain substitution loops otherwise; <c>AUTODIFF_BLAS=managed</c> forces the managed path, as for
/// <see cref="Blas"/>. Matrices are column-major n×n, right-hand sides n×columns, all overwritten in place. A
/// singular or non-positive-definite matrix is an <see cref="ArgumentException"/> naming the op.</summary>
internal static unsafe class Lapack
{
    static readonly delegate* unmanaged<int*, int*, double*, int*, int*, int*, void> dgetrf;
    static readonly delegate* unmanaged<byte*, int*, int*, double*, int*, int*, double*, int*, int*, nint, void> dgetrs;
    static readonly delegate* unmanaged<byte*, int*, double*, int*, int*, nint, void> dpotrf;
    static readonly delegate* unmanaged<byte*, byte*, byte*, int*, int*, double*, int*, double*, int*, int*, nint, nint, nint, void> dtrtrs;
    static readonly delegate* unmanaged<byte*, byte*, int*, double*, int*, double*, double*, int*, int*, nint, nint, void> dsyev;
    static readonly delegate* unmanaged<int*, int*, double*, int*, double*, double*, int*, int*, void> dgeqrf;
    static readonly delegate* unmanaged<int*, int*, int*, double*, int*, double*, double*, int*, int*, void> dorgqr;
    static readonly delegate* unmanaged<byte*, byte*, int*, int*, double*, int*, double*, double*, int*, double*, int*, double*, int*, int*, nint, nint, void> dgesvd;

    /// <summary>True when factorisations run in OpenBLAS's LAPACK.</summary>
    public static bool IsNative { get; }

    static Lapack()
    {
        if (!Blas.IsNative) return; // forced managed, or no OpenBLAS: the same decision as for products
        foreach (var name in new[] { "libopenblas.so.0", "libopenblas.so", "libblas.so.3" })
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, "openblas_get_config", out _)
                || !NativeLibrary.TryGetExport(lib, "dgetrf_", out var getrf)
                || !NativeLibrary.TryGetExport(lib, "dgetrs_", out var getrs)
                || !NativeLibrary.TryGetExport(lib, "dpotrf_", out var potrf)
                || !NativeLibrary.TryGetExport(lib, "dtrtrs_", out var trtrs)
                || !NativeLibrary.TryGetExport(lib, "dsyev_", out var syev)
                || !NativeLibrary.TryGetExport(lib, "dgeqrf_", out var geqrf)
                || !NativeLibrary.TryGetExport(lib, "dorgqr_", out var orgqr)
                || !NativeLibrary.TryGetExport(lib, "dgesvd_", out var gesvd))
                continue;
            dgetrf = (delegate* unmanaged<int*, int*, double*, int*, int*, int*, void>)getrf;
            dgetrs = (delegate* unmanaged<byte*, int*, int*, double*, int*, int*, double*, int*, int*, nint, void>)getrs;
            dpotrf = (delegate* unmanaged<byte*, int*, double*, int*, int*, nint, void>)potrf;
            dtrtrs = (delegate* unmanaged<byte*, byte*, byte*, int*, int*, double*, int*, double*, int*, int*, nint, nint, nint, void>)trtrs;
            dsyev = (delegate* unmanaged<byte*, byte*, int*, double*, int*, double*, double*, int*, int*, nint, nint, void>)syev;
            dgeqrf = (delegate* unmanaged<int*, int*, double*, int*, double*, double*, int*, int*, void>)geqrf;
            dorgqr = (delegate* unmanaged<int*, int*, int*, double*, int*, double*, double*, int*, int*, void>)orgqr;
            dgesvd = (delegate* unmanaged<byte*, byte*, int*, int*, double*, int*, double*, double*, int*, double*, int*, double*, int*, int*, nint, nint, void>)gesvd;
            IsNative = true;
            return;
        }
    }

    /// <summary>A = P·L·U in place (L unit lower, U upper); <paramref name="pivots"/> gets the row swaps, 0-based, applied
    /// in order. A zero pivot is an error (the matrix is singular) unless <paramref name="singular"/> allows it.</summary>
    public static void LuFactor(string op, double[] a, int n, int[] pivots, bool singular = false)
    {
        if (n == 0) return;
        if (IsNative)
        {
            int info;
            fixed (double* pa = a)
            fixed (int* pp = pivots)
                dgetrf(&n, &n, pa, &n, pp, &info);
            for (int i = 0; i < n; i++) pivots[i]--;
        }
        else ManagedLinearAlgebraProvider.Instance.LUFactor(a, n, pivots);
        for (int i = 0; i < n && !singular; i++)
            if (a[i + i * n] == 0 || !double.IsFinite(a[i + i * n]))
                throw new ArgumentException($"{op}: the {n}×{n} matrix is singular (LU pivot {i} is {a[i + i * n]})");
    }

    /// <summary>B ← op(A)⁻¹·B from the factors of <see cref="LuFactor"/>, where op transposes when asked.</summary>
    public static void LuSolve(double[] lu, int n, int[] pivots, bool transpose, double[] b, int columns)
    {
        if (n == 0 || columns == 0) return;
        if (IsNative)
        {
            var oneBased = new int[n];
            for (int i = 0; i < n; i++) oneBased[i] = pivots[i] + 1;
            byte t = (byte)(transpose ? 'T' : 'N');
            int info;
            fixed (double* pa = lu, pb = b)
            fixed (int* pp = oneBased)
                dgetrs(&t, &n, &columns, pa, &n, pp, pb, &n, &info, 1);
            return;
        }
        if (!transpose)
        {
            // A = P·L·U: apply the swaps, then L (unit diagonal), then U.
            Swap(b, n, columns, pivots, forward: true);
            Substitute(lu, n, lower: true, transpose: false, unitDiagonal: true, b, columns);
            Substitute(lu, n, lower: false, transpose: false, unitDiagonal: false, b, columns);
        }
        else
        {
            // Aᵀ = Uᵀ·Lᵀ·Pᵀ: solve with Uᵀ, then Lᵀ, then undo the swaps in reverse order.
            Substitute(lu, n, lower: false, transpose: true, unitDiagonal: false, b, columns);
            Substitute(lu, n, lower: true, transpose: true, unitDiagonal: true, b, columns);
            Swap(b, n, columns, pivots, forward: false);
        }
    }

    /// <summary>The lower Cholesky factor L (A = L·Lᵀ) in place, reading only A's lower triangle; the upper triangle
    /// is set to 0. A matrix that is not positive definite is an error.</summary>
    public static void Cholesky(string op, double[] a, int n)
    {
        if (n == 0) return;
        int info = 0;
        if (IsNative)
        {
            byte lower = (byte)'L';
            fixed (double* pa = a) dpotrf(&lower, &n, pa, &n, &info, 1);
        }
        else
        {
            // MathNet's factorisation reads the whole matrix: mirror the lower triangle first.
            for (int j = 0; j < n; j++)
                for (int i = j + 1; i < n; i++) a[j + i * n] = a[i + j * n];
            try { ManagedLinearAlgebraProvider.Instance.CholeskyFactor(a, n); }
            catch (ArgumentException) { info = 1; }
        }
        for (int i = 0; i < n && info == 0; i++)
            if (!(a[i + i * n] > 0) || !double.IsFinite(a[i + i * n])) info = i + 1;
        if (info != 0) throw new ArgumentException($"{op}: the {n}×{n} matrix is not symmetric positive definite (leading minor {info} is not positive)");
        for (int j = 1; j < n; j++)
            for (int i = 0; i < j; i++) a[i + j * n] = 0;
    }

    /// <summary>B ← op(T)⁻¹·B for the lower (or upper) triangle T of <paramref name="t"/>; the other triangle is not
    /// read. A zero on the diagonal is an error: T is singular.</summary>
    public static void TriangularSolve(string op, double[] t, int n, bool lower, bool transpose, double[] b, int columns)
    {
        for (int i = 0; i < n; i++)
            if (t[i + i * n] == 0 || !double.IsFinite(t[i + i * n]))
                throw new ArgumentException($"{op}: the triangular matrix is singular (diagonal element {i} is {t[i + i * n]})");
        if (n == 0 || columns == 0) return;
        if (IsNative)
        {
            byte u = (byte)(lower ? 'L' : 'U'), tr = (byte)(transpose ? 'T' : 'N'), d = (byte)'N';
            int info;
            fixed (double* pt = t, pb = b) dtrtrs(&u, &tr, &d, &n, &columns, pt, &n, pb, &n, &info, 1, 1, 1);
            return;
        }
        Substitute(t, n, lower, transpose, unitDiagonal: false, b, columns);
    }

    /// <summary>The eigenvalues <paramref name="w"/> (ascending) and orthonormal eigenvectors (the columns of
    /// <paramref name="a"/>, overwriting it) of the symmetric n×n matrix whose lower triangle <paramref name="a"/> holds;
    /// the upper triangle is not read. Each vector's sign is as the factorisation leaves it.</summary>
    public static void SymmetricEigen(string op, double[] a, int n, double[] w)
    {
        if (n == 0) return;
        int info = 0;
        if (IsNative)
        {
            byte jobz = (byte)'V', lower = (byte)'L';
            int query = -1;
            double size;
            fixed (double* pa = a, pw = w)
            {
                dsyev(&jobz, &lower, &n, pa, &n, pw, &size, &query, &info, 1, 1);
                int lwork = Math.Max(1, (int)size);
                var work = new double[lwork];
                fixed (double* pk = work) dsyev(&jobz, &lower, &n, pa, &n, pw, pk, &lwork, &info, 1, 1);
            }
        }
        else
        {
            // MathNet's decomposition reads the whole matrix: mirror the lower triangle first.
            for (int j = 0; j < n; j++)
                for (int i = j + 1; i < n; i++) a[j + i * n] = a[i + j * n];
            var vectors = new double[n * n];
            var values = new System.Numerics.Complex[n];
            // MathNet fails on non-finite input by an exception of its own (or an index out of range): one error for all.
            try { ManagedLinearAlgebraProvider.Instance.EigenDecomp(true, n, a, vectors, values, new double[n * n]); }
            catch (Exception e) when (e is MathNet.Numerics.NonConvergenceException or IndexOutOfRangeException) { info = 1; }
            vectors.CopyTo(a, 0);
            for (int i = 0; i < n; i++) w[i] = values[i].Real;
        }
        bool finite = info == 0;
        for (int i = 0; i < n && finite; i++) finite = double.IsFinite(w[i]);
        if (!finite) throw new ArgumentException($"{op}: the eigenvalues of the {n}×{n} matrix did not converge (is it finite?)");
    }

    /// <summary>The reduced QR factorisation A = Q·R of an m×n matrix (m ≥ n) by Householder reflections: Q (m×n,
    /// orthonormal columns) overwrites <paramref name="a"/>, R (n×n upper triangular) goes to <paramref name="r"/>. Signs
    /// are as the factorisation leaves them.</summary>
    public static void QrFactor(double[] a, int m, int n, double[] r)
    {
        if (n == 0) return;
        var tau = new double[n];
        if (!IsNative)
        {
            ManagedLinearAlgebraProvider.Instance.ThinQRFactor(a, m, n, r, tau);
            return;
        }
        int info, query = -1, lda = Math.Max(1, m);
        double size;
        fixed (double* pa = a, pt = tau)
        {
            dgeqrf(&m, &n, pa, &lda, pt, &size, &query, &info);
            int lwork = Math.Max(n, (int)size);
            var work = new double[lwork];
            fixed (double* pk = work)
            {
                dgeqrf(&m, &n, pa, &lda, pt, pk, &lwork, &info);
                for (int j = 0; j < n; j++)
                    for (int i = 0; i <= j; i++) r[i + j * n] = a[i + j * m];
                dorgqr(&m, &n, &n, pa, &lda, pt, &size, &query, &info);
                if ((int)size > lwork) work = new double[lwork = (int)size];
                fixed (double* pk2 = work) dorgqr(&m, &n, &n, pa, &lda, pt, pk2, &lwork, &info);
            }
        }
    }

    /// <summary>The reduced singular value decomposition A = U·diag(s)·Vᵀ of an m×n A (m ≥ n), <paramref name="a"/>
    /// overwritten: s descending, U (m×n), Vᵀ (n×n). Signs are as the factorisation leaves them.</summary>
    public static void Svd(string op, double[] a, int m, int n, double[] s, double[] u, double[] vt)
    {
        if (n == 0) return;
        int info = 0;
        if (IsNative)
        {
            byte job = (byte)'S';
            int lda = Math.Max(1, m), query = -1;
            double size;
            fixed (double* pa = a, ps = s, pu = u, pv = vt)
            {
                dgesvd(&job, &job, &m, &n, pa, &lda, ps, pu, &lda, pv, &n, &size, &query, &info, 1, 1);
                int lwork = Math.Max(1, (int)size);
                var work = new double[lwork];
                fixed (double* pk = work) dgesvd(&job, &job, &m, &n, pa, &lda, ps, pu, &lda, pv, &n, pk, &lwork, &info, 1, 1);
            }
        }
        else
        {
            // MathNet returns the full m×m U; the reduced one is its first n columns.
            var full = new double[m * m];
            try { ManagedLinearAlgebraProvider.Instance.SingularValueDecomposition(true, a, m, n, s, full, vt); }
            catch (Exception e) when (e is MathNet.Numerics.NonConvergenceException or IndexOutOfRangeException) { info = 1; }
            full.AsSpan(0, m * n).CopyTo(u);
        }
        bool finite = info == 0;
        for (int i = 0; i < n && finite; i++) finite = double.IsFinite(s[i]);
        if (!finite) throw new ArgumentException($"{op}: the singular values of the {m}×{n} matrix did not converge (is it finite?)");
    }

    // Forward substitution when the effective matrix op(T) is lower triangular, back substitution when upper.
    static void Substitute(double[] t, int n, bool lower, bool transpose, bool unitDiagonal, double[] b, int columns)
    {
        bool forward = lower != transpose;
        for (int c = 0; c < columns; c++)
        {
            int o = c * n;
            for (int s = 0; s < n; s++)
            {
                int i = forward ? s : n - 1 - s;
                double sum = b[o + i];
                // op(T)[i, k] for the already solved k.
                if (forward) for (int k = 0; k < i; k++) sum -= (transpose ? t[k + i * n] : t[i + k * n]) * b[o + k];
                else for (int k = i + 1; k < n; k++) sum -= (transpose ? t[k + i * n] : t[i + k * n]) * b[o + k];
                b[o + i] = unitDiagonal ? sum : sum / t[i + i * n];
            }
        }
    }

    static void Swap(double[] b, int n, int columns, int[] pivots, bool forward)
    {
        for (int s = 0; s < n; s++)
        {
            int i = forward ? s : n - 1 - s, p = pivots[i];
            if (p == i) continue;
            for (int c = 0; c < columns; c++) (b[i + c * n], b[p + c * n]) = (b[p + c * n], b[i + c * n]);
        }
    }
}
