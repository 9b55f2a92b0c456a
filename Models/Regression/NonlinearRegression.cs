using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional.Models;

/// <summary>The regression graph for m samples: the variables and the nodes a caller may want to evaluate.</summary>
/// <param name="W">The parameters w = (w1, …, w5), a vector (5).</param>
/// <param name="X">The data matrix (m×2): samples are rows, features are columns.</param>
/// <param name="Y">The targets, a vector (m).</param>
/// <param name="Prediction">f(w|xᵢ) for every sample, a vector (m).</param>
/// <param name="Residual">r = y − f(w|X), a vector (m).</param>
/// <param name="Loss">MSE = (1/m) Σᵢ rᵢ², a scalar.</param>
public sealed record RegressionModel(Node W, Node X, Node Y, Node Prediction, Node Residual, Node Loss)
{
    /// <summary>The number of samples m.</summary>
    public int Samples => X.Shape[0];

    /// <summary>Binds parameters and data: w (5), X (m×2), y (m).</summary>
    public Bindings Bind(Tensor w, Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return Bindings.Empty.Bind(W, w).Bind(X, x).Bind(Y, y);
    }
}

/// <summary>One Gauss–Newton step: where it went, the losses before and after, and the step length the line
/// search accepted (1 = the full step).</summary>
public sealed record GaussNewtonStep(Tensor W, double LossBefore, double LossAfter, double StepLength);

/// <summary>Seed 000, task 1: the nonlinear regression
/// f(w|x) = cos(w1·x1 + w2) + exp(−w5·x2)·sin(w3·x2 + w4) and its mean squared error
/// MSE = (1/m) Σᵢ (yᵢ − f(w|xᵢ))².</summary>
public static class NonlinearRegression
{
    /// <summary>The graph for <paramref name="samples"/> samples (m).</summary>
    public static RegressionModel Build(int samples)
    {
        var w = Node.Variable("w", Shape.Vector(5));
        var X = Node.Variable("X", Shape.Matrix(samples, 2));
        var y = Node.Variable("y", Shape.Vector(samples));
        var f = F(w, X);
        var r = y - f;
        var mse = r.Square().Mean();
        return new(w, X, y, f, r, mse);
    }

    /// <summary>f(w|xᵢ) = cos(w1·xᵢ1 + w2) + exp(−w5·xᵢ2)·sin(w3·xᵢ2 + w4) for every row xᵢ of
    /// <paramref name="X"/> (m×2), a vector (m).</summary>
    public static Node F(Node w, Node X)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(X);
        // Features are columns: x1 is feature 0 of every sample, not the first sample (the seed's x[0]).
        Node x1 = X.Column(0), x2 = X.Column(1);
        Node w1 = w.At(0), w2 = w.At(1), w3 = w.At(2), w4 = w.At(3), w5 = w.At(4);
        return (w1 * x1 + w2).Cos() + (-w5 * x2).Exp() * (w3 * x2 + w4).Sin();
    }

    /// <summary>One damped Gauss–Newton (Levenberg–Marquardt) step from the bound w:
    /// Δ = −(JᵀJ + μI)⁻¹ Jᵀr with J = ∂r/∂w from reverse mode, then backtracking (halving) until the loss does
    /// not increase. Δ is a descent direction (∇MSE = (2/m)Jᵀr and JᵀJ + μI is positive definite), so a small
    /// enough step lowers the loss unless the gradient vanishes; if no halving helps, w is returned unchanged.</summary>
    public static GaussNewtonStep Step(RegressionModel model, Bindings at, double damping = 1e-8, int halvings = 60)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(at);
        var w = at[model.W];
        var J = AD.JacRev(model.Residual, at, model.W);
        var values = Evaluator.Evaluate([model.Residual, model.Loss], at);
        var r = values[0].AsVector();
        double before = values[1].ToScalar();
        var JtJ = J.TransposeThisAndMultiply(J);
        for (int i = 0; i < JtJ.RowCount; i++) JtJ[i, i] += damping;
        var delta = JtJ.Solve(-J.TransposeThisAndMultiply(r));

        double alpha = 1;
        for (int h = 0; h <= halvings; h++, alpha /= 2)
        {
            var candidate = Tensor.Wrap((DenseVector)(w.AsVector() + alpha * delta));
            double after = Evaluator.Evaluate(model.Loss, at.Rebind(model.W, candidate)).ToScalar();
            if (after <= before) return new(candidate, before, after, alpha);
        }
        return new(w, before, before, 0);
    }
}
