using AutoDiff.Functional.Models;
using AutoDiff.Functional.Report;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>The four mistakes of the worked attempt in seed 000, each shown impossible or caught.</summary>
[Properties(Arbitrary = [typeof(RegressionArbs), typeof(SoftmaxArbs), typeof(FactorisationArbs), typeof(SeedMistakesArbs)], MaxTest = 100)]
public class SeedMistakesProperties
{
    // ── Mistake 1: silent shape bugs ────────────────────────────────────────────────────────────────────

    [Fact]
    public void Mistake1_y_100x1_minus_the_seeds_2_predictions_is_an_error_naming_both_shapes()
    {
        var w = Node.Variable("w", Shape.Vector(5));
        var X = Node.Variable("X", Shape.Matrix(100, 2));
        var y = Node.Variable("y", Shape.Matrix(100, 1));
        // The seed's x[0] on a 100×2 matrix: the first sample (2 values), not the first feature.
        var x = X.Row(0);
        var f = (w.At(0) * x + w.At(1)).Cos();
        Assert.Equal(Shape.Vector(2), f.Shape);

        var e = Assert.Throws<ShapeException>(() => y - f);
        Assert.Contains("(100×1)", e.Message);
        Assert.Contains("(2)", e.Message);
    }

    [Fact]
    public void Mistake1_y_100x1_minus_100_predictions_is_an_error_too()
    {
        var y = Node.Variable("y", Shape.Matrix(100, 1));
        var f = NonlinearRegression.F(Node.Variable("w", Shape.Vector(5)), Node.Variable("X", Shape.Matrix(100, 2)));
        Assert.Equal(Shape.Vector(100), f.Shape);
        var e = Assert.Throws<ShapeException>(() => y - f);
        Assert.Contains("(100×1)", e.Message);
        Assert.Contains("(100)", e.Message);
    }

    [Property]
    public void Mistake1_a_column_matrix_never_broadcasts_against_a_vector(PositiveInt rows, PositiveInt length)
    {
        int m = 1 + rows.Get % 200, n = 1 + length.Get % 200;
        var a = Node.Variable("a", Shape.Matrix(m, 1));
        var b = Node.Variable("b", Shape.Vector(n));
        foreach (var make in new Func<Node>[] { () => a - b, () => b - a, () => a + b, () => a * b, () => a / b })
        {
            var e = Assert.Throws<ShapeException>(make);
            Assert.Contains($"({m}×1)", e.Message);
            Assert.Contains($"({n})", e.Message);
        }
    }

    [Fact]
    public void Mistake1b_Column0_of_a_100x2_data_matrix_is_the_100_values_of_feature_0()
    {
        var data = new double[100, 2];
        for (int i = 0; i < 100; i++) (data[i, 0], data[i, 1]) = (i, -1000 - i);
        var X = Node.Variable("X", Shape.Matrix(100, 2));
        var at = Bindings.Empty.Bind(X, Tensor.Matrix(data));

        var feature0 = Evaluator.Evaluate(X.Column(0), at);
        Assert.Equal(Shape.Vector(100), feature0.Shape);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (double)i), feature0.Values.ToArray());
        Assert.Equal([0.0, -1000.0], Evaluator.Evaluate(X.Row(0), at).Values.ToArray()); // the seed's x[0]
    }

    [Property]
    public void Mistake1b_the_model_predicts_one_value_per_sample(RegressionCase c)
    {
        var model = NonlinearRegression.Build(c.M);
        var (w, X, y) = c.Tensors;
        var f = Evaluator.Evaluate(model.Prediction, model.Bind(w, X, y));
        var (rw, rX, _) = c.MathNet;
        Assert.Equal(Shape.Vector(c.M), f.Shape);
        Assert.True(Seed000Draw.RelError(f.Values, RegressionReference.F(rw, rX).AsArray()) <= 1e-14);
    }

    // ── Mistake 2: the wrong reference gradient ─────────────────────────────────────────────────────────

    /// <summary>The seed's "analytic gradient": the mean over samples of ∂f/∂w, which is not ∇MSE.</summary>
    static Vector<double> SeedsWrongReference(Vector<double> w, Matrix<double> X) =>
        RegressionReference.ModelJacobian(w, X).ColumnSums() / X.RowCount;

    /// <summary>The check a test applies to a candidate reference: per-element float64 central differences of the
    /// loss (independent of the library) and the library's reverse-mode gradient must both agree with it.</summary>
    static bool ReferenceIsAccepted(Vector<double> candidate, RegressionCase c)
    {
        var (rw, rX, ry) = c.MathNet;
        var fd = Vector<double>.Build.Dense(5, j =>
        {
            double h = GradCheck.Step(rw[j]);
            Vector<double> wp = rw.Clone(), wm = rw.Clone();
            wp[j] += h;
            wm[j] -= h;
            return (RegressionReference.Loss(wp, rX, ry) - RegressionReference.Loss(wm, rX, ry)) / (wp[j] - wm[j]);
        });
        var model = NonlinearRegression.Build(c.M);
        var (w, X, y) = c.Tensors;
        var ad = AD.Grad(model.Loss, model.Bind(w, X, y), model.W)[0];
        return (candidate - fd).InfinityNorm() <= 1e-6 * Math.Max(1, fd.InfinityNorm())
            && Seed000Draw.RelError(candidate.AsArray(), ad.Values) <= 1e-10;
    }

    [Property]
    public void Mistake2_the_gradient_of_the_MSE_is_accepted_by_finite_differences_and_reverse_mode(RegressionCase c)
    {
        var (rw, rX, ry) = c.MathNet;
        Assert.True(ReferenceIsAccepted(RegressionReference.Gradient(rw, rX, ry), c));
    }

    // With one sample the two can coincide (when y − f = −1/2), so the rejection is claimed on 10–30 samples.
    [Property]
    public void Mistake2_the_seeds_reference_is_rejected_on_data_like_the_seeds(SeedLikeRegression s) =>
        Assert.False(ReferenceIsAccepted(SeedsWrongReference(s.Case.MathNet.W, s.Case.MathNet.X), s.Case));

    [Fact]
    public void Mistake2_on_the_seeds_own_setting_the_test_catches_the_wrong_reference()
    {
        // m = 100, w = 0.5 everywhere as in the seed; deterministic data in place of the seed's random draws.
        var X = new double[100, 2];
        var y = new double[100];
        for (int i = 0; i < 100; i++) (X[i, 0], X[i, 1], y[i]) = (Math.Sin(1.3 * i), Math.Cos(0.7 * i + 1), Math.Sin(2.1 * i + 0.3));
        var c = new RegressionCase([0.5, 0.5, 0.5, 0.5, 0.5], X, y);
        var (rw, rX, ry) = c.MathNet;
        Assert.True(ReferenceIsAccepted(RegressionReference.Gradient(rw, rX, ry), c));
        Assert.False(ReferenceIsAccepted(SeedsWrongReference(rw, rX), c));
    }

    // ── Mistake 3: useless finite differences ───────────────────────────────────────────────────────────

    [Fact]
    public void Mistake3_GradCheck_on_the_seeds_own_softmax_example_passes_against_the_closed_form()
    {
        double[,] X = { { 1, 2 }, { 3, 4 } }, W = { { 0.1, 0.2 }, { 0.3, 0.4 } };
        double[] b = [0.1, 0.2];
        int[] labels = [0, 1];
        var model = SoftmaxClassifier.BuildLinear(2, 2, labels);
        var at = model.Bind(Tensor.Matrix(X), Tensor.Matrix(W), Tensor.Vector(b));
        var report = GradCheck.Check(model.Loss, at, [model.W, model.B]);
        Assert.True(report.Passed, report.ToString());
        // Float64 per-element differences agree with reverse mode to ~1e-9, not the seed's "0 or −0.0298".
        Assert.All(report.Variables, v => Assert.True(v.ReverseVsFdAbs < 1e-8, report.ToString()));

        var (_, gradW, gradB) = SoftmaxReference.Gradient(X, W, b, labels);
        var grads = AD.Grad(model.Loss, at, model.W, model.B);
        Assert.True(Seed000Draw.RelError(grads[0].Values, Seed000Draw.ColumnMajor(gradW)) <= 1e-12);
        Assert.True(Seed000Draw.RelError(grads[1].Values, gradB) <= 1e-12);
    }

    [Property]
    public void Mistake3_perturbing_one_element_of_a_matrix_moves_only_that_elements_difference(SoftmaxCase c)
    {
        // L(W) = Σ C⊙W with all Cᵢⱼ distinct: the exact derivative is Cᵢⱼ per element. Differences that perturbed a
        // whole row (the seed's flat index on a 2-D array) would give row sums and fail the tight tolerance.
        var (_, n, k) = c.Dims;
        var coefficients = new double[n, k];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < k; j++) coefficients[i, j] = 1 + i + 10 * j;
        var W = Node.Variable("W", Shape.Matrix(n, k));
        var loss = (Node.Constant(Tensor.Matrix(coefficients)) * W).Sum();
        // A central difference of L carries round-off of a few ε·Σ|CᵢⱼWᵢⱼ|/h (up to ~4e-7 here); a row-wise
        // perturbation would be off by at least 1, the smallest coefficient.
        double sumAbs = 0, maxAbs = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < k; j++) (sumAbs, maxAbs) = (sumAbs + Math.Abs(coefficients[i, j] * c.W[i, j]), Math.Max(maxAbs, Math.Abs(c.W[i, j])));
        double roundOff = 8 * GradCheck.Epsilon * sumAbs / GradCheck.Step(maxAbs);
        var report = GradCheck.Check(loss, Bindings.Empty.Bind(W, Tensor.Matrix(c.W)), [W],
            new GradCheckOptions { Atol = 1e-9 + roundOff, Rtol = 1e-9 });
        Assert.True(report.Passed, report.ToString());
    }

    [Property]
    public void Mistake3_the_difference_step_is_cbrt_eps_times_max_1_x_in_float64(CubeCentre centre)
    {
        // L(x) = (x − a)³ at x = a: the derivative is 0, and the central difference is exactly h² (up to rounding
        // ~1e-10 relative), so GradCheck's reported error reveals its step h.
        double a = centre.A;
        var x = Node.Variable("x", Shape.Scalar);
        var d = x - a;
        var report = GradCheck.Check(d * d * d, Bindings.Empty.Bind(x, a), [x]);
        double h = Math.Cbrt(GradCheck.Epsilon) * Math.Max(1, Math.Abs(a));
        double reported = report.Variables[0].ReverseVsFdAbs;
        Assert.True(Math.Abs(reported - h * h) <= 1e-6 * h * h, $"reported {reported:E6}, h² = {h * h:E6}");
        Assert.Equal(6.055454452393343e-6, Math.Cbrt(GradCheck.Epsilon), 1e-18);
    }

    // ── Mistake 4: misleading timings ───────────────────────────────────────────────────────────────────

    /// <summary>Which calls are timed, with a stand-in clock that records the call it timed and returns its number
    /// as the "milliseconds": no wall clock, so no load can fail it. The same with a real 300 ms first call:
    /// <c>dotnet Bench/bin/Release/net10.0/Bench.dll --median-check</c>.</summary>
    [Fact]
    public void Mistake4_MedianMs_never_times_the_first_call()
    {
        int calls = 0;
        var timed = new List<int>();
        void Action() => calls++;
        double Clock(Action action)
        {
            action();
            timed.Add(calls);
            return calls;
        }
        // No warm-up asked for: one is done anyway, and only the second call is timed.
        Assert.Equal(2, ReportWriter.MedianMs(Action, warmup: 0, repeats: 1, Clock));
        Assert.Equal(2, calls);
        Assert.Equal([2], timed);

        (calls, timed) = (0, []);
        Assert.Equal(6, ReportWriter.MedianMs(Action, warmup: 3, repeats: 5, Clock));   // the median of 4 … 8
        Assert.Equal(8, calls);
        Assert.Equal([4, 5, 6, 7, 8], timed);
    }

    [Property]
    public void Mistake4_one_backward_pass_yields_both_factor_gradients(FactorisationCase c)
    {
        var (m, n, k) = c.Dims;
        var model = MatrixFactorisation.Build(m, n, k, c.Lambda);
        var passes = new List<Node[]>();
        var gradient = MatrixFactorisation.Gradient(model, (output, wrt) =>
        {
            passes.Add([.. wrt]);
            return Reverse.Grad(output, wrt);
        });
        var (_, gradU, gradV) = gradient.Evaluate(model.Bind(Tensor.Matrix(c.X), Tensor.Matrix(c.U), Tensor.Matrix(c.V)));

        var pass = Assert.Single(passes);
        Assert.Equal([model.U, model.V], pass);
        var (X, U, V) = c.MathNet;
        var (_, refU, refV) = FactorisationReference.Gradient(X, U, V, c.Lambda);
        Assert.True(Seed000Draw.RelError(gradU.Values, refU.ToColumnMajorArray()) <= 1e-10);
        Assert.True(Seed000Draw.RelError(gradV.Values, refV.ToColumnMajorArray()) <= 1e-10);
    }
}

/// <summary>A regression case the size of the seed's problem class: 10–30 samples.</summary>
public sealed record SeedLikeRegression(RegressionCase Case)
{
    /// <inheritdoc/>
    public override string ToString() => Case.ToString();
}

/// <summary>The centre a of the cube (x − a)³.</summary>
public sealed record CubeCentre(double A)
{
    /// <inheritdoc/>
    public override string ToString() => $"a={A:R}";
}

/// <summary>Arbitraries for the seed-mistake properties.</summary>
public static class SeedMistakesArbs
{
    /// <summary>m in 10–30, values as in <see cref="RegressionArbs"/>.</summary>
    public static Arbitrary<SeedLikeRegression> SeedLike() => Arb.From(
        RegressionArbs.Cases(10, 30).Select(c => new SeedLikeRegression(c)),
        s => Seed000Draw.Simpler(s.Case.W).Select(w => new SeedLikeRegression(s.Case with { W = w })));

    /// <summary>a = ±mantissa·10^e with e in −3..3: both sides of |a| = 1, where the step changes rule.</summary>
    public static Arbitrary<CubeCentre> Centre() => Arb.From(
        from mantissa in Gen.Choose(1, 9999)
        from exponent in Gen.Choose(-3, 3)
        from sign in Gen.Elements(-1.0, 1.0)
        select new CubeCentre(sign * mantissa / 1000.0 * Math.Pow(10, exponent)),
        c => c.A is 1 or -1 ? [] : [new CubeCentre(Math.Sign(c.A))]);
}
