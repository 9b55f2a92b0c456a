namespace AutoDiff.Functional.Properties.Support;

/// <summary>Plain references for the special functions, by other algorithms than the library's (a Taylor series, a
/// shifted Stirling series, direct sums with an Euler–Maclaurin tail), written from the formulas.</summary>
public static class MathReferences
{
    /// <summary>erf x = 2/√π Σ (−1)ⁿ x²ⁿ⁺¹/(n!(2n + 1)), for |x| ≤ 3.</summary>
    public static double Erf(double x)
    {
        double term = x, sum = 0;
        for (int n = 0; Math.Abs(term) > 1e-18 * Math.Max(1, Math.Abs(sum)) || n < 3; n++)
        {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    /// <summary>ln Γ(x) for x &gt; 0: ln Γ(x + 10) by Stirling's series, less Σ ln(x + k).</summary>
    public static double LogGamma(double x)
    {
        double shift = 0;
        for (int k = 0; k < 10; k++) shift += Math.Log(x + k);
        double z = x + 10, z2 = z * z;
        double stirling = (z - 0.5) * Math.Log(z) - z + 0.5 * Math.Log(2 * Math.PI)
            + (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - (1.0 / 1188 - 691.0 / 360360 / z2) / z2) / z2) / z2) / z2) / z;
        return stirling - shift;
    }

    /// <summary>ψ(x) for x &gt; 0: the asymptotic series at x + 10, less Σ 1/(x + k).</summary>
    public static double Digamma(double x)
    {
        double shift = 0;
        for (int k = 0; k < 10; k++) shift += 1 / (x + k);
        double z = x + 10, w = 1 / (z * z);
        double series = Math.Log(z) - 0.5 / z
            - w * (1.0 / 12 - w * (1.0 / 120 - w * (1.0 / 252 - w * (1.0 / 240 - w * (1.0 / 132 - w * 691.0 / 32760)))));
        return series - shift;
    }

    /// <summary>ψ⁽ⁿ⁾(x) = (−1)ⁿ⁺¹ n! ζ(n + 1, x) for x &gt; 0: 1000 terms summed smallest first, then the
    /// Euler–Maclaurin tail ∫ + ½f + f′/12-term + f‴/720-term at a = x + 1000.</summary>
    public static double Polygamma(int n, double x)
    {
        int s = n + 1;
        double a = x + 1000;
        double tail = Math.Pow(a, 1 - s) / (s - 1) + 0.5 * Math.Pow(a, -s) + s * Math.Pow(a, -s - 1) / 12
                      - s * (s + 1.0) * (s + 2) * Math.Pow(a, -s - 3) / 720;
        double sum = tail;
        for (int k = 999; k >= 0; k--) sum += Math.Pow(x + k, -s);
        double factorial = 1;
        for (int k = 2; k <= n; k++) factorial *= k;
        return (n % 2 == 1 ? 1 : -1) * factorial * sum;
    }
}

/// <summary>Plain dense linear algebra for the references: Gauss–Jordan elimination with partial pivoting and the
/// Cholesky–Banachiewicz loop, on column-major arrays, written from the textbook formulas.</summary>
public static class LinearReferences
{
    /// <summary>A⁻¹·B for A (n×n) and B (n×k), column-major.</summary>
    public static double[] Solve(double[] a, int n, double[] b, int k)
    {
        var m = (double[])a.Clone();
        var x = (double[])b.Clone();
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(m[r + c * n]) > Math.Abs(m[p + c * n])) p = r;
            for (int j = 0; j < n; j++) (m[c + j * n], m[p + j * n]) = (m[p + j * n], m[c + j * n]);
            for (int j = 0; j < k; j++) (x[c + j * n], x[p + j * n]) = (x[p + j * n], x[c + j * n]);
            for (int r = 0; r < n; r++)
            {
                if (r == c) continue;
                double f = m[r + c * n] / m[c + c * n];
                for (int j = 0; j < n; j++) m[r + j * n] -= f * m[c + j * n];
                for (int j = 0; j < k; j++) x[r + j * n] -= f * x[c + j * n];
            }
        }
        for (int r = 0; r < n; r++)
            for (int j = 0; j < k; j++) x[r + j * n] /= m[r + r * n];
        return x;
    }

    /// <summary>ln |det A|: the product of the pivots of Gaussian elimination with partial pivoting.</summary>
    public static double LogAbsDet(double[] a, int n)
    {
        var m = (double[])a.Clone();
        double sum = 0;
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(m[r + c * n]) > Math.Abs(m[p + c * n])) p = r;
            for (int j = 0; j < n; j++) (m[c + j * n], m[p + j * n]) = (m[p + j * n], m[c + j * n]);
            sum += Math.Log(Math.Abs(m[c + c * n]));
            for (int r = c + 1; r < n; r++)
            {
                double f = m[r + c * n] / m[c + c * n];
                for (int j = c; j < n; j++) m[r + j * n] -= f * m[c + j * n];
            }
        }
        return sum;
    }

    /// <summary>det A by Laplace expansion along the first column (n! terms, for the op table's n ≤ 6): no pivoting and
    /// no factorisation, so it shares nothing with the LU the op uses. Test code, small n: recursion is fine here.</summary>
    public static double Determinant(double[] a, int n)
    {
        if (n > 8) throw new ArgumentOutOfRangeException(nameof(n), $"Laplace expansion of a {n}×{n} matrix: too many terms");
        if (n == 0) return 1;
        double det = 0;
        for (int r = 0; r < n; r++)
        {
            // The minor without row r and column 0, column-major.
            var minor = new double[(n - 1) * (n - 1)];
            for (int j = 1; j < n; j++)
                for (int i = 0, k = 0; i < n; i++)
                    if (i != r) minor[k++ + (j - 1) * (n - 1)] = a[i + j * n];
            det += (r % 2 == 0 ? 1 : -1) * a[r] * Determinant(minor, n - 1);
        }
        return det;
    }

    /// <summary>The identity (n×n).</summary>
    public static double[] Identity(int n) => [.. Enumerable.Range(0, n * n).Select(p => p % n == p / n ? 1.0 : 0.0)];

    /// <summary>L with L·Lᵀ = A, from A's lower triangle: Lᵢⱼ = (Aᵢⱼ − Σₖ LᵢₖLⱼₖ)/Lⱼⱼ, Lⱼⱼ = √(Aⱼⱼ − Σₖ Lⱼₖ²).</summary>
    public static double[] Cholesky(double[] a, int n)
    {
        var l = new double[n * n];
        for (int j = 0; j < n; j++)
            for (int i = j; i < n; i++)
            {
                double s = a[i + j * n];
                for (int k = 0; k < j; k++) s -= l[i + k * n] * l[j + k * n];
                l[i + j * n] = i == j ? Math.Sqrt(s) : s / l[j + j * n];
            }
        return l;
    }

    /// <summary>The triangle of A (lower or upper) with the diagonal scaled by <paramref name="diagonal"/>.</summary>
    public static double[] Triangle(double[] a, int n, bool lower, double diagonal) =>
        [.. Enumerable.Range(0, n * n).Select(p => (p % n, p / n) is var (i, j) && i == j ? diagonal * a[p] : (i > j) == lower ? a[p] : 0)];

    /// <summary>Aᵀ (n×n).</summary>
    public static double[] Transposed(double[] a, int n) => [.. Enumerable.Range(0, n * n).Select(p => a[p / n + p % n * n])];
}
