using System.Diagnostics;
using AutoDiff.Functional.Properties.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using Xunit.Abstractions;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>The laws every graph must obey, over random well-typed graphs of up to 40 nodes in which every op kind can
/// appear (see <see cref="GraphBuilder"/> and <see cref="RandomGraphCoverage"/>): the value is the same by every
/// interpreter, reverse = forward = Richardson-extrapolated central differences element by element, second order
/// (forward-over-reverse = reverse-over-reverse = extrapolated differences of the gradient), bit-identical repeats,
/// and bit-identical results from 16 threads at once. Differences are taken of the frozen graph
/// (<see cref="GraphRecipe.BuildFrozen"/>), in which a stopped gradient is the constant it stands for.
/// Every tolerance is relative to the sizes of the terms of the quantity compared: the output is a sum of terms
/// Tₜ (<see cref="BuiltGraph.Terms"/>), and ∂Tₜ/∂xₖ are computed one by one, so a derivative that is small because
/// its terms cancel is compared at the size of its terms, and one that is small in itself (σ′ far out) at its own.</summary>
[Properties(Arbitrary = new[] { typeof(RandomGraphs) })]
public class RandomGraphProperties
{
    /// <summary>The step of the differences: h = ∛ε·max(1, |x|), as GradCheck's.</summary>
    static double Step(double x) => GradCheck.Step(x);

    /// <summary>Round-off of one extrapolated difference (4·D(h/2) − D(h))/3 of a term whose values are of size |T|
    /// (its largest node, <see cref="InnerValues"/>): each evaluation is off by at most 64ε|T| (64 roundings of that
    /// size along its ≤ 40 nodes), and the combination divides 4·2 + 2 such errors by 3·h: 3.4·64ε|T|/h, taken as
    /// 256ε|T|/h.</summary>
    static double RoundOff(double termSize, double h) => 256 * GradCheck.Epsilon * termSize / h;

    /// <summary>The largest value of any node of the derivative graphs <paramref name="roots"/>: the size of the terms
    /// a derivative sums inside one op or between ops (Σ softmax(x) = 1 has a gradient of O(1) cotangents summing to 0),
    /// which the output's terms cannot show. The two modes round differently by a few ulps of these.</summary>
    static double InnerScale(IReadOnlyList<Node> roots, Bindings bindings)
    {
        var inner = Topology.Of(roots).Order.Where(n => !n.IsLeaf).ToArray();
        return inner.Length == 0 ? 0 : Evaluator.Evaluate(inner, bindings).Max(MaxAbs);
    }

    /// <summary>For each term, the largest magnitude among the values of its nodes: its evaluation rounds at that size
    /// (log(1.0015) is off by ε, not by ε·0.0015), so a difference of it has round-off of that size.</summary>
    static double[] InnerValues(BuiltGraph g)
    {
        var all = Topology.Of([g.Output]).Order;
        var values = Evaluator.Evaluate(all, g.Bindings);
        var size = new Dictionary<Node, double>(ReferenceEqualityComparer.Instance);
        for (int n = 0; n < all.Length; n++) size[all[n]] = MaxAbs(values[n]);
        return [.. g.Terms.Select(t => Topology.Of([t]).Order.Max(n => size[n]))];
    }

    /// <summary>Value by the evaluator, by reverse mode and by forward mode (bit for bit: one forward rule each), and of
    /// the frozen graph; reverse mode = forward mode to 1e-12 of the gradient's terms plus 1e-14 of the inner terms
    /// (<see cref="InnerScale"/>; both modes sum the same products of local derivatives, in different orders: a few
    /// ulps of each, with 10²–10³ ulps of room); reverse mode =
    /// extrapolated central differences of the frozen graph to 1e-8 of the gradient's terms (the O(h⁴) truncation,
    /// h⁴ ≈ 1e-21, times derivatives of order 5 at most ~1e13 relative on these guarded domains) plus the round-off
    /// of the terms' differences (see <see cref="RoundOff"/>) and the AD side's own, 1e-14 of the inner terms.</summary>
    internal static void ReverseForwardAndDifferencesAgree(GraphRecipe recipe)
    {
        var g = recipe.Build();
        var frozen = recipe.BuildFrozen();
        var (value, gradients) = AD.ValueAndGrad(g.Output, g.Bindings, g.Variables);
        double f = value.ToScalar();
        Assert.True(double.IsFinite(f), $"value {f} is not finite");
        var tangents = g.Variables.Select((v, i) => (v, Direction(v.Shape, i))).ToArray();
        var byForward = AD.Jvp([g.Output], g.Bindings, tangents).Values[0].ToScalar();
        var byEvaluator = Evaluator.Evaluate(g.Output, g.Bindings).ToScalar();
        var ofFrozen = Evaluator.Evaluate(frozen.Output, frozen.Bindings).ToScalar();
        Assert.True(f.Equals(byEvaluator) && f.Equals(byForward) && f.Equals(ofFrozen),
            $"value {f:R} by reverse mode, {byEvaluator:R} by the evaluator, {byForward:R} by forward mode, {ofFrozen:R} frozen");

        var termValues = InnerValues(frozen);
        // The gradient graph and the JVP graph: every cotangent and every tangent of the graph.
        double inner = InnerScale([.. Reverse.Grad(g.Output, g.Variables),
            .. ForwardMode.Jvp([g.Output], [.. tangents.Select(t => (t.v, Node.Constant(t.Item2)))])], g.Bindings);
        var termGradients = g.Terms.Select(t => AD.Grad(t, g.Bindings, g.Variables)).ToArray();
        for (int v = 0; v < g.Variables.Length; v++)
        {
            var forward = AD.JacFwd(g.Output, g.Bindings, g.Variables[v]);
            var x = frozen.Variables[v];
            var at = frozen.Bindings[x];
            for (int k = 0; k < gradients[v].Shape.Size; k++)
            {
                double terms = termGradients.Sum(t => Math.Abs(t[v].Values[k]));
                double r = gradients[v].Values[k], fw = forward[0, k];
                Assert.True(Math.Abs(r - fw) <= 1e-12 * terms + 1e-14 * inner,
                    $"x{v}[{k}]: reverse {r:R}, forward {fw:R}; terms of size {terms:E3}, inner terms {inner:E3}");

                double h = Step(at.Values[k]);
                var (difference, reads) = Richardson(frozen, x, k, h);
                // A term that depends on xₖ has round-off even when its change is lost in it (tanh at 12).
                double roundOff = RoundOff(termValues.Where((_, t) => reads[t] || termGradients[t][v].Values[k] != 0).Sum(), h);
                Assert.True(Math.Abs(r - difference) <= 1e-8 * terms + 1e-14 * inner + roundOff,
                    $"x{v}[{k}]: reverse {r:R}, extrapolated differences {difference:R}; terms of size {terms:E3}, round-off {roundOff:E3}");
            }
        }
    }

    /// <summary>(4·D(h/2) − D(h))/3 with D(h) = (F(x + h·eₖ) − F(x − h·eₖ))/2h, whose error is O(h⁴), summed over the
    /// terms of F one by one; and which terms changed at all (only they have round-off).</summary>
    static (double Difference, bool[] Reads) Richardson(BuiltGraph g, Node variable, int k, double h)
    {
        var x = g.Bindings[variable];
        double[] At(double shift)
        {
            var copy = x.Values.ToArray();
            copy[k] += shift;
            return [.. Evaluator.Evaluate(g.Terms, g.Bindings.Rebind(variable, Tensor.FromColumnMajor(x.Shape, copy))).Select(t => t.ToScalar())];
        }
        double[] p1 = At(h), m1 = At(-h), p2 = At(h / 2), m2 = At(-h / 2);
        double sum = 0;
        var reads = new bool[g.Terms.Length];
        for (int t = 0; t < g.Terms.Length; t++)
        {
            double full = (p1[t] - m1[t]) / (2 * h), half = (p2[t] - m2[t]) / h;
            sum += (4 * half - full) / 3;
            reads[t] = p1[t] != m1[t] || p2[t] != m2[t];
        }
        return (sum, reads);
    }

    /// <summary>H·d by forward-over-reverse (<see cref="AD.Hvp"/>) = reverse-over-reverse ∇⟨∇f, d⟩ to 1e-10 of the
    /// terms ΣₜΣ|(Hₜd)ᵢ| plus 1e-13 of the second-order graphs' inner terms (<see cref="InnerScale"/>; H·d is a sum of
    /// products of first and second local derivatives, summed in two orders) =
    /// extrapolated central differences of the frozen graph's gradient along d, to 1e-7 of the terms (O(h⁴) truncation
    /// of a derivative one order higher than in the first-order law) plus their round-off, 256ε/h times the larger of
    /// Σₜ|∇Tₜ| and the gradient graph's inner values.</summary>
    internal static void SecondOrderAgrees(GraphRecipe recipe)
    {
        var g = recipe.Build();
        var frozen = recipe.BuildFrozen();
        for (int v = 0; v < g.Variables.Length; v++)
        {
            var x = g.Variables[v];
            var at = g.Bindings[x];
            var d = Direction(x.Shape, v);
            var hvp = AD.Hvp(g.Output, g.Bindings, (x, d))[0].Values.ToArray();

            var gradient = Reverse.Grad(g.Output, [x])[0];
            var overReverse = Reverse.Grad((gradient * Node.Constant(d)).Sum(), [x])[0];
            var rr = Evaluator.Evaluate(overReverse, g.Bindings).Values.ToArray();

            var fx = frozen.Variables[v];
            var frozenGradient = Reverse.Grad(frozen.Output, [fx])[0];
            // Each term's gradient and H·d, for the sizes the tolerances scale with.
            var termGradients = g.Terms.Select(t => Reverse.Grad(t, [x])[0]).ToArray();
            var termHvps = ForwardMode.Jvp(termGradients, [(x, Node.Constant(d))]);
            var sizes = Evaluator.Evaluate([.. termGradients, .. termHvps], g.Bindings);
            double GradientTerms(int k) => sizes.Take(g.Terms.Length).Sum(t => Math.Abs(t.Values[k]));
            double HvpTerms(int k) => sizes.Skip(g.Terms.Length).Sum(t => Math.Abs(t.Values[k]));
            double inner = InnerScale([overReverse, .. ForwardMode.Jvp([gradient], [(x, Node.Constant(d))])], g.Bindings);
            // The gradient is evaluated from inner values that may cancel (Σ softmax): its round-off is of their size.
            var gradientNodes = Topology.Of([frozenGradient]).Order.Where(n => !n.IsLeaf).ToArray();
            double innerValues = gradientNodes.Length == 0 ? 0 : Evaluator.Evaluate(gradientNodes, frozen.Bindings).Max(MaxAbs);

            double h = Math.Cbrt(GradCheck.Epsilon) * Math.Max(1, MaxAbs(at.Values));
            Tensor Shifted(double s) => Tensor.FromColumnMajor(x.Shape, [.. at.Values.ToArray().Select((xi, k) => xi + s * d.Values[k])]);
            double[] Central(double step)
            {
                var plus = Evaluator.Evaluate(frozenGradient, frozen.Bindings.Rebind(fx, Shifted(step))).Values.ToArray();
                var minus = Evaluator.Evaluate(frozenGradient, frozen.Bindings.Rebind(fx, Shifted(-step))).Values.ToArray();
                return [.. plus.Select((p, k) => (p - minus[k]) / (2 * step))];
            }
            var extrapolated = Central(h / 2).Zip(Central(h), (half, full) => (4 * half - full) / 3).ToArray();

            for (int k = 0; k < hvp.Length; k++)
            {
                double terms = HvpTerms(k), roundOff = RoundOff(Math.Max(GradientTerms(k), innerValues), h);
                Assert.True(Math.Abs(hvp[k] - rr[k]) <= 1e-10 * terms + 1e-13 * inner,
                    $"x{v}[{k}]: H·d = {hvp[k]:R} by forward-over-reverse, {rr[k]:R} by reverse-over-reverse; terms {terms:E3}, inner {inner:E3}");
                Assert.True(Math.Abs(hvp[k] - extrapolated[k]) <= 1e-7 * terms + 1e-13 * inner + roundOff,
                    $"x{v}[{k}]: H·d = {hvp[k]:R} by forward-over-reverse, {extrapolated[k]:R} by extrapolated differences " +
                    $"of the gradient; terms {terms:E3}, round-off {roundOff:E3}");
            }
        }
    }

    /// <summary>A fixed direction in [−1, 1] for the second-order check (deterministic: replays stay exact).</summary>
    static Tensor Direction(Shape shape, int salt)
    {
        var rng = new Random(977 + salt);
        return Tensor.FromColumnMajor(shape, [.. Enumerable.Range(0, shape.Size).Select(_ => 2 * rng.NextDouble() - 1)]);
    }

    /// <summary>The largest magnitude of a value; int32 data (fixed indices) is no value, and counts as 0.</summary>
    static double MaxAbs(Tensor t) => t.DType == DType.Int32 ? 0 : MaxAbs(t.Values);

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
/// variable it is reported as skipped (with that command as the reason), so the default suite does not pay for it. Add
/// <c>AUTODIFF_SOAK_REPLAY="seed,gamma"</c> to rerun a failed soak's sequence.</summary>
public class RandomGraphSoak(ITestOutputHelper output)
{
    [WhenSetFact("AUTODIFF_SOAK", "100000")]
    [Trait("Category", "Soak")]
    public void Soak_reverse_forward_differences_and_second_order_over_many_random_graphs()
    {
        int count = int.Parse(Environment.GetEnvironmentVariable("AUTODIFF_SOAK")!, System.Globalization.CultureInfo.InvariantCulture);
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

public class RandomGraphCoverage(ITestOutputHelper output)
{
    static readonly System.Reflection.Assembly[] Engine = [typeof(Op).Assembly, typeof(Functional.Ops.Add).Assembly];

    /// <summary>Ops no random graph builds, each with the reason. Every other op, including those that only
    /// derivatives build (AddN accumulating cotangents, LoopReverse, ImplicitLinear), is reached.</summary>
    static readonly Dictionary<Type, string> Excluded = new()
    {
        // The decompositions' derivatives exist only on well-separated spectra, full rank and fixed pivots; random
        // graphs give no bound on those, so the op table's rows check them on domains built for it (OpTable.Decompositions).
        [typeof(Functional.Ops.Eigh)] = "eigenvector derivatives need well-separated eigenvalues",
        [typeof(Functional.Ops.Svd)] = "singular vector derivatives need well-separated nonzero singular values",
        [typeof(Functional.Ops.Qr)] = "needs full column rank, with a margin for the laws' steps",
        [typeof(Functional.Ops.Lu)] = "pivots must win by a margin, or differences cross a pivot change",
        [typeof(Functional.Ops.ArgMin)] = "its positions jump where two elements tie, and differences would cross such a jump (as Lu's pivots); the op table's rows check it, ties included",
    };

    /// <summary>Every concrete op of the Graph and Ops assemblies appears in the graphs (with their gradient and JVP
    /// graphs) of 500 random recipes, or is listed in <see cref="Excluded"/> with its reason: a new op fails this test
    /// until the generator builds it. The counts are printed (the rarest kinds appear in a few dozen graphs).</summary>
    [Fact]
    public void The_generator_reaches_every_op_kind()
    {
        var counts = new Dictionary<Type, int>();
        foreach (var recipe in RandomGraphs.Recipe.Sample(500))
        {
            var g = recipe.Build();
            var gradients = Reverse.Grad(g.Output, g.Variables);
            var jvp = ForwardMode.Jvp([g.Output], [.. g.Variables.Select(v => (v, Node.Constant(Tensor.Filled(v.Shape, 1))))]);
            foreach (var type in Topology.Of([g.Output, .. gradients, .. jvp]).Order.Select(n => n.Op.GetType()).Distinct())
                counts[type] = counts.GetValueOrDefault(type) + 1;
        }
        var concrete = Engine.SelectMany(a => a.GetTypes()).Where(t => t.IsSubclassOf(typeof(Op)) && !t.IsAbstract).ToList();
        foreach (var (type, count) in counts.OrderBy(c => c.Value)) output.WriteLine($"{type.Name}: in {count} of 500 graphs");
        var missing = concrete.Where(t => !counts.ContainsKey(t) && !Excluded.ContainsKey(t)).Select(t => t.Name).ToList();
        Assert.True(missing.Count == 0, $"op kinds no random graph reached (build them, or exclude them with a reason): {string.Join(", ", missing)}");
        Assert.Contains(typeof(AddN), concrete);   // the reflection sees the Graph assembly
    }

    /// <summary>The generator reaches every variant of the basic ops it claims to: a guard against a refactoring that
    /// silently narrows the mix (500 graphs; the rarest entry appears in about 1 graph in 20).</summary>
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
