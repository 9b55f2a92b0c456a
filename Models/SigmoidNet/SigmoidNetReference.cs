using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional.Models;

/// <summary>The Jacobian of every stage at one point, written out in closed form (see
/// <see cref="SigmoidNetReference.StageJacobians"/>).</summary>
public sealed record SigmoidNetJacobians(DenseMatrix J1, DenseMatrix J2, DenseMatrix J3, DenseMatrix J4, DenseMatrix J5);

/// <summary>The sigmoid net's value, gradient and stage Jacobians written out by hand with MathNet, independently of
/// the graph library: the reference that the automatic derivatives are checked against.</summary>
public static class SigmoidNetReference
{
    /// <summary>σ(t) = 1/(1 + e⁻ᵗ), without overflow for either sign.</summary>
    public static double Sigma(double t) => t >= 0 ? 1 / (1 + Math.Exp(-t)) : Math.Exp(t) / (1 + Math.Exp(t));

    /// <summary>σ′(t) = σ(t)(1 − σ(t)) written as e^{−|t|}/(1 + e^{−|t|})², free of the cancellation in 1 − σ(t) when
    /// σ(t) ≈ 1 (8 digits lost at t = 17).</summary>
    public static double SigmaPrime(double t)
    {
        double e = Math.Exp(-Math.Abs(t));
        return e / ((1 + e) * (1 + e));
    }

    /// <summary>f(x) = Σ σ(B·σ(A·x)) and ∇f = Aᵀ·(σ′(y₁) ⊙ (Bᵀ·σ′(y₃))), with y₁ = A·x and y₃ = B·σ(y₁).</summary>
    public static (double Value, DenseVector Gradient) ValueAndGradient(DenseMatrix a, DenseMatrix b, DenseVector x)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(x);
        var y1 = a * x;
        var y3 = b * y1.Map(Sigma);
        var gradient = a.TransposeThisAndMultiply(y1.Map(SigmaPrime).PointwiseMultiply(b.TransposeThisAndMultiply(y3.Map(SigmaPrime))));
        return (y3.Map(Sigma).Sum(), (DenseVector)gradient);
    }

    /// <summary>The Jacobian of each stage in closed form, at the intermediate values of x:
    /// <list type="bullet">
    /// <item>J_h₁(x) = A (d₁×d₀): h₁ is linear;</item>
    /// <item>J_h₂(y₁) = diag(σ′(y₁)) (d₁×d₁): σ acts element by element;</item>
    /// <item>J_h₃(y₂) = B (d₂×d₁);</item>
    /// <item>J_h₄(y₃) = diag(σ′(y₃)) (d₂×d₂);</item>
    /// <item>J_h₅(y₄) = 1ᵀ (1×d₂): every element counts once in the sum.</item>
    /// </list></summary>
    public static SigmoidNetJacobians StageJacobians(DenseMatrix a, DenseMatrix b, DenseVector x)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(x);
        var y1 = (DenseVector)(a * x);
        var y3 = (DenseVector)(b * y1.Map(Sigma));
        return new(
            (DenseMatrix)a.Clone(),
            DenseMatrix.OfDiagonalVector(y1.Map(SigmaPrime)),
            (DenseMatrix)b.Clone(),
            DenseMatrix.OfDiagonalVector(y3.Map(SigmaPrime)),
            DenseMatrix.Create(1, b.RowCount, (_, _) => 1.0));
    }
}
