using MathNet.Numerics.LinearAlgebra;

namespace AutoDiff.Functional.Models;

/// <summary>The regression's MSE and its gradient written out by hand with MathNet, independently of the graph
/// library: the reference that the automatic derivatives are checked against.</summary>
public static class RegressionReference
{
    /// <summary>f(w|xᵢ) for every row xᵢ = (xᵢ1, xᵢ2) of <paramref name="X"/>.</summary>
    public static Vector<double> F(Vector<double> w, Matrix<double> X)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(X);
        return Vector<double>.Build.Dense(X.RowCount, i =>
            Math.Cos(w[0] * X[i, 0] + w[1]) + Math.Exp(-w[4] * X[i, 1]) * Math.Sin(w[2] * X[i, 1] + w[3]));
    }

    /// <summary>MSE = (1/m) Σᵢ (yᵢ − f(w|xᵢ))².</summary>
    public static double Loss(Vector<double> w, Matrix<double> X, Vector<double> y)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(X);
        ArgumentNullException.ThrowIfNull(y);
        var r = y - F(w, X);
        return r.DotProduct(r) / X.RowCount;
    }

    /// <summary>∂f/∂w at each sample, one row per sample (m×5):
    /// (−sin a·x1, −sin a, e·x2·cos b, e·cos b, −e·x2·sin b) with a = w1x1 + w2, b = w3x2 + w4, e = exp(−w5x2).</summary>
    public static Matrix<double> ModelJacobian(Vector<double> w, Matrix<double> X)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(X);
        var D = Matrix<double>.Build.Dense(X.RowCount, 5);
        for (int i = 0; i < X.RowCount; i++)
        {
            double x1 = X[i, 0], x2 = X[i, 1];
            double a = w[0] * x1 + w[1], b = w[2] * x2 + w[3], e = Math.Exp(-w[4] * x2);
            D[i, 0] = -Math.Sin(a) * x1;
            D[i, 1] = -Math.Sin(a);
            D[i, 2] = e * x2 * Math.Cos(b);
            D[i, 3] = e * Math.Cos(b);
            D[i, 4] = -e * x2 * Math.Sin(b);
        }
        return D;
    }

    /// <summary>∇MSE = −(2/m) Σᵢ rᵢ ∂f/∂w(xᵢ) with rᵢ = yᵢ − f(w|xᵢ): the gradient of the loss, not the mean of
    /// ∂f/∂w (the seed's mistake).</summary>
    public static Vector<double> Gradient(Vector<double> w, Matrix<double> X, Vector<double> y)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(X);
        ArgumentNullException.ThrowIfNull(y);
        var r = y - F(w, X);
        return ModelJacobian(w, X).TransposeThisAndMultiply(r) * (-2.0 / X.RowCount);
    }
}
