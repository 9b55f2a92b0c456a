using AutoDiff.Functional.Models;
using MathNet.Numerics.LinearAlgebra.Double;
using Xunit;

namespace AutoDiff.Functional.Properties.Control;

/// <summary>Implicit differentiation against closed forms: Heron's fixed point (and the unrolled solver's derivative),
/// and the ridge regression argmin with its derivatives in the penalty, with every linear solver.</summary>
public class ImplicitTests
{
    static readonly Node Theta = Node.Variable("θ", Shape.Scalar);

    [Theory]
    [InlineData(2.0)]
    [InlineData(0.01)]
    [InlineData(1234.5)]
    public void Heron_fixed_point_derivative_is_one_over_two_root_and_equals_the_unrolled_solver(double x)
    {
        var y = Implicit.Solve((y, θ) => y.Square() - θ, θ => Tensor.Scalar(Heron.IterateAdaptive(θ.ToScalar()).Y), Theta, Shape.Scalar);
        var at = Bindings.Empty.Bind(Theta, x);
        double root = Heron.IterateAdaptive(x).Y, implicitDerivative = AD.Grad(y, at, Theta)[0].ToScalar();
        Assert.Equal(root, Evaluator.Evaluate(y, at).ToScalar());
        Assert.Equal(1 / (2 * root), implicitDerivative, 1e-15 * Math.Abs(implicitDerivative));
        Assert.Equal(implicitDerivative, AD.Jvp([y], at, (Theta, Tensor.Scalar(1))).Tangents[0].ToScalar(), 1e-15 * implicitDerivative);
        // The unrolled solver (the adaptive while loop, reverse mode) agrees where both exist.
        Assert.Equal(Heron.LoopReverseAdaptive(x).Derivative, implicitDerivative, 1e-12 * implicitDerivative);
        // Second order: d²√θ/dθ² = −¼θ^(−3/2).
        Assert.Equal(-0.25 * Math.Pow(x, -1.5), AD.Hessian(y, at, Theta)[0, 0], 1e-12 * 0.25 * Math.Pow(x, -1.5));
    }

    public static TheoryData<string> Solvers => ["dense", "conjugate gradients", "GMRES"];
    static LinearSolver Named(string name) =>
        new[] { LinearSolver.Dense, LinearSolver.ConjugateGradient, LinearSolver.Gmres }.Single(s => s.ToString() == name);

    /// <summary>w*(λ) = argmin ½‖Xw − b‖² + ½λ‖w‖², the root of F(w, λ) = Xᵀ(Xw − b) + λw. With A = XᵀX + λI:
    /// w = A⁻¹Xᵀb, dw/dλ = −A⁻¹w, d²w/dλ² = 2A⁻²w, written with MathNet apart from the library.</summary>
    [Theory, MemberData(nameof(Solvers))]
    public void Ridge_argmin_derivatives_in_the_penalty_match_the_closed_form(string solver)
    {
        var X = DenseMatrix.OfArray(new double[,] { { 1, 2, 0.5 }, { -1, 0.3, 2 }, { 0.7, -1.2, 1 }, { 2, 0.1, -0.4 }, { 0.2, 0.9, 0.6 } });
        var b = DenseVector.OfArray([1, -2, 0.5, 3, -1]);
        var c = DenseVector.OfArray([0.3, -1.1, 2]);
        double lambda = 0.7;
        DenseVector Closed(double l) => (DenseVector)(X.TransposeThisAndMultiply(X) + l * DenseMatrix.CreateIdentity(3)).Solve(X.TransposeThisAndMultiply(b));
        var a = X.TransposeThisAndMultiply(X) + lambda * DenseMatrix.CreateIdentity(3);
        var w = Closed(lambda);
        var dw = -a.Solve(w);
        var ddw = 2 * a.Solve(a.Solve(w));

        var (Xn, bn) = (Node.Constant(Tensor.Copy(X)), Node.Constant(Tensor.Copy(b)));
        var argmin = Implicit.Solve((v, l) => Xn.T().MatMul(Xn.MatMul(v) - bn) + l * v,
            l => Tensor.Copy(Closed(l.ToScalar())), Theta, Shape.Vector(3), Named(solver));
        var loss = (argmin * Node.Constant(Tensor.Copy(c))).Sum();
        var at = Bindings.Empty.Bind(Theta, lambda);

        Assert.Equal(c * w, Evaluator.Evaluate(loss, at).ToScalar(), 1e-14);
        Assert.Equal(c * dw, AD.Grad(loss, at, Theta)[0].ToScalar(), 1e-12);
        var tangent = AD.Jvp([argmin], at, (Theta, Tensor.Scalar(1))).Tangents[0];
        for (int i = 0; i < 3; i++) Assert.Equal(dw[i], tangent[i], 1e-12);
        Assert.Equal(c * ddw, AD.Hessian(loss, at, Theta)[0, 0], 1e-11);
        var gradient = Reverse.Grad(loss, [Theta])[0];
        Assert.Equal(c * ddw, AD.Grad(gradient, at, Theta)[0].ToScalar(), 1e-11);
    }

    [Fact]
    public void A_solver_of_the_wrong_shape_is_an_error_naming_it()
    {
        var y = Implicit.Solve((y, θ) => y.Square() - θ, θ => Tensor.Vector(1, 2), Theta, Shape.Scalar);
        var e = Assert.Throws<ShapeException>(() => Evaluator.Evaluate(y, Bindings.Empty.Bind(Theta, 2.0)));
        Assert.Contains("Implicit.Solve", e.Message);
        Assert.Contains("the solver returned y of shape (2)", e.Message);
        var r = Assert.Throws<ShapeException>(() => Implicit.Solve((y, θ) => y.Sum(), θ => θ, Node.Variable("v", Shape.Vector(2)), Shape.Vector(2)));
        Assert.Contains("Implicit.Solve: the residual has shape ()", r.Message);
    }
}
