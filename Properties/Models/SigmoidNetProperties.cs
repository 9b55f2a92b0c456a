using System.Globalization;
using AutoDiff.Functional.Models;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>A random sigmoid net and input: shapes d₀, d₁, d₂ drawn independently, values bounded in [−3, 3].
/// A and B are column-major.</summary>
public sealed record SigmoidNetCase(int D0, int D1, int D2, double[] A, double[] B, double[] X)
{
    public DenseMatrix MatrixA => new(D1, D0, (double[])A.Clone());
    public DenseMatrix MatrixB => new(D2, D1, (double[])B.Clone());
    public DenseVector VectorX => new((double[])X.Clone());
    public SigmoidNet Net => new(MatrixA, MatrixB);

    public override string ToString() =>
        $"d0={D0} d1={D1} d2={D2} A={Show(A)} B={Show(B)} x={Show(X)}";

    static string Show(double[] v) => "[" + string.Join(", ", v.Select(e => e.ToString("R", CultureInfo.InvariantCulture))) + "]";
}

/// <summary>Generator and shrinker for <see cref="SigmoidNetCase"/>.</summary>
public static class SigmoidNetArbitraries
{
    const int MaxDim = 8;

    // A fine grid: on a coarse one (steps of 1e-3) B held exact opposites (b, −b) in one column once in a few
    // hundred runs; then σ(b·y) + σ(−b·y) = 1, the true gradient is exactly zero, and GradCheck, whose
    // forward-vs-reverse comparison is relative to the gradient's own size, reads rounding noise (1e-18 against 0)
    // as a 100% disagreement.
    static readonly Gen<double> Value = Gen.Choose(-3_000_000, 3_000_000).Select(i => i / 1e6);

    public static Arbitrary<SigmoidNetCase> Case()
    {
        var gen =
            from d0 in Gen.Choose(1, MaxDim)
            from d1 in Gen.Choose(1, MaxDim)
            from d2 in Gen.Choose(1, MaxDim)
            from a in Gen.ArrayOf(Value, d1 * d0)
            from b in Gen.ArrayOf(Value, d2 * d1)
            from x in Gen.ArrayOf(Value, d0)
            select new SigmoidNetCase(d0, d1, d2, a, b, x);
        return Arb.From(gen, Shrink);
    }

    /// <summary>Smaller shapes first (drop the last index of one dimension), then simpler values (two decimals,
    /// integers, zero).</summary>
    static IEnumerable<SigmoidNetCase> Shrink(SigmoidNetCase c)
    {
        if (c.D0 > 1) yield return c with { D0 = c.D0 - 1, A = Columns(c.A, c.D1, c.D0 - 1), X = c.X[..^1] };
        if (c.D1 > 1) yield return c with { D1 = c.D1 - 1, A = Rows(c.A, c.D1, c.D0, c.D1 - 1), B = Columns(c.B, c.D2, c.D1 - 1) };
        if (c.D2 > 1) yield return c with { D2 = c.D2 - 1, B = Rows(c.B, c.D2, c.D1, c.D2 - 1) };
        foreach (var simpler in new Func<double, double>[] { v => Math.Round(v, 2), Math.Round, _ => 0 })
        {
            var s = c with { A = [.. c.A.Select(simpler)], B = [.. c.B.Select(simpler)], X = [.. c.X.Select(simpler)] };
            if (!s.A.SequenceEqual(c.A) || !s.B.SequenceEqual(c.B) || !s.X.SequenceEqual(c.X)) yield return s;
        }
    }

    // Column-major: the first `columns` columns are a prefix; the first `keep` rows need a copy.
    static double[] Columns(double[] m, int rows, int columns) => m[..(rows * columns)];
    static double[] Rows(double[] m, int rows, int columns, int keep)
    {
        var r = new double[keep * columns];
        for (int j = 0; j < columns; j++)
            for (int i = 0; i < keep; i++) r[i + j * keep] = m[i + j * rows];
        return r;
    }
}

/// <summary>Seed 004, problem 1: the gradient of f(x) = sum(σ(B·σ(A·x))) is the same by the forward-mode Jacobian
/// chain, the reverse-mode chain, the library's generic reverse mode, an independent MathNet formula and finite
/// differences; each stage's Jacobian from forward mode is the documented closed form.</summary>
[Properties(Arbitrary = [typeof(SigmoidNetArbitraries)], MaxTest = 100)]
public class SigmoidNetProperties
{
    /// <summary>max |a − b| / max(‖a‖∞, ‖b‖∞), or |a − b| when both are zero.</summary>
    static double RelError(IEnumerable<double> a, IEnumerable<double> b)
    {
        double diff = 0, scale = 0;
        foreach (var (p, q) in a.Zip(b, (p, q) => (p, q)))
        {
            diff = Math.Max(diff, Math.Abs(p - q));
            scale = Math.Max(scale, Math.Max(Math.Abs(p), Math.Abs(q)));
        }
        return scale == 0 ? diff : diff / scale;
    }

    static double Sigma(double t) => SigmoidNetReference.Sigma(t);
    static double SigmaPrime(double t) => SigmoidNetReference.SigmaPrime(t);

    static (double Value, DenseVector Gradient) Reference(SigmoidNetCase c) =>
        SigmoidNetReference.ValueAndGradient(c.MatrixA, c.MatrixB, c.VectorX);

    [Property]
    public Property Forward_chain_reverse_chain_and_generic_gradient_agree(SigmoidNetCase c)
    {
        var net = c.Net;
        var x = c.VectorX;
        var (vf, gf) = net.GradientForwardChain(x);
        var (vr, gr) = net.GradientReverseChain(x);
        var (vg, gg) = net.GradientGeneric(x);
        double fr = RelError(gf, gr), fg = RelError(gf, gg), rg = RelError(gr, gg);
        return (fr <= 1e-12 && fg <= 1e-12 && rg <= 1e-12 && RelError([vf, vr], [vg, vg]) <= 1e-14)
            .Label($"fwd−rev {fr:E2}, fwd−generic {fg:E2}, rev−generic {rg:E2}, values {vf} {vr} {vg}");
    }

    [Property]
    public Property Every_gradient_matches_the_MathNet_reference(SigmoidNetCase c)
    {
        var net = c.Net;
        var x = c.VectorX;
        var (value, reference) = Reference(c);
        var errors = new[] { net.GradientForwardChain(x).Gradient, net.GradientReverseChain(x).Gradient, net.GradientGeneric(x).Gradient }
            .Select(g => RelError(g, reference)).ToArray();
        double valueError = Math.Abs(net.Value(x) - value) / Math.Max(1, Math.Abs(value));
        return (errors.All(e => e <= 1e-10) && valueError <= 1e-13)
            .Label($"forward chain {errors[0]:E2}, reverse chain {errors[1]:E2}, generic {errors[2]:E2}, value {valueError:E2}");
    }

    [Property]
    public Property Generic_gradient_passes_the_finite_difference_check(SigmoidNetCase c)
    {
        var net = c.Net;
        var report = GradCheck.Check(net.Output, net.At(c.VectorX), [net.X]);
        return report.Passed.Label(report.ToString());
    }

    [Property]
    public Property Each_stage_Jacobian_from_forward_mode_is_the_closed_form(SigmoidNetCase c)
    {
        var net = c.Net;
        var x = c.VectorX;
        var primal = net.Evaluate(x);
        var closed = SigmoidNetReference.StageJacobians(net.A, net.B, x);
        DenseVector[] inputs = [x, primal.Y1, primal.Y2, primal.Y3, primal.Y4];
        DenseMatrix[] expected = [closed.J1, closed.J2, closed.J3, closed.J4, closed.J5];
        var errors = new double[5];
        for (int k = 0; k < 5; k++)
        {
            var stage = net.Stages[k];
            var jacobian = AD.JacFwd(stage.Output, Bindings.Empty.Bind(stage.Input, inputs[k]), stage.Input);
            errors[k] = jacobian.RowCount == expected[k].RowCount && jacobian.ColumnCount == expected[k].ColumnCount
                ? RelError(jacobian.AsColumnMajorArray(), expected[k].AsColumnMajorArray())
                : double.PositiveInfinity;
        }
        // The closed forms chained in the seed's order give the gradient too (as a 1×d₀ row).
        var chained = closed.J5 * closed.J4 * closed.J3 * closed.J2 * closed.J1;
        double chainError = RelError(chained.Row(0), Reference(c).Gradient);
        return (errors.All(e => e <= 1e-12) && chainError <= 1e-10)
            .Label($"stage errors {string.Join(", ", errors.Select(e => e.ToString("E2")))}; closed-form chain {chainError:E2}");
    }

    /// <summary>B with rows b and −b makes f constant (σ(t) + σ(−t) = 1): the true gradient is zero, and every method
    /// must give zero to rounding. (GradCheck's relative mode comparison cannot judge this case: see the generator.)</summary>
    [Xunit.Fact]
    public void Opposite_rows_of_B_make_f_constant_and_every_gradient_zero()
    {
        var net = new SigmoidNet(DenseMatrix.OfArray(new[,] { { -0.36, 0.7 } }), DenseMatrix.OfArray(new[,] { { 1.189 }, { -1.189 } }));
        var x = DenseVector.OfArray([-1.501, 0.25]);
        foreach (var g in new[] { net.GradientForwardChain(x), net.GradientReverseChain(x), net.GradientGeneric(x) })
        {
            Xunit.Assert.Equal(1.0, g.Value, 15);
            Xunit.Assert.True(g.Gradient.InfinityNorm() <= 1e-15, $"gradient {g.Gradient}");
        }
    }

    [Property]
    public Property Closed_form_stage_Jacobians_are_what_the_documentation_says(SigmoidNetCase c)
    {
        var closed = SigmoidNetReference.StageJacobians(c.Net.A, c.Net.B, c.VectorX);
        DenseMatrix a = c.MatrixA, b = c.MatrixB;
        var y1 = a * c.VectorX;
        var y3 = b * y1.Map(Sigma);
        bool Diagonal(DenseMatrix m, MathNet.Numerics.LinearAlgebra.Vector<double> y) =>
            m.RowCount == y.Count && m.ColumnCount == y.Count &&
            Enumerable.Range(0, y.Count).All(i => Enumerable.Range(0, y.Count).All(j =>
                Math.Abs(m[i, j] - (i == j ? SigmaPrime(y[i]) : 0)) <= 1e-14 * (i == j ? SigmaPrime(y[i]) : 0)));
        bool ok = closed.J1.Equals(a) && closed.J3.Equals(b) && Diagonal(closed.J2, y1) && Diagonal(closed.J4, y3)
            && closed.J5.RowCount == 1 && closed.J5.ColumnCount == c.D2 && closed.J5.Enumerate().All(v => v == 1);
        return ok.ToProperty();
    }
}
