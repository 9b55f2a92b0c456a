namespace AutoDiff.Functional.Properties.Support;

/// <summary>Plain-loop references for the forward rules, on column-major arrays: element (i, j) of an m×n matrix
/// is at i + j·m. Written from the definitions, sharing no code with the library.</summary>
public static class References
{
    /// <summary>Element (i, j) of a column-major matrix with <paramref name="rows"/> rows.</summary>
    public static double Element(double[] a, int rows, int i, int j) => a[i + j * rows];

    /// <summary>An m×n matrix from its elements.</summary>
    public static double[] Matrix(int m, int n, Func<int, int, double> element)
    {
        var y = new double[m * n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++) y[i + j * m] = element(i, j);
        return y;
    }

    /// <summary>Aᵀ of an m×n matrix.</summary>
    public static double[] Transpose(double[] a, int m, int n) => Matrix(n, m, (i, j) => a[j + i * m]);

    /// <summary><paramref name="v"/> repeated <paramref name="count"/> times.</summary>
    public static double[] Repeat(double v, int count) => Enumerable.Repeat(v, count).ToArray();

    /// <summary>op(A)·op(B) of size m×n with inner dimension k; A is stored (m×k) or, transposed, (k×m), B (k×n) or (n×k).</summary>
    public static double[] Product(double[] a, double[] b, bool ta, bool tb, int m, int k, int n) => Matrix(m, n, (i, j) =>
    {
        double s = 0;
        for (int p = 0; p < k; p++) s += (ta ? a[p + i * k] : a[i + p * m]) * (tb ? b[j + p * n] : b[p + j * k]);
        return s;
    });

    /// <summary>f of each column of an m×n matrix.</summary>
    public static double[] ColumnWise(double[] a, int m, int n, Func<double[], double> f) =>
        [.. Enumerable.Range(0, n).Select(j => f([.. Enumerable.Range(0, m).Select(i => a[i + j * m])]))];

    /// <summary>f of each row of an m×n matrix.</summary>
    public static double[] RowWise(double[] a, int m, int n, Func<double[], double> f) =>
        [.. Enumerable.Range(0, m).Select(i => f([.. Enumerable.Range(0, n).Select(j => a[i + j * m])]))];

    /// <summary>log Σ exp, directly (inputs are moderate, so no shift is needed).</summary>
    public static double LogSumExp(double[] v) => Math.Log(v.Sum(Math.Exp));
}
