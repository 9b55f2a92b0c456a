using AutoDiff.Functional.Properties.Support;
using Xunit;
using DD = AutoDiff.Functional.Properties.Support.DoubleDouble;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>The reductions, products and the softmax family on random values at every magnitude from 1e-300 to
/// 1e300, against references computed in double-double arithmetic (<see cref="DoubleDouble"/>, ~106 bits), within a
/// budget stated per op in units of u = 2⁻⁵³:
/// <list type="bullet">
/// <item>sums and dot products (Sum, Sum along either axis, Dot, MatMul): n·u·Σ|terms|, the bound of any summation
/// order (Higham, γₙ);</item>
/// <item>log Σ exp, log-softmax and cross-entropy: 4u·max(1, |z|ₘₐₓ, |result|), since each zᵢ − max z is rounded;</item>
/// <item>softmax and the gradients that are softmaxes: (6 + n + 2|zᵢ − max z|)·u relative, as e^(zᵢ − max z)
/// amplifies the rounding of its argument and the normaliser sums n terms, plus u absolute where a one is
/// subtracted.</item>
/// </list></summary>
public class PrecisionTests
{
    const double U = 1.1102230246251565e-16;

    public static TheoryData<double, int> Cases()
    {
        var cases = new TheoryData<double, int>();
        foreach (var s in new[] { 1e-300, 1e-15, 1, 30, 1e15, 1e300 })
            foreach (var n in new[] { 7, 100 }) cases.Add(s, n);
        return cases;
    }

    static double[] Values(double scale, int n, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => scale * (2 * rng.NextDouble() - 1))];
    }

    static DD Sum(IEnumerable<DD> terms) => terms.Aggregate((DD)0, (a, b) => a + b);

    static void Within(double actual, DD reference, double budget, string what) =>
        Assert.True(Math.Abs(actual - reference.Value) <= budget || actual == reference.Value,
            $"{what}: {actual:R}, double-double reference {reference.Value:R}, error {Math.Abs(actual - reference.Value):G3} over the budget {budget:G3}");

    static double[] Evaluate(Node y, Node v, double[] values, Shape shape) =>
        Evaluator.Evaluate(y, Bindings.Empty.Bind(v, Tensor.FromColumnMajor(shape, values))).Values.ToArray();

    [Theory, MemberData(nameof(Cases))]
    public void Sums_and_products_meet_the_summation_bound(double scale, int n)
    {
        double[] x = Values(scale, 3 * n, 1), w = Values(1, n, 2);
        var m = Node.Variable("X", Shape.Matrix(n, 3));
        double Bound(IEnumerable<double> terms) => n * U * terms.Sum(Math.Abs);

        var total = Evaluate(m.Sum(), m, x, m.Shape)[0];
        Within(total, Sum(x.Select(v => (DD)v)), 3 * Bound(x), $"Sum at {scale:G3}");

        var columns = Evaluate(m.Sum(0), m, x, m.Shape);
        var rows = Evaluate(m.Sum(1), m, x, m.Shape);
        for (int j = 0; j < 3; j++)
        {
            var column = x.Skip(j * n).Take(n).ToArray();
            Within(columns[j], Sum(column.Select(v => (DD)v)), Bound(column), $"Sum(0) column {j} at {scale:G3}");
        }
        for (int i = 0; i < n; i++)
        {
            double[] row = [x[i], x[i + n], x[i + 2 * n]];
            Within(rows[i], Sum(row.Select(v => (DD)v)), Bound(row), $"Sum(1) row {i} at {scale:G3}");
        }

        var products = Evaluate(m.T().MatMul(Node.Constant(Tensor.Vector(w))), m, x, m.Shape);
        var dot = Evaluate(m.T().MatMul(Node.Constant(Tensor.Vector(w))).Dot(Node.Constant(Tensor.Vector(1, 1, 1))), m, x, m.Shape)[0];
        DD all = 0;
        for (int j = 0; j < 3; j++)
        {
            var terms = Enumerable.Range(0, n).Select(i => (DD)x[i + j * n] * w[i]).ToArray();
            all += Sum(terms);
            Within(products[j], Sum(terms), Bound(terms.Select(t => t.Value)), $"MatMul(Aᵀ·v) element {j} at {scale:G3}");
        }
        Within(dot, all, 3 * Bound(Enumerable.Range(0, 3 * n).Select(p => x[p] * w[p % n])), $"Dot at {scale:G3}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void The_softmax_family_meets_its_budget(double scale, int n)
    {
        var z = Values(scale, n, 3);
        var row = Node.Variable("z", Shape.Matrix(1, n));
        var shape = row.Shape;
        double top = z.Max(), size = Math.Max(1, z.Max(Math.Abs));
        var shifted = z.Select(v => Exp((DD)v - top)).ToArray();
        var total = Sum(shifted);
        var lse = top + DD.Log(total);

        Within(Evaluate(row.LogSumExp(1), row, z, shape)[0], lse, Logarithmic(size, lse), $"LogSumExp at {scale:G3}");
        var p = Evaluate(row.Softmax(1), row, z, shape);
        var logP = Evaluate(row.LogSoftmax(1), row, z, shape);
        var gradient = AD.Grad(row.LogSumExp(1).Sum(), Bindings.Empty.Bind(row, Tensor.FromColumnMajor(shape, z)), row)[0].Values.ToArray();
        int label = n / 2;
        var (loss, g) = AD.ValueAndGrad(row.CrossEntropy([label]), Bindings.Empty.Bind(row, Tensor.FromColumnMajor(shape, z)), row);
        var ce = g[0].Values.ToArray();
        for (int i = 0; i < n; i++)
        {
            var reference = shifted[i] / total;
            double relative = (6 + n + 2 * Math.Abs(z[i] - top)) * U * reference.Value;
            Within(p[i], reference, relative, $"Softmax element {i} at {scale:G3}");
            Within(gradient[i], reference, relative, $"∂LogSumExp/∂z element {i} at {scale:G3}");
            Within(ce[i], i == label ? reference - 1 : reference, relative + (i == label ? U : 0), $"∂CrossEntropy/∂z element {i} at {scale:G3}");
            Within(logP[i], (DD)z[i] - lse, Logarithmic(size, (DD)z[i] - lse), $"LogSoftmax element {i} at {scale:G3}");
        }
        Within(loss.ToScalar(), lse - z[label], Logarithmic(size, lse - z[label]), $"CrossEntropy at {scale:G3}");
    }

    static DD Exp(DD x) => DD.Exp(x);

    static double Logarithmic(double size, DD result) => 4 * U * Math.Max(size, Math.Abs(result.Value));

    /// <summary>The reference itself, on values known to more digits than a double holds.</summary>
    [Fact]
    public void The_double_double_reference_is_accurate()
    {
        var e = DD.Exp(1);
        Assert.Equal(2.718281828459045, e.Hi);
        Assert.Equal(1.4456468917292502e-16, e.Lo, 1e-28);
        var ln10 = DD.Log(10);
        Assert.Equal(2.302585092994046, ln10.Hi);
        Assert.Equal(-2.1707562233822494e-16, ln10.Lo, 1e-28);
        var third = (DD)1 / 3;
        Assert.Equal(0.0, (third * 3 - 1).Value, 1e-31);
        Assert.Equal(double.Epsilon, DD.Exp(-744.44007192138126).Value);
    }
}
