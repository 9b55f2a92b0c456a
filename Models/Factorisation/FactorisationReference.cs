using MathNet.Numerics.LinearAlgebra;

namespace AutoDiff.Functional.Models;

/// <summary>The factorisation loss and its gradients by hand with MathNet, independently of the graph library:
/// with E = X − UV, ∂L/∂U = −2·E·Vᵀ + λU and ∂L/∂V = −2·Uᵀ·E + λV.</summary>
public static class FactorisationReference
{
    /// <summary>L(U, V) and both gradients.</summary>
    public static (double Loss, Matrix<double> GradU, Matrix<double> GradV) Gradient(
        Matrix<double> X, Matrix<double> U, Matrix<double> V, double lambda)
    {
        ArgumentNullException.ThrowIfNull(X);
        ArgumentNullException.ThrowIfNull(U);
        ArgumentNullException.ThrowIfNull(V);
        var E = X - U * V;
        double loss = Sq(E) + lambda / 2 * Sq(U) + lambda / 2 * Sq(V);
        var gradU = -2 * E * V.Transpose() + lambda * U;
        var gradV = -2 * U.Transpose() * E + lambda * V;
        return (loss, gradU, gradV);
    }

    static double Sq(Matrix<double> A)
    {
        double f = A.FrobeniusNorm();
        return f * f;
    }
}
