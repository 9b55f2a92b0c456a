namespace AutoDiff.Functional.Models;

/// <summary>Heron's iteration and its derivative written out by hand, independently of the graph library: the
/// reference that the automatic derivatives are checked against.</summary>
public static class HeronReference
{
    /// <summary>y_N from y₀ = 1 by y_k = (y_{k−1} + x/y_{k−1})/2.</summary>
    public static double Iterate(double x, int n)
    {
        double y = 1;
        for (int k = 0; k < n; k++) y = (y + x / y) / 2;
        return y;
    }

    /// <summary>The seed's total derivative: dy_k/dx = ∂y_k/∂y_{k−1}·dy_{k−1}/dx + ∂y_k/∂x
    /// = ½(1 − x/y²)·dy_{k−1}/dx + 1/(2y), with y = y_{k−1} and dy₀/dx = 0.</summary>
    public static double TotalDerivative(double x, int n)
    {
        double y = 1, dy = 0;
        for (int k = 0; k < n; k++)
        {
            dy = 0.5 * (1 - x / (y * y)) * dy + 0.5 / y;
            y = (y + x / y) / 2;
        }
        return dy;
    }
}
