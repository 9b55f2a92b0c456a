using AutoDiff.Functional.Models.GradBench;
using AutoDiff.Functional.Properties.Support;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>The GradBench objectives and derivatives against their plain-loop references (written separately, the
/// gradients derived by hand) to 1e-10, and against central finite differences and the other mode (GradCheck), on
/// small random inputs built from generated numbers (<see cref="Draws"/>), 100 cases.</summary>
[Properties(Arbitrary = [typeof(DrawsArbs)], MaxTest = 100)]
public class GradBenchProperties
{
    const double Tolerance = 1e-10;

    static double[] Draw(Random r, int n, double lo = -1, double hi = 1) => [.. Enumerable.Range(0, n).Select(_ => lo + (hi - lo) * r.NextDouble())];

    static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: {actual} vs {expected}");

    static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1;
        foreach (var e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * scale, $"{what}[{i}]: {actual[i]} vs {expected[i]}");
    }

    static (Node X, Bindings At) Vector(double[] values)
    {
        var x = Node.Variable("x", Shape.Vector(values.Length));
        return (x, Bindings.Empty.Bind(x, Tensor.Vector(values)));
    }

    static void PassesGradCheck(Node output, Bindings at, params Node[] wrt)
    {
        var report = GradCheck.Check(output, at, wrt);
        Assert.True(report.Passed, report.ToString());
    }

    [Property]
    public void Llsq_matches_its_reference_and_finite_differences(Draws draws)
    {
        var r = draws.Random();
        int n = r.Next(2, 20), m = r.Next(1, 6);
        var values = Draw(r, m);
        var (x, at) = Vector(values);
        var y = Llsq.Objective(x, n);
        var (value, grads) = AD.ValueAndGrad(y, at, x);
        var (expected, gradient) = LlsqReference.Evaluate(values, n);
        Close(expected, value.ToScalar(), "llsq");
        Close(gradient, grads[0].Values, "∇llsq");
        PassesGradCheck(y, at, x);
    }

    [Property]
    public void Lse_matches_its_reference_and_finite_differences(Draws draws)
    {
        var r = draws.Random();
        double scale = r.Next(2) == 0 ? 1 : 300; // large entries: the shift keeps exp finite
        var values = Draw(r, r.Next(1, 20), -scale, scale);
        var (x, at) = Vector(values);
        var y = Lse.Objective(x);
        var (value, grads) = AD.ValueAndGrad(y, at, x);
        var (expected, gradient) = LseReference.Evaluate(values);
        Close(expected, value.ToScalar(), "lse");
        Close(gradient, grads[0].Values, "∇lse");
        if (scale == 1) PassesGradCheck(y, at, x);
    }

    [Fact]
    public void Lse_at_a_tied_maximum_has_the_softmax_gradient()
    {
        double[] values = [2, 2, -1];
        var (x, at) = Vector(values);
        var grads = AD.Grad(Lse.Objective(x), at, x);
        double total = 2 * Math.Exp(2) + Math.Exp(-1);
        Close([Math.Exp(2) / total, Math.Exp(2) / total, Math.Exp(-1) / total], grads[0].Values, "∇lse at a tie");
    }

    [Property]
    public void Det_matches_its_reference_and_finite_differences(Draws draws)
    {
        var r = draws.Random();
        int ell = r.Next(1, 6);
        var values = Draw(r, ell * ell);
        var (a, at) = Vector(values);
        var y = Det.Objective(a, ell);
        var (value, grads) = AD.ValueAndGrad(y, at, a);
        var (expected, gradient) = DetReference.Evaluate(values, ell);
        Close(expected, value.ToScalar(), "det");
        Close(gradient, grads[0].Values, "∇det");
        PassesGradCheck(y, at, a);
    }

    [Fact]
    public void Det_of_a_triangular_matrix_is_the_product_of_its_diagonal()
    {
        double[] upper = [2, 5, 7, 0, 3, 11, 0, 0, -4]; // row-major
        var (a, at) = Vector(upper);
        Close(-24, Evaluator.Evaluate(Det.Objective(a, 3), at).ToScalar(), "det");
    }

    [Property]
    public void Ode_matches_its_reference_and_finite_differences(Draws draws)
    {
        var r = draws.Random();
        int n = r.Next(1, 7), steps = r.Next(1, 5);
        var values = Draw(r, n);
        var (x, at) = Vector(values);
        var state = Ode.FinalState(x, steps);
        var y = Ode.LastElement(state);
        Close(OdeReference.FinalState(values, steps), Evaluator.Evaluate(state, at).Values, "ode");
        Close(OdeReference.LastElementGradient(values, steps), AD.Grad(y, at, x)[0].Values, "∇ode");
        PassesGradCheck(y, at, x);
    }

    [Fact]
    public void Ode_with_many_steps_approaches_the_exact_solution()
    {
        // y′₀ = x₀, y′₁ = x₁y₀: y₀ = x₀t, y₁ = x₀x₁t²/2, so at t = 2 y₁ = 2x₀x₁ (RK4 is exact on these polynomials).
        var (x, at) = Vector([0.5, 3]);
        Close([1, 3], Evaluator.Evaluate(Ode.FinalState(x, 7), at).Values, "ode");
    }

    [Property]
    public void KMeans_cost_and_Newton_direction_match_the_reference(Draws draws)
    {
        var r = draws.Random();
        int k = r.Next(1, 4), d = r.Next(1, 4), n = k + r.Next(0, 10);
        var points = Enumerable.Range(0, n).Select(_ => Draw(r, d)).ToArray();
        // Drawn points may coincide (shrinking makes them so): the first k are moved 3 apart, so they are distinct.
        for (int j = 0; j < k; j++) points[j][0] += 3 * j;
        // Each centroid near a distinct point, so every centroid has a nearest point (the Hessian is invertible).
        var centroids = points.Take(k).Select(p => p.Select(v => v + 0.01 * (r.NextDouble() - 0.5)).ToArray()).ToArray();
        var c = Node.Variable("C", Shape.Matrix(k, d));
        var at = Bindings.Empty.Bind(c, Tensor.Matrix(To2D(centroids)));
        var cost = KMeans.Cost(c, Tensor.Matrix(To2D(points)));
        var (expected, direction) = KMeansReference.Evaluate(points, centroids);
        Close(expected, Evaluator.Evaluate(cost, at).ToScalar(), "kmeans cost");
        var ours = Evaluator.Evaluate(KMeans.NewtonDirection(cost, c), at);
        for (int j = 0; j < k; j++)
            for (int a = 0; a < d; a++) Close(direction[j][a], ours[j, a], $"direction[{j}][{a}]");
        PassesGradCheck(cost, at, c);
    }

    [Fact]
    public void KMeans_gives_a_point_equidistant_from_two_centroids_to_the_first_as_GradBench_does()
    {
        // The point 2 is 1 from the centroids 1 and 3 (the distances' matrix-product form ties exactly: 1 − 4 = 9 − 12):
        // it goes to centroid 0, as the reference's strict "<" and the `manual` tool give it. By hand: cost 1 + 1 + 1;
        // direction Cⱼ − mean of its points: 1 − (0 + 2)/2 = 0 and 3 − 4 = −1.
        double[][] points = [[0], [2], [4]], centroids = [[1], [3]];
        var c = Node.Variable("C", Shape.Matrix(2, 1));
        var at = Bindings.Empty.Bind(c, Tensor.Matrix(To2D(centroids)));
        var cost = KMeans.Cost(c, Tensor.Matrix(To2D(points)));
        var (expected, direction) = KMeansReference.Evaluate(points, centroids);
        Assert.Equal((3.0, 0.0, -1.0), (expected, direction[0][0], direction[1][0]));
        Assert.Equal(3.0, Evaluator.Evaluate(cost, at).ToScalar());
        Assert.Equal([0.0, -1.0], Evaluator.Evaluate(KMeans.NewtonDirection(cost, c), at).Values.ToArray());
    }

    [Property]
    public void Gmm_matches_its_reference_and_finite_differences(Draws draws)
    {
        var r = draws.Random();
        int k = r.Next(1, 4), d = r.Next(1, 4), n = r.Next(1, 7), m = r.Next(0, 3), b = d * (d - 1) / 2;
        double gamma = 0.5 + r.NextDouble();
        double[] alpha = Draw(r, k);
        double[][] mu = Rows(r, k, d), q = Rows(r, k, d), l = Rows(r, k, b), x = Rows(r, n, d);
        var p = Gmm.Variables(k, d);
        var at = Bindings.Empty.Bind(p.Alpha, Tensor.Vector(alpha)).Bind(p.Means, Matrix(mu, d))
            .Bind(p.LogDiagonals, Matrix(q, d)).Bind(p.Lower, Matrix(l, b));
        var f = Gmm.LogPosterior(p, Matrix(x, d), m, gamma);
        var (value, g) = AD.ValueAndGrad(f, at, p.Alpha, p.Means, p.LogDiagonals, p.Lower);
        var expected = GmmReference.Evaluate(alpha, mu, q, l, x, m, gamma);
        Close(expected.Value, value.ToScalar(), "gmm");
        Close(expected.Alpha, g[0].Values, "∂α");
        Close(Matrix(expected.Mu, d).Values, g[1].Values, "∂μ");
        Close(Matrix(expected.Q, d).Values, g[2].Values, "∂q");
        Close(Matrix(expected.L, b).Values, g[3].Values, "∂l");
        PassesGradCheck(f, at, p.Alpha, p.Means, p.LogDiagonals, p.Lower);
    }

    [Fact]
    public void Gmm_of_one_standard_component_in_one_dimension_is_the_normal_log_density_plus_the_prior()
    {
        // K = D = N = 1, α = μ = q = 0, x = 1, m = 0, γ = 1: log N(1; 0, 1) = −½ log 2π − ½, and the prior
        // n = 2: log(1/√2)·2 − log Γ(1) − ½·1 = −log 2 − ½.
        var p = Gmm.Variables(1, 1);
        var at = Bindings.Empty.Bind(p.Alpha, Tensor.Vector(0.0)).Bind(p.Means, Tensor.Matrix(new double[1, 1]))
            .Bind(p.LogDiagonals, Tensor.Matrix(new double[1, 1])).Bind(p.Lower, Tensor.FromColumnMajor(Shape.Matrix(1, 0), []));
        var f = Gmm.LogPosterior(p, Tensor.Matrix(new double[,] { { 1 } }), 0, 1);
        Close(-0.5 * Math.Log(2 * Math.PI) - 0.5 - Math.Log(2) - 0.5, Evaluator.Evaluate(f, at).ToScalar(), "gmm");
    }

    static double[][] Rows(Random r, int rows, int columns) => [.. Enumerable.Range(0, rows).Select(_ => Draw(r, columns))];

    static Tensor Matrix(double[][] rows, int columns)
    {
        var values = new double[rows.Length * columns];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < columns; j++) values[i + j * rows.Length] = rows[i][j];
        return Tensor.FromColumnMajor(Shape.Matrix(rows.Length, columns), values);
    }

    static double[,] To2D(double[][] rows)
    {
        var a = new double[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[0].Length; j++) a[i, j] = rows[i][j];
        return a;
    }
}
