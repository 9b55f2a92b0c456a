using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>Linear algebra: errors for singular and non-positive-definite inputs and for shapes, and a Gaussian
/// log-likelihood built with Cholesky and LogDet against its closed form.</summary>
public class LinearAlgebraTests
{
    static readonly Tensor Singular = Tensor.Matrix(new double[,] { { 1, 2 }, { 2, 4 } });

    [Fact]
    public void A_singular_matrix_is_an_error_naming_the_op()
    {
        var a = Node.Variable("A", Shape.Matrix(2, 2));
        var b = Bindings.Empty.Bind(a, Singular);
        Assert.Contains("Solve: the 2×2 matrix is singular", Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(a.Solve(Node.Constant(Tensor.Vector(1, 1))), b)).Message);
        Assert.Contains("Inverse: the 2×2 matrix is singular", Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(a.Inverse(), b)).Message);
        Assert.Contains("LogDet: the 2×2 matrix is singular", Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(a.LogDet(), b)).Message);
        var upperZero = Bindings.Empty.Bind(a, Tensor.Matrix(new double[,] { { 1, 0 }, { 5, 0 } }));
        Assert.Contains("TriangularSolve(lower): the triangular matrix is singular (diagonal element 1",
            Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(a.TriangularSolve(Node.Constant(Tensor.Vector(1, 1))), upperZero)).Message);
    }

    /// <summary>Det of a singular matrix is 0 (its value needs no inverse), and its gradient, det A·A⁻ᵀ, is the
    /// inverse's error; a row swap gives −1, and |det| agrees with exp(LogDet).</summary>
    [Fact]
    public void Det_is_zero_at_a_singular_matrix_and_signed_by_the_pivots()
    {
        var a = Node.Variable("A", Shape.Matrix(2, 2));
        Assert.Equal(0.0, Evaluator.Evaluate(a.Det(), Bindings.Empty.Bind(a, Singular)).ToScalar());
        Assert.Equal(0.0, Evaluator.Evaluate(a.Det(), Bindings.Empty.Bind(a, Tensor.Matrix(new double[,] { { 0, 0 }, { 0, 3 } }))).ToScalar());
        Assert.Contains("Inverse: the 2×2 matrix is singular",
            Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(Reverse.Grad(a.Det(), [a])[0], Bindings.Empty.Bind(a, Singular))).Message);
        Assert.Equal(-1.0, Evaluator.Evaluate(a.Det(), Bindings.Empty.Bind(a, Tensor.Matrix(new double[,] { { 0, 1 }, { 1, 0 } }))).ToScalar());
        var m = Node.Variable("M", Shape.Matrix(3, 3));
        var at = Bindings.Empty.Bind(m, Tensor.Matrix(new double[,] { { 0, 2, 1 }, { 3, -1, 4 }, { 1, 5, -2 } }));
        double det = Evaluator.Evaluate(m.Det(), at).ToScalar();
        Assert.Equal(0 * (2 - 20) - 2 * (-6 - 4) + 1 * (15 + 1), det, 1e-13);   // cofactors along the first row: 36
        Assert.Equal(Math.Log(Math.Abs(det)), Evaluator.Evaluate(m.LogDet(), at).ToScalar(), 1e-14);
    }

    [Fact]
    public void A_matrix_that_is_not_positive_definite_is_an_error_naming_cholesky()
    {
        var a = Node.Variable("A", Shape.Matrix(2, 2));
        foreach (var bad in new[] { Singular, Tensor.Matrix(new double[,] { { 1, 3 }, { 3, 1 } }), Tensor.Matrix(new double[,] { { -1, 0 }, { 0, 1 } }) })
            Assert.Contains("Cholesky: the 2×2 matrix is not symmetric positive definite",
                Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(a.Cholesky(), Bindings.Empty.Bind(a, bad))).Message);
    }

    [Fact]
    public void Shapes_that_do_not_fit_are_errors_naming_the_op_and_the_shape()
    {
        var rect = Node.Variable("R", Shape.Matrix(2, 3));
        var square = Node.Variable("A", Shape.Matrix(3, 3));
        Assert.Contains("Solve: A is (2×3), it must be a square matrix", Assert.Throws<ShapeException>(() => rect.Solve(Node.Variable("b", Shape.Vector(2)))).Message);
        Assert.Contains("Solve: the right-hand side is (2), it must be a vector (3)", Assert.Throws<ShapeException>(() => square.Solve(Node.Variable("b", Shape.Vector(2)))).Message);
        Assert.Contains("Cholesky: A is (2×3)", Assert.Throws<ShapeException>(() => rect.Cholesky()).Message);
        Assert.Contains("LogDet: A is (2×3)", Assert.Throws<ShapeException>(() => rect.LogDet()).Message);
        Assert.Contains("Inverse: A is (2×3)", Assert.Throws<ShapeException>(() => rect.Inverse()).Message);
        Assert.Contains("TriangularSolve(lower): T is (2×3)", Assert.Throws<ShapeException>(() => rect.TriangularSolve(square)).Message);
    }

    [Fact]
    public void Cholesky_reads_only_the_lower_triangle_and_its_gradient_lives_there()
    {
        var a = Node.Variable("A", Shape.Matrix(2, 2));
        // Lower triangle of [[4, ·], [2, 5]]: L = [[2, 0], [1, 2]] whatever the upper element holds.
        var b = Bindings.Empty.Bind(a, Tensor.Matrix(new double[,] { { 4, 99 }, { 2, 5 } }));
        Assert.Equal(new double[,] { { 2, 0 }, { 1, 2 } }, Evaluator.Evaluate(a.Cholesky(), b).AsMatrix().ToArray());
        var g = AD.Grad(a.Cholesky().Sum(), b, a)[0];
        Assert.Equal(0.0, g[0, 1]);
    }

    /// <summary>ln N(x; μ, sΣ₀) = −½ rᵀ(sΣ₀)⁻¹r − ½ ln det(sΣ₀) − (n/2) ln 2π with r = x − μ, built with a Cholesky
    /// factor (the quadratic form as ‖L⁻¹r‖²) and LogDet; against the closed form, its gradient in μ, Σ⁻¹r, and in
    /// the scale s, −n/(2s) + rᵀΣ₀⁻¹r/(2s²), all written with the 2×2 inverse by hand.</summary>
    [Fact]
    public void Gaussian_log_likelihood_with_cholesky_and_logdet_matches_the_closed_form()
    {
        double[,] sigma0 = { { 2.0, 0.6 }, { 0.6, 1.0 } };
        double[] xv = [0.3, -1.2], muv = [0.5, 0.4];
        const double s0 = 1.7;

        var mu = Node.Variable("μ", Shape.Vector(2));
        var s = Node.Variable("s", Shape.Scalar);
        var sigma = s * Node.Constant(Tensor.Matrix(sigma0));
        var z = sigma.Cholesky().TriangularSolve(Node.Constant(Tensor.Vector(xv)) - mu);
        var logp = -0.5 * z.SquaredNorm() - 0.5 * sigma.LogDet() - Math.Log(2 * Math.PI);
        var bind = Bindings.Empty.Bind(mu, Tensor.Vector(muv)).Bind(s, s0);
        var (value, grads) = AD.ValueAndGrad(logp, bind, mu, s);

        double det0 = sigma0[0, 0] * sigma0[1, 1] - sigma0[0, 1] * sigma0[1, 0];
        double[] r = [xv[0] - muv[0], xv[1] - muv[1]];
        double[] inv0r = [(sigma0[1, 1] * r[0] - sigma0[0, 1] * r[1]) / det0, (-sigma0[1, 0] * r[0] + sigma0[0, 0] * r[1]) / det0];
        double quad0 = r[0] * inv0r[0] + r[1] * inv0r[1];
        double expected = -0.5 * quad0 / s0 - 0.5 * Math.Log(s0 * s0 * det0) - Math.Log(2 * Math.PI);
        Assert.Equal(expected, value.ToScalar(), 1e-14);
        Assert.Equal(inv0r[0] / s0, grads[0][0], 1e-14);
        Assert.Equal(inv0r[1] / s0, grads[0][1], 1e-14);
        Assert.Equal(-2 / (2 * s0) + quad0 / (2 * s0 * s0), grads[1].ToScalar(), 1e-14);
        // Second order in s through Cholesky and LogDet: n/(2s²) − rᵀΣ₀⁻¹r/s³.
        Assert.Equal(2 / (2 * s0 * s0) - quad0 / (s0 * s0 * s0), AD.Hvp(logp, bind, (s, Tensor.Scalar(1.0)))[0].ToScalar(), 1e-13);
    }
}
