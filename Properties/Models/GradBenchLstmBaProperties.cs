using AutoDiff.Functional.Models.GradBench;
using AutoDiff.Functional.Properties.Support;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>GradBench's lstm and ba against their plain-loop references (the derivatives derived by hand) to 1e-10,
/// against central finite differences and the other mode (GradCheck), and against closed forms, on small random
/// inputs built from generated numbers (<see cref="Draws"/>), 100 cases.</summary>
[Properties(Arbitrary = [typeof(DrawsArbs)], MaxTest = 100)]
public class GradBenchLstmBaProperties
{
    const double Tolerance = 1e-10;

    static double[][] Rows(Random r, int rows, int columns, double lo = 0, double hi = 1) =>
        [.. Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, columns).Select(_ => lo + (hi - lo) * r.NextDouble()).ToArray())];

    static Tensor Matrix(double[][] rows)
    {
        var a = new double[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[0].Length; j++) a[i, j] = rows[i][j];
        return Tensor.Matrix(a);
    }

    static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: {actual} vs {expected}");

    static void Close(double[][] expected, Tensor actual, string what)
    {
        double scale = Math.Max(1, expected.Max(row => row.Max(Math.Abs)));
        for (int i = 0; i < expected.Length; i++)
            for (int j = 0; j < expected[i].Length; j++)
                Assert.True(Math.Abs(expected[i][j] - actual[i, j]) <= Tolerance * scale, $"{what}[{i}, {j}]: {actual[i, j]} vs {expected[i][j]}");
    }

    [Property]
    public void Lstm_matches_its_reference_and_finite_differences(Draws draws)
    {
        var r = draws.Random();
        int layers = r.Next(1, 4), b = r.Next(1, 5), c = r.Next(2, 7);
        // As the eval draws them: parameters and state in [0, 1), the text as bits; here also negative parameters.
        double lo = r.Next(2) == 0 ? 0 : -1;
        double[][] main = Rows(r, 2 * layers, 4 * b, lo), extra = Rows(r, 3, b, lo), state = Rows(r, 2 * layers, b, lo);
        double[][] sequence = [.. Enumerable.Range(0, c).Select(_ => Enumerable.Range(0, b).Select(_ => (double)r.Next(2)).ToArray())];
        var (p, q) = (Node.Variable("main", Shape.Matrix(2 * layers, 4 * b)), Node.Variable("extra", Shape.Matrix(3, b)));
        var at = Bindings.Empty.Bind(p, Matrix(main)).Bind(q, Matrix(extra));
        var loss = Lstm.Loss(p, q, Matrix(state), Matrix(sequence));
        var (value, g) = AD.ValueAndGrad(loss, at, p, q);
        var expected = LstmReference.Evaluate(main, extra, state, sequence);
        Close(expected.Value, value.ToScalar(), "lstm");
        Close(expected.Main, g[0], "∂main");
        Close(expected.Extra, g[1], "∂extra");
        var report = GradCheck.Check(loss, at, [p, q]);
        Assert.True(report.Passed, report.ToString());
    }

    [Fact]
    public void Lstm_with_a_zero_output_weight_predicts_the_output_bias()
    {
        // w_out = 0: y = b_out whatever the layers do, so with one step the loss is
        // −(1/b) Σⱼ s₁ⱼ(b_outⱼ − log(Σᵢ exp b_outᵢ + 2)), and ∂/∂b_out = −(s₁ − S·exp b_out/(Σ exp b_out + 2))/b.
        double[] outBias = [0.3, -1.2, 2.0];
        double[] target = [1, 0, 1];
        var r = new Random(7);
        var main = Matrix(Rows(r, 4, 12));
        var extra = Matrix([[0.5, 0.1, 0.9], [0, 0, 0], outBias]);
        var (p, q) = (Node.Variable("main", main.Shape), Node.Variable("extra", extra.Shape));
        var loss = Lstm.Loss(p, q, Matrix(Rows(r, 4, 3)), Matrix([[0, 1, 1], target]));
        var (value, g) = AD.ValueAndGrad(loss, Bindings.Empty.Bind(p, main).Bind(q, extra), p, q);
        double normaliser = Math.Log(outBias.Sum(Math.Exp) + 2);
        Close(-(outBias[0] - normaliser + outBias[2] - normaliser) / 3, value.ToScalar(), "loss");
        for (int j = 0; j < 3; j++)
            Close(-(target[j] - 2 * Math.Exp(outBias[j]) / (outBias.Sum(Math.Exp) + 2)) / 3, g[1][2, j], $"∂b_out[{j}]");
    }

    // Per-observation variables for ba: 11 camera and 3 point vectors over the P observations, and the weights.
    static (Node[] Camera, Node[] Point, Node Weights, Bindings At) BaVariables(double[][] cameras, double[][] points, double[] weights, int[] cameraOf, int[] pointOf)
    {
        int p = weights.Length;
        var camera = Enumerable.Range(0, 11).Select(j => Node.Variable($"c{j}", Shape.Vector(p))).ToArray();
        var point = Enumerable.Range(0, 3).Select(j => Node.Variable($"x{j}", Shape.Vector(p))).ToArray();
        var w = Node.Variable("w", Shape.Vector(p));
        var at = Bindings.Empty.Bind(w, Tensor.Vector(weights));
        for (int j = 0; j < 11; j++) at = at.Bind(camera[j], Tensor.Vector([.. cameraOf.Select(c => cameras[c][j])]));
        for (int j = 0; j < 3; j++) at = at.Bind(point[j], Tensor.Vector([.. pointOf.Select(x => points[x][j])]));
        return (camera, point, w, at);
    }

    [Property]
    public void Ba_sparse_Jacobian_matches_its_reference_and_finite_differences(Draws draws)
    {
        var r = draws.Random();
        int n = r.Next(1, 4), m = r.Next(1, 4), p = r.Next(1, 7);
        // Cameras a few units from points in front of them; some cameras do not rotate (the θ = 0 branch).
        var cameras = Enumerable.Range(0, n).Select(_ =>
        {
            var c = Rows(r, 1, 11, -0.5, 0.5)[0];
            if (r.Next(3) == 0) c[0] = c[1] = c[2] = 0;
            (c[5], c[6]) = (-5 + c[5], 1 + c[6]);
            return c;
        }).ToArray();
        var points = Rows(r, m, 3, -1, 1);
        var weights = Rows(r, 1, p, 0.5, 1.5)[0];
        var features = Rows(r, p, 2, -1, 1);
        int[] cameraOf = [.. Enumerable.Range(0, p).Select(_ => r.Next(n))], pointOf = [.. Enumerable.Range(0, p).Select(_ => r.Next(m))];
        var (camera, point, w, at) = BaVariables(cameras, points, weights, cameraOf, pointOf);
        var errors = Ba.ReprojectionErrors(camera, point, w, Node.Constant(Matrix(features)));
        // Blocks of 1 … P observations, the last one shorter or not.
        var sparse = new BaJacobian(n, m, cameraOf, pointOf, Matrix(features), blockSize: r.Next(1, p + 1));
        // A first call elsewhere: the instance reuses its buffers, and nothing of that call may leak into the next.
        sparse.Evaluate(Matrix([.. cameras.Select(c => c.Select(v => v + 0.25).ToArray())]), Matrix([.. points.Select(x => x.Select(v => -v).ToArray())]),
            Tensor.Vector([.. weights.Select(v => 2 * v)]));
        var (rowStarts, columns, values) = sparse.Evaluate(Matrix(cameras), Matrix(points), Tensor.Vector(weights));
        var ours = errors.Select(e => Evaluator.Evaluate(e, at)).ToArray();

        Assert.Equal(3 * p + 1, rowStarts.Length);
        for (int i = 0; i < p; i++)
        {
            var expected = BaReference.Evaluate(cameras[cameraOf[i]], points[pointOf[i]], weights[i], features[i]);
            for (int k = 0; k < 2; k++)
            {
                Close(expected.Error[k], ours[k][i], $"error {k} of observation {i}");
                int row = 2 * i + k, start = rowStarts[row];
                Assert.Equal(15, rowStarts[row + 1] - start);
                for (int j = 0; j < 15; j++)
                {
                    int column = j < 11 ? 11 * cameraOf[i] + j : j < 14 ? 11 * n + 3 * pointOf[i] + j - 11 : 11 * n + 3 * m + i;
                    Assert.Equal(column, columns[start + j]);
                    Close(expected.Jacobian[k, j], values[start + j], $"J[{row}, {column}]");
                }
            }
            int weightRow = rowStarts[2 * p + i];
            Assert.Equal(1, rowStarts[2 * p + i + 1] - weightRow);
            Assert.Equal(11 * n + 3 * m + i, columns[weightRow]);
            Close(expected.WeightErrorDerivative, values[weightRow], $"J[{2 * p + i}, weight]");
        }
        // A random projection of both errors, against finite differences and forward mode.
        var u = Rows(r, 2, p, -1, 1);
        var projection = (errors[0] * Node.Constant(Tensor.Vector(u[0])) + errors[1] * Node.Constant(Tensor.Vector(u[1]))).Sum();
        var report = GradCheck.Check(projection, at, [.. camera, .. point, w]);
        Assert.True(report.Passed, report.ToString());
    }

    [Fact]
    public void Ba_of_an_unrotated_pinhole_camera_is_the_perspective_division()
    {
        // r = C = 0, f = 1, no principal point or distortion, w = 1, feature 0: the error is (X₀/X₂, X₁/X₂), so
        // ∂/∂X = (1/X₂, 0, −X₀/X₂²) and (0, 1/X₂, −X₁/X₂²), and ∂/∂f is the error itself.
        double[] x = [0.3, -0.8, 2.5];
        var (camera, point, w, at) = BaVariables([[0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]], [x], [1], [0], [0]);
        var entries = Plan.Compile(Ba.JacobianEntries(camera, point, w, Node.Constant(Matrix([[0, 0]])))).Run(at);
        double[] error = [x[0] / x[2], x[1] / x[2]];
        for (int k = 0; k < 2; k++)
        {
            Close(error[k], entries[15 * k + 6][0], $"∂e{k}/∂f");
            Close(k == 0 ? 1 / x[2] : 0, entries[15 * k + 11][0], $"∂e{k}/∂X₀");
            Close(k == 1 ? 1 / x[2] : 0, entries[15 * k + 12][0], $"∂e{k}/∂X₁");
            Close(-x[k] / (x[2] * x[2]), entries[15 * k + 13][0], $"∂e{k}/∂X₂");
            Close(error[k], entries[15 * k + 14][0], $"∂e{k}/∂w");
        }
        Close(-2, entries[30][0], "∂(1 − w²)/∂w");
    }

    [Fact]
    public void Ba_rotates_by_a_quarter_turn_about_the_optical_axis()
    {
        // r = (0, 0, π/2) takes (1, 0, 4) to (0, 1, 4): the projection (0, 1/4).
        var (camera, point, w, at) = BaVariables([[0, 0, Math.PI / 2, 0, 0, 0, 1, 0, 0, 0, 0]], [[1, 0, 4]], [1], [0], [0]);
        var errors = Ba.ReprojectionErrors(camera, point, w, Node.Constant(Matrix([[0, 0]])));
        Assert.True(Math.Abs(Evaluator.Evaluate(errors[0], at)[0]) < 1e-15);
        Close(0.25, Evaluator.Evaluate(errors[1], at)[0], "y");
    }
}
