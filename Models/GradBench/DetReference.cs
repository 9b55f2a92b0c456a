namespace AutoDiff.Functional.Models.GradBench;

/// <summary>det in plain recursion (fine for the small ℓ of tests): expansion by minors along the first row, and the
/// gradient as the cofactor matrix, ∂det A/∂Aᵢⱼ = (−1)ⁱ⁺ʲ det(A without row i and column j).</summary>
public static class DetReference
{
    /// <summary>det A and its gradient, both row-major like the input.</summary>
    public static (double Value, double[] Gradient) Evaluate(double[] a, int ell)
    {
        ArgumentNullException.ThrowIfNull(a);
        var gradient = new double[ell * ell];
        for (int i = 0; i < ell; i++)
            for (int j = 0; j < ell; j++)
                gradient[i * ell + j] = ((i + j) % 2 == 0 ? 1 : -1) * Determinant(Without(a, ell, i, j), ell - 1);
        return (Determinant(a, ell), gradient);
    }

    static double Determinant(double[] a, int ell)
    {
        if (ell == 0) return 1;
        double sum = 0;
        for (int j = 0; j < ell; j++)
            sum += (j % 2 == 0 ? 1 : -1) * a[j] * Determinant(Without(a, ell, 0, j), ell - 1);
        return sum;
    }

    static double[] Without(double[] a, int ell, int row, int column)
    {
        var m = new double[(ell - 1) * (ell - 1)];
        for (int i = 0, k = 0; i < ell; i++)
            for (int j = 0; j < ell; j++)
                if (i != row && j != column) m[k++] = a[i * ell + j];
        return m;
    }
}
