using AutoDiff.Functional.Properties.Reliability;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Plans;

/// <summary>A compiled plan computes what the plain interpreter computes, over random graphs mixing every op (values,
/// gradient graphs, JVP graphs and second-order graphs, which share many subexpressions), and stays pure: workspaces
/// reused across runs and threads change no result, and bound values are never written.</summary>
[Properties(Arbitrary = new[] { typeof(RandomGraphs) })]
public class PlanProperties
{
    /// <summary>Fused passes call the same element-wise kernels on blocks instead of whole arrays, and a vectorised
    /// kernel may round its tail elements differently from its body (a few ulps), so agreement is to 1e-13 relative to
    /// the larger of 1 and the value, element by element.</summary>
    internal static void AssertClose(Tensor expected, Tensor actual, string what, double tolerance = 1e-13)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        for (int k = 0; k < expected.Shape.Size; k++)
        {
            double e = expected.Values[k], a = actual.Values[k];
            if (e.Equals(a)) continue; // also NaN = NaN, ∞ = ∞
            Assert.True(Math.Abs(e - a) <= tolerance * Math.Max(1, Math.Max(Math.Abs(e), Math.Abs(a))),
                $"{what}[{k}]: interpreter {e:R}, plan {a:R}");
        }
    }

    /// <summary>Value, gradient, JVP and forward-over-reverse graphs of one random graph, as one list of outputs.</summary>
    static Node[] Outputs(BuiltGraph g)
    {
        var gradients = Reverse.Grad(g.Output, g.Variables);
        var tangents = g.Variables.Select(v => Node.Constant(Direction(v.Shape, 1))).ToArray();
        var jvp = ForwardMode.Jvp([g.Output], [.. g.Variables.Select((v, i) => (v, tangents[i]))]);
        var hvp = ForwardMode.Jvp(gradients, [.. g.Variables.Select((v, i) => (v, tangents[i]))]);
        return [g.Output, .. gradients, .. jvp, .. hvp];
    }

    static Tensor Direction(Shape shape, int salt)
    {
        var rng = new Random(31 + salt);
        return Tensor.FromColumnMajor(shape, [.. Enumerable.Range(0, shape.Size).Select(_ => 2 * rng.NextDouble() - 1)]);
    }

    [Property(MaxTest = 1000)]
    public void A_plan_computes_what_the_interpreter_computes(GraphRecipe recipe)
    {
        var g = recipe.Build();
        var outputs = Outputs(g);
        var inputs = g.Variables.Select(v => g.Bindings[v].Values.ToArray()).ToArray();
        var expected = Evaluator.Evaluate(outputs, g.Bindings);

        var plan = Plan.Compile(outputs);
        var workspace = plan.NewWorkspace();
        var first = plan.Run(g.Bindings, workspace);
        for (int i = 0; i < outputs.Length; i++) AssertClose(expected[i], first[i], $"output {i}");

        // A second run in the same workspace repeats the bits, and leaves the first run's values alone.
        var firstBits = first.Select(t => t.Values.ToArray()).ToArray();
        var second = plan.Run(g.Bindings, workspace);
        for (int i = 0; i < outputs.Length; i++)
        {
            Assert.Equal(firstBits[i], second[i].Values.ToArray());
            Assert.Equal(firstBits[i], first[i].Values.ToArray());
        }
        // Bound values are read, never written.
        for (int v = 0; v < g.Variables.Length; v++) Assert.Equal(inputs[v], g.Bindings[g.Variables[v]].Values.ToArray());
    }

    /// <summary>In float32 every value is its float64 result at the same inputs rounded once, in a plan's float32 passes
    /// (blocks of singles, +, −, ×, ÷ in float32 arithmetic) as in the interpreter: the same graphs rebuilt on float32
    /// twins of their variables give the interpreter's bits, and most of them run a float32 pass.</summary>
    [Property(MaxTest = 300)]
    public void A_float32_plan_computes_the_interpreters_bits(GraphRecipe recipe)
    {
        var g = recipe.Build();
        var (outputs, twins) = Functional.Graph.Retyped(Outputs(g), DType.Float32);
        var at = Bindings.Empty;
        foreach (var v in g.Variables)
            if (twins.TryGetValue(v, out var twin)) at = at.Bind(twin, g.Bindings[v].ToFloat32());
        var expected = Evaluator.Evaluate(outputs, at);
        var plan = Plan.Compile(outputs);
        var actual = plan.Run(at);
        for (int i = 0; i < outputs.Length; i++)
        {
            Assert.Equal(expected[i].DType, actual[i].DType);
            if (expected[i].DType == DType.Float32) Assert.Equal(expected[i].ToFloat32Array(), actual[i].ToFloat32Array());
        }
    }

    [Fact]
    public void Random_float32_graphs_run_float32_passes()
    {
        int graphs = 0, inSingles = 0;
        foreach (var recipe in RandomGraphs.Recipe.Sample(300))
        {
            var (outputs, _) = Functional.Graph.Retyped(Outputs(recipe.Build()), DType.Float32);
            graphs++;
            if (Plan.Compile(outputs).ToString().Contains(", in float32)")) inSingles++;
        }
        Assert.True(inSingles > graphs / 3, $"{inSingles} of {graphs} float32 graphs had a float32 pass");
    }

    [Property(MaxTest = 100)]
    public void One_plan_on_sixteen_threads_gives_the_bits_of_a_sequential_run(GraphRecipe recipe)
    {
        var g = recipe.Build();
        var plan = Plan.Compile(Outputs(g));
        var sequential = plan.Run(g.Bindings).Select(t => t.Values.ToArray()).ToArray();
        var results = new double[16][][];
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, t =>
        {
            var workspace = plan.NewWorkspace();
            for (int repeat = 0; repeat < 3; repeat++)
                results[t] = [.. plan.Run(g.Bindings, workspace).Select(v => v.Values.ToArray())];
        });
        foreach (var r in results)
            for (int i = 0; i < sequential.Length; i++) Assert.Equal(sequential[i], r[i]);
    }

    /// <summary>The generator must give the fusion and slot logic something to do: most graphs have fused passes, and
    /// merging finds shared subexpressions in the derivative graphs.</summary>
    [Fact]
    public void Random_graphs_exercise_fusion_merging_and_slot_reuse()
    {
        int fused = 0, merged = 0, reused = 0, graphs = 0;
        foreach (var recipe in RandomGraphs.Recipe.Sample(300))
        {
            var g = recipe.Build();
            var plan = Plan.Compile(Outputs(g));
            graphs++;
            if (plan.Statistics.FusedPasses > 0) fused++;
            if (plan.Statistics.DistinctNodes < plan.Statistics.GraphNodes) merged++;
            if (plan.ToString().Split('\n').Count(l => l.Contains("→ slot")) > plan.Statistics.Slots) reused++;
        }
        Assert.True(fused > graphs / 3, $"{fused} of {graphs} graphs had a fused pass");
        Assert.True(merged > graphs / 3, $"{merged} of {graphs} graphs had merged subexpressions");
        Assert.True(reused > graphs / 3, $"{reused} of {graphs} graphs reused a slot");
    }
}
