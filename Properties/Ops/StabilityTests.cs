using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>The ops documented as stable at any magnitude, checked at magnitudes where naive formulas overflow or
/// round to zero, against stable formulas written here (relative accuracy, not just absolute).</summary>
public class StabilityTests
{
    static readonly double[] Large = [-745, -400, -40, -20, -5, 0, 5, 20, 40, 400, 745];

    /// <summary>Relative agreement to <paramref name="tolerance"/>: 1e-13 where the function is well conditioned;
    /// exp(x − y) at |x| ~ 1e3 inherits an absolute error ~ulp(1e3) ≈ 1e-13 in its exponent, hence 1e-12 there.</summary>
    static void Close(double expected, double actual, string what, double tolerance = 1e-13)
    {
        double err = Math.Abs(expected - actual), size = Math.Abs(expected);
        Assert.True(double.IsFinite(actual) && err <= tolerance * size + double.Epsilon, $"{what}: {actual:R}, expected {expected:R}");
    }

    static (double[] Value, double[] Gradient) ValueAndGrad(Func<Node, Node> f, double[] xs)
    {
        var x = Node.Variable("x", Shape.Vector(xs.Length));
        var y = f(x);
        var b = Bindings.Empty.Bind(x, Tensor.Vector(xs));
        return (Evaluator.Evaluate(y, b).Values.ToArray(), AD.Vjp(y, b, Tensor.Filled(y.Shape, 1), x).Cotangents[0].Values.ToArray());
    }

    [Fact]
    public void Sigmoid_and_its_derivative_keep_relative_accuracy()
    {
        var (y, g) = ValueAndGrad(x => x.Sigmoid(), Large);
        for (int i = 0; i < Large.Length; i++)
        {
            double v = Large[i], e = Math.Exp(-Math.Abs(v));
            Close(v >= 0 ? 1 / (1 + e) : e / (1 + e), y[i], $"σ({v})");
            Close(e / ((1 + e) * (1 + e)), g[i], $"σ′({v})");
        }
    }

    [Fact]
    public void Tanh_derivative_keeps_relative_accuracy()
    {
        double[] xs = [-300, -20, -3, 0, 3, 20, 300];
        var (_, g) = ValueAndGrad(x => x.Tanh(), xs);
        for (int i = 0; i < xs.Length; i++)
        {
            double e = Math.Exp(-2 * Math.Abs(xs[i]));
            Close(4 * e / ((1 + e) * (1 + e)), g[i], $"tanh′({xs[i]})"); // 1 − tanh² = sech²
        }
    }

    [Fact]
    public void LogSumExp_and_softmax_stay_finite_at_1e3()
    {
        double[] xs = [1000, 999, -1000, 998.5];
        var (y, g) = ValueAndGrad(x => x.LogSumExp(0), xs);
        double max = xs.Max(), s = xs.Sum(v => Math.Exp(v - max)), lse = max + Math.Log(s);
        Close(lse, y[0], "logΣexp");
        for (int i = 0; i < xs.Length; i++) Close(Math.Exp(xs[i] - max) / s, g[i], $"softmax[{i}]", 1e-12);

        var (p, _) = ValueAndGrad(x => x.Softmax(0), xs);
        Assert.Equal(1.0, p.Sum(), 1e-12);
    }

    [Fact]
    public void Cross_entropy_with_huge_logits_is_finite_and_exact()
    {
        var logits = Node.Variable("z", Shape.Matrix(2, 3));
        var z = Tensor.Matrix(new double[,] { { 1000, -1000, 0 }, { -500, 500, 499 } });
        var loss = logits.CrossEntropy([1, 2]);
        var (value, grads) = AD.ValueAndGrad(loss, Bindings.Empty.Bind(logits, z), logits);
        // Row 0: log-sum-exp 1000, picked −1000: 2000. Row 1: log-sum-exp 500 + log(1 + e⁻¹), picked 499.
        double p = 1 / (1 + Math.Exp(-1)), row1 = 1 + Math.Log(1 + Math.Exp(-1));
        Close((2000 + row1) / 2, value.ToScalar(), "loss");
        // ∂/∂z = (softmax − one-hot)/N.
        var expected = new[,] { { 1.0 / 2, -1.0 / 2, 0 }, { 0, p / 2, (1 - p - 1) / 2 } };
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                Assert.True(Math.Abs(grads[0][i, j] - expected[i, j]) <= 1e-12 * Math.Abs(expected[i, j]) + 1e-300, $"∂loss/∂z[{i},{j}] = {grads[0][i, j]:R}, expected {expected[i, j]:R}");
    }
}
