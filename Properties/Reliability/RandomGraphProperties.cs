using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using Xunit.Abstractions;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>The laws every graph must obey, over random well-typed graphs of up to 40 nodes mixing every op
/// (see <see cref="GraphBuilder"/>): reverse = forward = central differences, second order through the gradient
/// graph, bit-identical repeats, and bit-identical results from 16 threads at once.</summary>
[Properties(Arbitrary = new[] { typeof(RandomGraphs) })]
public class RandomGraphProperties
{
    /// <summary>Modes against central differences: FD has round-off ε·|f|/h ≈ 4e-11·|f| on top of O(h²) truncation,
    /// so the absolute tolerance grows with the output's magnitude; the relative one is GradCheck's default. GradCheck's
    /// own forward-vs-reverse test is relative only, which fails on gradients that are exactly zero (x + (−x) feeding
    /// the rest): both modes then return rounding noise of ~1e-16 with no common digits. So that comparison is done
    /// here, element by element, with a floor.</summary>
    internal static GradCheckOptions Tolerances(double value) => new()
    {
        Atol = 1e-6 * Math.Max(1, Math.Abs(value)),
        Rtol = 1e-5,
        ModeTolerance = double.PositiveInfinity,
    };

    /// <summary>Reverse mode = forward mode (≤ 1e-10 relative, floor 1e-13 of the largest of 1, |f| and the gradient)
    /// = central differences (GradCheck, both modes, element by element).</summary>
    internal static void ReverseForwardAndDifferencesAgree(GraphRecipe recipe)
    {
        var g = recipe.Build();
        var (value, gradients) = AD.ValueAndGrad(g.Output, g.Bindings, g.Variables);
        double f = value.ToScalar();
        Assert.True(double.IsFinite(f), $"value {f} is not finite");
        double floor = 1e-13 * Math.Max(Math.Max(1, Math.Abs(f)), gradients.Max(t => MaxAbs(t.Values)));
        for (int v = 0; v < g.Variables.Length; v++)
        {
            var forward = AD.JacFwd(g.Output, g.Bindings, g.Variables[v]);
            for (int k = 0; k < gradients[v].Shape.Size; k++)
            {
                double r = gradients[v].Values[k], fw = forward[0, k];
                Assert.True(Math.Abs(r - fw) <= 1e-10 * Math.Max(Math.Abs(r), Math.Abs(fw)) + floor,
                    $"x{v}[{k}]: reverse {r:R}, forward {fw:R}");
            }
        }
        var options = Tolerances(f);
        var report = GradCheck.Check(g.Output, g.Bindings, g.Variables, options);
        if (report.Passed) return;

        // A central difference is off by h²f‴/6; a stiff graph (1 in 5,000 to 30,000: sin of a square of a sum of
        // cosines ...) has f‴ ~ 1e9 and fails on that alone, with reverse and forward agreeing to 1e-16. Such a case
        // is re-checked against Richardson's extrapolation of two central differences, (4·D(h/2) − D(h))/3, whose
        // error is O(h⁴): a wrong derivative still fails, a truncation error no longer does.
        for (int v = 0; v < g.Variables.Length; v++)
            for (int k = 0; k < gradients[v].Shape.Size; k++)
            {
                double r = gradients[v].Values[k], extrapolated = Richardson(g, g.Variables[v], k);
                Assert.True(Math.Abs(r - extrapolated) <= options.Atol + options.Rtol * Math.Abs(extrapolated),
                    $"x{v}[{k}]: reverse {r:R}, Richardson-extrapolated differences {extrapolated:R}; value {f}{Environment.NewLine}{report}");
            }
    }

    static double Richardson(BuiltGraph g, Node variable, int k)
    {
        var x = g.Bindings[variable];
        double h = GradCheck.Step(x.Values[k]);
        double Central(double step)
        {
            double F(double shift)
            {
                var copy = x.Values.ToArray();
                copy[k] += shift;
                return Evaluator.Evaluate(g.Output, g.Bindings.Rebind(variable, Tensor.FromColumnMajor(x.Shape, copy))).ToScalar();
            }
            return (F(step) - F(-step)) / (2 * step);
        }
        return (4 * Central(h / 2) - Central(h)) / 3;
    }

    /// <summary>H·d by forward-over-reverse (<see cref="AD.Hvp"/>) against central differences of the gradient along d
    /// (1e-5 relative to the size of the gradient and of H·d), and against reverse-over-reverse ∇⟨∇f, d⟩ (1e-10).</summary>
    internal static void SecondOrderAgrees(GraphRecipe recipe)
    {
        var g = recipe.Build();
        for (int v = 0; v < g.Variables.Length; v++)
        {
            var x = g.Variables[v];
            var at = g.Bindings[x];
            var d = Direction(x.Shape, v);
            var hvp = AD.Hvp(g.Output, g.Bindings, (x, d))[0].Values.ToArray();

            var gradient = Reverse.Grad(g.Output, [x])[0];
            var overReverse = Reverse.Grad((gradient * Node.Constant(d)).Sum(), [x])[0];
            var rr = Evaluator.Evaluate(overReverse, g.Bindings).Values.ToArray();

            double h = Math.Cbrt(GradCheck.Epsilon) * Math.Max(1, MaxAbs(at.Values));
            Tensor Shifted(double s) => Tensor.FromColumnMajor(x.Shape, [.. at.Values.ToArray().Select((xi, k) => xi + s * d.Values[k])]);
            double[] Central(double step)
            {
                var plus = Evaluator.Evaluate(gradient, g.Bindings.Rebind(x, Shifted(step))).Values.ToArray();
                var minus = Evaluator.Evaluate(gradient, g.Bindings.Rebind(x, Shifted(-step))).Values.ToArray();
                return [.. plus.Select((p, k) => (p - minus[k]) / (2 * step))];
            }
            var fd = Central(h);
            double[]? extrapolated = null;   // as in the first-order law: only for stiff graphs, where h²f⁗ dominates
            var g0 = Evaluator.Evaluate(gradient, g.Bindings).Values;

            double scale = Math.Max(1, Math.Max(MaxAbs(hvp), MaxAbs(g0)));
            for (int k = 0; k < hvp.Length; k++)
            {
                if (Math.Abs(hvp[k] - fd[k]) > 1e-5 * scale)
                {
                    extrapolated ??= [.. Central(h / 2).Zip(fd, (half, full) => (4 * half - full) / 3)];
                    Assert.True(Math.Abs(hvp[k] - extrapolated[k]) <= 1e-5 * scale,
                        $"x{v}[{k}]: H·d = {hvp[k]:R} by forward-over-reverse, {fd[k]:R} by central differences of the gradient, " +
                        $"{extrapolated[k]:R} extrapolated");
                }
                Assert.True(Math.Abs(hvp[k] - rr[k]) <= 1e-10 * scale,
                    $"x{v}[{k}]: H·d = {hvp[k]:R} by forward-over-reverse, {rr[k]:R} by reverse-over-reverse");
            }
        }
    }

    /// <summary>A fixed direction in [−1, 1] for the second-order check (deterministic: replays stay exact).</summary>
    static Tensor Direction(Shape shape, int salt)
    {
        var rng = new Random(977 + salt);
        return Tensor.FromColumnMajor(shape, [.. Enumerable.Range(0, shape.Size).Select(_ => 2 * rng.NextDouble() - 1)]);
    }

    static double MaxAbs(ReadOnlySpan<double> values)
    {
        double m = 0;
        foreach (var v in values) m = Math.Max(m, Math.Abs(v));
        return m;
    }

    /// <summary>Everything one call computes: value, gradients (reverse), a JVP (forward) and an HVP, as raw bits.</summary>
    static long[] Fingerprint(BuiltGraph g)
    {
        var (value, gradients) = AD.ValueAndGrad(g.Output, g.Bindings, g.Variables);
        var tangents = g.Variables.Select((v, i) => (v, Direction(v.Shape, i))).ToArray();
        var (_, jvp) = AD.Jvp([g.Output], g.Bindings, tangents);
        var hvp = AD.Hvp(g.Output, g.Bindings, (g.Variables[0], Direction(g.Variables[0].Shape, 0)))[0];
        return [.. new[] { value }.Concat(gradients).Concat(jvp).Append(hvp)
            .SelectMany(t => t.Values.ToArray()).Select(BitConverter.DoubleToInt64Bits)];
    }

    [Property(MaxTest = 2000)]
    public void Reverse_mode_equals_forward_mode_equals_central_differences(GraphRecipe recipe) =>
        ReverseForwardAndDifferencesAgree(recipe);

    [Property(MaxTest = 500)]
    public void Hessian_vector_products_through_the_gradient_graph_match_differences_of_the_gradient(GraphRecipe recipe) =>
        SecondOrderAgrees(recipe);

    [Property(MaxTest = 300)]
    public void Evaluating_and_differentiating_twice_is_bit_identical(GraphRecipe recipe)
    {
        var g = recipe.Build();
        Assert.Equal(Fingerprint(g), Fingerprint(g));
        // The same output nodes evaluated twice, without rebuilding anything.
        Node[] outputs = [g.Output, .. Reverse.Grad(g.Output, g.Variables)];
        var first = Evaluator.Evaluate(outputs, g.Bindings);
        var second = Evaluator.Evaluate(outputs, g.Bindings);
        for (int i = 0; i < outputs.Length; i++)
            Assert.Equal(first[i].Values.ToArray().Select(BitConverter.DoubleToInt64Bits), second[i].Values.ToArray().Select(BitConverter.DoubleToInt64Bits));
    }

    [Property(MaxTest = 100)]
    public void Sixteen_threads_at_once_give_the_bits_of_a_sequential_run(GraphRecipe recipe)
    {
        const int threads = 16;
        var g = recipe.Build();
        var sequential = Fingerprint(g);
        var results = new long[threads][];
        var errors = new Exception?[threads];
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                results[t] = Fingerprint(g);
            }
            catch (Exception e) { errors[t] = e; }
        })).ToArray();
        foreach (var w in workers) w.Start();
        foreach (var w in workers) w.Join();
        for (int t = 0; t < threads; t++)
        {
            Assert.Null(errors[t]);
            Assert.Equal(sequential, results[t]);
        }
    }
}

/// <summary>The long run: <c>AUTODIFF_SOAK=100000 dotnet test -c Release --filter Category=Soak</c>. Without the
/// variable it returns at once, so the default suite does not pay for it. Add
/// <c>AUTODIFF_SOAK_REPLAY="seed,gamma"</c> to rerun a failed soak's sequence.</summary>
public class RandomGraphSoak(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Soak")]
    public void Soak_reverse_forward_differences_and_second_order_over_many_random_graphs()
    {
        if (Environment.GetEnvironmentVariable("AUTODIFF_SOAK") is not { Length: > 0 } text) return;
        int count = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        var config = Config.QuickThrowOnFailure.WithMaxTest(count).WithQuietOnSuccess(true);
        // AUTODIFF_SOAK_REPLAY="seed,gamma" (as printed by a failure) reruns the same sequence of graphs.
        if (Environment.GetEnvironmentVariable("AUTODIFF_SOAK_REPLAY") is { Length: > 0 } replay)
        {
            var parts = replay.Trim('(', ')', ' ').Split(',');
            config = config.WithReplay(ulong.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
                                       ulong.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        var clock = Stopwatch.StartNew();
        Check.One(config,
            Prop.ForAll(RandomGraphs.GraphRecipe(), (GraphRecipe recipe) =>
            {
                RandomGraphProperties.ReverseForwardAndDifferencesAgree(recipe);
                RandomGraphProperties.SecondOrderAgrees(recipe);
            }));
        output.WriteLine($"soak: {count} random graphs passed reverse = forward = FD and second order in {clock.Elapsed.TotalSeconds:F0} s");
    }
}

public class RandomGraphCoverage
{
    /// <summary>The generator reaches every op and variant it claims to: a guard against a refactoring that silently
    /// narrows the mix (500 graphs; the rarest entry appears in about 1 graph in 20).</summary>
    [Fact]
    public void The_generator_reaches_every_op_and_variant()
    {
        var seen = new HashSet<string>();
        foreach (var recipe in RandomGraphs.Recipe.Sample(500))
            foreach (var node in Topology.Of([recipe.Build().Output]).Order)
                seen.Add(node.Op switch
                {
                    AutoDiff.Functional.Ops.Gather gather => gather.Description.Split('(')[0] + (gather.Description.Contains(',') && gather.Description.StartsWith("At") ? "(i, j)" : ""),
                    AutoDiff.Functional.Ops.MatMul m => $"{m}{(node.Inputs[1].Shape.Rank == 1 ? "·vector" : "")}",
                    AutoDiff.Functional.Ops.Broadcast b => $"Broadcast(axis {b.Axis})",
                    AutoDiff.Functional.Ops.Pow p => p.Exponent == Math.Floor(p.Exponent) ? "Pow(integer)" : "Pow(fractional)",
                    Variable => "Variable",
                    _ => node.Op.Name,
                });
        string[] expected =
        [
            "Exp", "Log", "Sin", "Cos", "Sqrt", "Square", "Pow(integer)", "Pow(fractional)", "Sigmoid", "Tanh", "Neg",
            "Add", "Sub", "Mul", "Div", "MatMul", "MatMul(Aᵀ·B)", "MatMul(A·Bᵀ)", "MatMul(Aᵀ·Bᵀ)", "MatMul·vector", "MatMul(Aᵀ·B)·vector",
            "Sum", "SumAxis", "LogSumExp", "At", "At(i, j)", "Row", "Column", "PickPerRow",
            "Broadcast(axis 0)", "Broadcast(axis 1)", "Fill", "Reshape", "Transpose", "Variable", "Constant",
        ];
        Assert.Empty(expected.Except(seen));
    }
}
