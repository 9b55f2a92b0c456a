using AutoDiff.Functional.Models.GradBench;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>GradBench's lstm and ba against their plain-loop references (the derivatives derived by hand) to 1e-10,
/// against central finite differences and the other mode (GradCheck), and against closed forms, on small random
/// inputs drawn from the seed.</summary>
[Properties(MaxTest = 25)]
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
    public void Lstm_matches_its_reference_and_finite_differences(int seed)
    {
        var r = new Random(seed);
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
}
