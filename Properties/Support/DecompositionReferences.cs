namespace AutoDiff.Functional.Properties.Support;

/// <summary>Decompositions written independently of the library (no LAPACK, no MathNet): the cyclic Jacobi eigenvalue
/// method and modified Gram–Schmidt, for the op table's value references. Column-major throughout.</summary>
public static class DecompositionReferences
{
    /// <summary>The eigenvalues (ascending) and eigenvectors (columns) of the symmetric n×n matrix whose lower triangle
    /// <paramref name="a"/> holds, by cyclic Jacobi rotations until the off-diagonal part is below 1e-15 of the whole.</summary>
    public static (double[] Values, double[] Vectors) Eigh(double[] a, int n)
    {
        var s = new double[n * n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) s[i + j * n] = i >= j ? a[i + j * n] : a[j + i * n];
        var v = LinearReferences.Identity(n);
        double total = Math.Sqrt(s.Sum(e => e * e));
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int j = 0; j < n; j++)
                for (int i = 0; i < n; i++) off += i != j ? s[i + j * n] * s[i + j * n] : 0;
            if (Math.Sqrt(off) <= 1e-15 * total) break;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                {
                    double apq = s[p + q * n];
                    if (apq == 0) continue;
                    // The rotation that zeroes s[p, q]: tan 2θ = 2 s_pq / (s_qq − s_pp), the smaller root for t.
                    double theta = (s[q + q * n] - s[p + p * n]) / (2 * apq);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    double c = 1 / Math.Sqrt(t * t + 1), sn = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double skp = s[k + p * n], skq = s[k + q * n];
                        s[k + p * n] = c * skp - sn * skq;
                        s[k + q * n] = sn * skp + c * skq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double spk = s[p + k * n], sqk = s[q + k * n];
                        s[p + k * n] = c * spk - sn * sqk;
                        s[q + k * n] = sn * spk + c * sqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k + p * n], vkq = v[k + q * n];
                        v[k + p * n] = c * vkp - sn * vkq;
                        v[k + q * n] = sn * vkp + c * vkq;
                    }
                }
        }
        var order = Enumerable.Range(0, n).OrderBy(i => s[i + i * n]).ToArray();
        var values = order.Select(i => s[i + i * n]).ToArray();
        var vectors = new double[n * n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) vectors[i + j * n] = v[i + order[j] * n];
        return (values, vectors);
    }

    /// <summary>The reduced QR factors of an m×n A (m ≥ n, full column rank) by modified Gram–Schmidt, each column
    /// orthogonalised twice ("twice is enough"), so R's diagonal is positive.</summary>
    public static (double[] Q, double[] R) Qr(double[] a, int m, int n)
    {
        var q = (double[])a.Clone();
        var r = new double[n * n];
        for (int j = 0; j < n; j++)
        {
            for (int pass = 0; pass < 2; pass++)
                for (int k = 0; k < j; k++)
                {
                    double dot = 0;
                    for (int i = 0; i < m; i++) dot += q[i + k * m] * q[i + j * m];
                    r[k + j * n] += dot;
                    for (int i = 0; i < m; i++) q[i + j * m] -= dot * q[i + k * m];
                }
            double norm = 0;
            for (int i = 0; i < m; i++) norm += q[i + j * m] * q[i + j * m];
            norm = Math.Sqrt(norm);
            r[j + j * n] = norm;
            for (int i = 0; i < m; i++) q[i + j * m] /= norm;
        }
        return (q, r);
    }

    /// <summary>A = P·L·U by Gaussian elimination with partial pivoting (the first largest |pivot| in each column):
    /// P (a permutation matrix), L (unit lower), U (upper), each n×n.</summary>
    public static (double[] P, double[] L, double[] U) Lu(double[] a, int n)
    {
        var u = (double[])a.Clone();
        var l = LinearReferences.Identity(n);
        var rows = Enumerable.Range(0, n).ToArray();
        for (int k = 0; k < n; k++)
        {
            int pivot = k;
            for (int i = k + 1; i < n; i++)
                if (Math.Abs(u[i + k * n]) > Math.Abs(u[pivot + k * n])) pivot = i;
            (rows[k], rows[pivot]) = (rows[pivot], rows[k]);
            for (int j = 0; j < n; j++) (u[k + j * n], u[pivot + j * n]) = (u[pivot + j * n], u[k + j * n]);
            for (int j = 0; j < k; j++) (l[k + j * n], l[pivot + j * n]) = (l[pivot + j * n], l[k + j * n]);
            for (int i = k + 1; i < n; i++)
            {
                double factor = u[i + k * n] / u[k + k * n];
                l[i + k * n] = factor;
                for (int j = k; j < n; j++) u[i + j * n] -= factor * u[k + j * n];
                u[i + k * n] = 0;
            }
        }
        var p = new double[n * n];
        for (int i = 0; i < n; i++) p[rows[i] + i * n] = 1;   // row i of Pᵀ·A is row rows[i] of A
        return (p, l, u);
    }

    /// <summary>The reduced SVD of an m×n A (m ≥ n, distinct nonzero singular values) from the Jacobi eigenvectors V of
    /// AᵀA: s = √eigenvalues descending, U = A·V·diag(s)⁻¹.</summary>
    public static (double[] U, double[] S, double[] V) Svd(double[] a, int m, int n)
    {
        var ata = Product(Enumerable.Range(0, n * m).Select(k => a[k / n + k % n * m]).ToArray(), a, n, m, n);
        var (w, vectors) = Eigh(ata, n);
        var s = new double[n];
        var v = new double[n * n];
        for (int c = 0; c < n; c++)
        {
            int k = n - 1 - c;
            s[c] = Math.Sqrt(w[k]);
            for (int i = 0; i < n; i++) v[i + c * n] = vectors[i + k * n];
        }
        var u = Product(a, v, m, n, n);
        for (int c = 0; c < n; c++)
            for (int i = 0; i < m; i++) u[i + c * m] /= s[c];
        return (u, s, v);
    }

    /// <summary>A·B for A (m×k) and B (k×n).</summary>
    public static double[] Product(double[] a, double[] b, int m, int k, int n)
    {
        var c = new double[m * n];
        for (int j = 0; j < n; j++)
            for (int p = 0; p < k; p++)
                for (int i = 0; i < m; i++) c[i + j * m] += a[i + p * m] * b[p + j * k];
        return c;
    }

    /// <summary>The orthonormal DCT-II matrix of order n, Qᵢⱼ = cᵢ·cos(π(2j + 1)i / 2n) with c₀ = √(1/n), cᵢ = √(2/n):
    /// an orthogonal matrix known in closed form, to rotate test spectra away from the axes.</summary>
    public static double[] Cosines(int n)
    {
        var q = new double[n * n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
                q[i + j * n] = Math.Sqrt((i == 0 ? 1.0 : 2.0) / n) * Math.Cos(Math.PI * (2 * j + 1) * i / (2.0 * n));
        return q;
    }
}
