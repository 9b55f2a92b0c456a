using AutoDiff.Functional.Models.GradBench;
using AutoDiff.Functional.Properties.Support;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>ht's residuals and batched-tangent Jacobian against the dual-number reference (1e-10), and the residuals'
/// derivatives against central finite differences and the other mode (GradCheck), on small random hands built from
/// generated numbers (<see cref="Draws"/>, 100 cases): 22 bones in a random tree, a few vertices, triangles and points.</summary>
[Properties(Arbitrary = [typeof(DrawsArbs)], MaxTest = 100)]
public class GradBenchHtProperties
{
    const double Tolerance = 1e-10;
    const int Bones = 22;

    static double Uniform(Random r, double lo = -1, double hi = 1) => lo + (hi - lo) * r.NextDouble();

    static double[] Draw(Random r, int n, double lo = -1, double hi = 1) => [.. Enumerable.Range(0, n).Select(_ => Uniform(r, lo, hi))];

    // A transform with a random 3×4 top and the affine bottom row.
    static double[][] Transform(Random r) => [Draw(r, 4), Draw(r, 4), Draw(r, 4), [0, 0, 0, 1]];

    static HtData Hand(Random r, bool simple)
    {
        int vertices = r.Next(3, 8), triangles = r.Next(1, 5), points = r.Next(1, 6);
        var model = new HtModel(
            [.. Enumerable.Range(0, Bones).Select(b => b == 0 ? -1 : r.Next(0, b))],
            [.. Enumerable.Range(0, Bones).Select(_ => Transform(r))],
            [.. Enumerable.Range(0, Bones).Select(_ => Transform(r))],
            [.. Enumerable.Range(0, vertices).Select(_ => (double[])[.. Draw(r, 3), 1])],
            [.. Enumerable.Range(0, vertices).Select(_ => Draw(r, Bones).Select(w => w < 0 ? 0 : w).ToArray())],
            [.. Enumerable.Range(0, triangles).Select(_ => new[] { r.Next(vertices), r.Next(vertices), r.Next(vertices) })],
            r.Next(2) == 0);
        return new HtData(model, [.. Enumerable.Range(0, points).Select(_ => r.Next(simple ? vertices : triangles))], // vertices or triangles,
            [.. Enumerable.Range(0, points).Select(_ => Draw(r, 3))]);
    }

    static double[] Theta(Random r)
    {
        var theta = Draw(r, Ht.Parameters);
        if (r.Next(4) == 0) theta[0] = theta[1] = theta[2] = 0; // the identity branch of the global rotation
        return theta;
    }

    static void Close(double[] expected, ReadOnlySpan<double> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * scale, $"{what}[{i}]: {actual[i]} vs {expected[i]}");
    }

    static void Close(double[][] expected, Tensor actual, string what)
    {
        Assert.Equal(Shape.Matrix(expected.Length, expected[0].Length), actual.Shape);
        for (int i = 0; i < expected.Length; i++)
            Close(expected[i], [.. Enumerable.Range(0, expected[i].Length).Select(j => actual[i, j])], $"{what} row {i}");
    }

    static Tensor Rows(double[][] rows)
    {
        var a = new double[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[0].Length; j++) a[i, j] = rows[i][j];
        return Tensor.Matrix(a);
    }

    [Property]
    public void Simple_residuals_and_Jacobian_match_the_reference_and_finite_differences(Draws draws)
    {
        var r = draws.Random();
        var data = Hand(r, simple: true);
        var values = Theta(r);
        var theta = Node.Variable("θ", Shape.Vector(Ht.Parameters));
        var at = Bindings.Empty.Bind(theta, Tensor.Vector(values));
        var residuals = Ht.Residuals(theta, data);
        var (expected, jacobian) = HtReference.Evaluate(values, null, data);
        var ours = Evaluator.Evaluate([residuals, Ht.Jacobian(theta, data)], at);
        Close(expected, ours[0].Values, "e");
        Close(jacobian, ours[1], "∂e/∂θ");
        var report = GradCheck.Check(residuals, at, [theta]);
        Assert.True(report.Passed, report.ToString());
    }

    [Property]
    public void Complicated_residuals_and_Jacobian_match_the_reference_and_finite_differences(Draws draws)
    {
        var r = draws.Random();
        var data = Hand(r, simple: false);
        var values = Theta(r);
        var barycentric = Enumerable.Range(0, data.Correspondences.Length).Select(_ => Draw(r, 2, 0, 1)).ToArray();
        var theta = Node.Variable("θ", Shape.Vector(Ht.Parameters));
        var us = Node.Variable("u", Shape.Matrix(barycentric.Length, 2));
        var at = Bindings.Empty.Bind(theta, Tensor.Vector(values)).Bind(us, Rows(barycentric));
        var residuals = Ht.Residuals(theta, us, data);
        var (expected, jacobian) = HtReference.Evaluate(values, barycentric, data);
        var ours = Evaluator.Evaluate([residuals, Ht.Jacobian(theta, us, data)], at);
        Close(expected, ours[0].Values, "e");
        Close(jacobian, ours[1], "∂e/∂(u, θ)");
        var report = GradCheck.Check(residuals, at, [theta, us]);
        Assert.True(report.Passed, report.ToString());
    }

    [Fact]
    public void At_rest_with_identity_bones_each_residual_is_the_point_minus_its_vertex()
    {
        // θ = 0 and every base transform the identity: each bone's transform is the identity, so with weights
        // summing to one a vertex stays where it is and each residual is its point minus its vertex.
        double[][] identity = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
        double[][] positions = [[0.5, -1, 2, 1], [3, 0, 1, 1]];
        var weights = positions.Select((_, v) => Enumerable.Range(0, Bones).Select(b => b == v ? 0.25 : b == v + 3 ? 0.75 : 0).ToArray()).ToArray();
        var model = new HtModel([.. Enumerable.Range(-1, Bones)], [.. Enumerable.Repeat(identity, Bones)],
            [.. Enumerable.Repeat(identity, Bones)], positions, weights, [[0, 1, 1]], false);
        var data = new HtData(model, [1, 0], [[4, 3, 4], [1.5, 1, 5]]);
        var theta = Node.Variable("θ", Shape.Vector(Ht.Parameters));
        var e = Evaluator.Evaluate(Ht.Residuals(theta, data), Bindings.Empty.Bind(theta, Tensor.Zeros(theta.Shape)));
        Close([1, 3, 3, 1, 2, 3], e.Values, "e");
    }
}
