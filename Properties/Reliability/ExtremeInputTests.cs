using Xunit;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>Valid inputs at the edge of float64: the values and derivatives stay finite and as exact as the
/// references below, which are written by hand in the stable form (never through the library).</summary>
public class ExtremeInputTests
{
    static readonly Node X = Node.Variable("x", Shape.Scalar);

    /// <summary>Value, reverse-mode derivative and forward-mode derivative of a scalar function at x.</summary>
    static (double Value, double Reverse, double Forward) Differentiate(Node f, double x)
    {
        var at = Bindings.Empty.Bind(X, x);
        var (value, gradients) = AD.ValueAndGrad(f, at, X);
        var (_, tangents) = AD.Jvp([f], at, (X, Tensor.Scalar(1)));
        return (value.ToScalar(), gradients[0].ToScalar(), tangents[0].ToScalar());
    }

    static void Close(double expected, double actual, double rtol, string what)
    {
        Assert.True(double.IsFinite(actual), $"{what} = {actual}");
        Assert.True(Math.Abs(actual - expected) <= rtol * Math.Abs(expected), $"{what} = {actual:R}, expected {expected:R}");
    }

    [Theory]
    [InlineData(800)]
    [InlineData(-800)]
    [InlineData(700)]
    [InlineData(-700)]
    [InlineData(40)]
    [InlineData(-40)]
    [InlineData(1e-3)]
    public void Sigmoid_and_its_derivative_are_exact_at_large_magnitudes(double x)
    {
        // σ(x) and σ′(x) = σ(x)σ(−x) = e^−|x| / (1 + e^−|x|)², from e^−|x| alone: nothing overflows or cancels.
        double e = Math.Exp(-Math.Abs(x));
        double sigma = x >= 0 ? 1 / (1 + e) : e / (1 + e);
        double slope = e / ((1 + e) * (1 + e));

        var (value, reverse, forward) = Differentiate(X.Sigmoid(), x);
        Close(sigma, value, 1e-15, $"σ({x})");
        Close(slope, reverse, 1e-14, $"σ′({x}) reverse");
        Close(slope, forward, 1e-14, $"σ′({x}) forward");
        if (Math.Abs(x) == 800)
        {
            // e^−800 ≈ 1e-348 is below the smallest subnormal: the exact results round to 1, 0 and 0.
            Assert.Equal(x > 0 ? 1.0 : 0.0, value);
            Assert.Equal(0.0, reverse);
            Assert.Equal(0.0, forward);
        }
    }

    [Theory]
    [InlineData(20)]
    [InlineData(-20)]
    [InlineData(50)]
    [InlineData(-50)]
    [InlineData(300)]
    [InlineData(-300)]
    [InlineData(350)]
    public void Tanh_derivative_keeps_relative_accuracy_where_one_minus_tanh_squared_rounds_to_zero(double x)
    {
        // 1 − tanh²x = 4e^−2|x| / (1 + e^−2|x|)², about 4e-261 at |x| = 300: a naive 1 − y² gives 0.
        double e = Math.Exp(-2 * Math.Abs(x));
        double slope = 4 * e / ((1 + e) * (1 + e));
        var (value, reverse, forward) = Differentiate(X.Tanh(), x);
        Close(Math.Tanh(x), value, 1e-15, $"tanh({x})");
        Assert.NotEqual(0.0, reverse);
        Close(slope, reverse, 1e-13, $"tanh′({x}) reverse");
        Close(slope, forward, 1e-13, $"tanh′({x}) forward");
    }

    static readonly double[,] Logits =
    {
        { 1000, -1000, 999, 0 },
        { -1000, -1000, -1000, -999 },
        { 1000, 1000, -1000, 990 },
    };
    static readonly int[] Labels = [1, 3, 0];

    /// <summary>Per row: m = max, log Σ exp = m + log Σ exp(x − m), softmax = exp(x − m) / Σ exp(x − m) (exp(x − logΣexp)
    /// would lose |x|·ε: 1e-13 at 1e3; 0.7310585786300049 = 1/(1 + e⁻¹) is the softmax of (1000, 999)).</summary>
    static (double[] Lse, double[,] Softmax) ByHand(double[,] x)
    {
        int rows = x.GetLength(0), columns = x.GetLength(1);
        var lse = new double[rows];
        var softmax = new double[rows, columns];
        for (int i = 0; i < rows; i++)
        {
            double m = double.NegativeInfinity, s = 0;
            for (int j = 0; j < columns; j++) m = Math.Max(m, x[i, j]);
            for (int j = 0; j < columns; j++) s += Math.Exp(x[i, j] - m);
            lse[i] = m + Math.Log(s);
            for (int j = 0; j < columns; j++) softmax[i, j] = Math.Exp(x[i, j] - m) / s;
        }
        return (lse, softmax);
    }

    [Fact]
    public void LogSumExp_of_logits_of_magnitude_1e3_is_finite_and_its_gradient_is_the_softmax()
    {
        var z = Node.Variable("z", Shape.Matrix(3, 4));
        var at = Bindings.Empty.Bind(z, Tensor.Matrix(Logits));
        var (lse, softmax) = ByHand(Logits);

        var rows = Evaluator.Evaluate(z.LogSumExp(1), at);
        for (int i = 0; i < 3; i++) Close(lse[i], rows[i], 1e-15, $"logΣexp of row {i}");

        var gradient = AD.Grad(z.LogSumExp(1).Sum(), at, z)[0];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++)
                Assert.True(Math.Abs(gradient[i, j] - softmax[i, j]) <= 4 * GradCheck.Epsilon * softmax[i, j],
                    $"∂/∂z[{i},{j}] = {gradient[i, j]:R}, softmax {softmax[i, j]:R}");
    }

    [Fact]
    public void CrossEntropy_of_logits_of_magnitude_1e3_is_finite_and_its_gradient_is_softmax_minus_onehot()
    {
        const int n = 3;
        var z = Node.Variable("z", Shape.Matrix(n, 4));
        var at = Bindings.Empty.Bind(z, Tensor.Matrix(Logits));
        var (lse, softmax) = ByHand(Logits);
        double loss = 0;
        for (int i = 0; i < n; i++) loss += lse[i] - Logits[i, Labels[i]];
        loss /= n;

        var (value, gradients) = AD.ValueAndGrad(z.CrossEntropy(Labels), at, z);
        Close(loss, value.ToScalar(), 1e-15, "cross-entropy");
        for (int i = 0; i < n; i++)
            for (int j = 0; j < 4; j++)
            {
                double expected = (softmax[i, j] - (j == Labels[i] ? 1 : 0)) / n;
                // A few ulps of the terms' size, 1/N: softmax·(1/N) − 1/N and (softmax − 1)/N round differently.
                Assert.True(Math.Abs(gradients[0][i, j] - expected) <= 4 * GradCheck.Epsilon * Math.Max(Math.Abs(expected), 1.0 / n),
                    $"∂loss/∂z[{i},{j}] = {gradients[0][i, j]:R}, (softmax − onehot)/N = {expected:R}");
                Assert.True(double.IsFinite(gradients[0][i, j]));
            }
    }

    /// <summary>Heron's method y ← (y + x/y)/2 from y = 1, unrolled into a graph, stopping adaptively when a step
    /// changes y by at most 1e-15·y (at most 5000 steps); the step count is decided in plain doubles.</summary>
    [Theory]
    [InlineData(1e-300)]
    [InlineData(1e-200)]
    [InlineData(1e-100)]
    [InlineData(3e-7)]
    [InlineData(2)]
    [InlineData(12345.678)]
    [InlineData(1e100)]
    [InlineData(1e200)]
    [InlineData(1e300)]
    public void Heron_square_root_is_exact_with_exact_derivatives_from_1e_minus300_to_1e300(double x)
    {
        Node y = Node.Constant(1.0);
        double yd = 1;
        int steps = 0;
        for (; steps < 5000; steps++)
        {
            double next = (yd + x / yd) / 2;
            y = (y + X / y) * 0.5;
            bool done = Math.Abs(next - yd) <= 1e-15 * next;
            yd = next;
            if (done) break;
        }
        Assert.True(steps < 5000, $"Heron did not converge for x = {x}");

        var (value, reverse, forward) = Differentiate(y, x);
        Close(Math.Sqrt(x), value, 1e-12, $"√{x} after {steps} steps");
        Close(0.5 / Math.Sqrt(x), reverse, 1e-12, $"d√x/dx at {x}, reverse");
        Close(0.5 / Math.Sqrt(x), forward, 1e-12, $"d√x/dx at {x}, forward");
    }
}
