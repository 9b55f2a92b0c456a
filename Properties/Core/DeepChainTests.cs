using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace AutoDiff.Functional.Properties.Graph;

/// <summary>The interpreters are iterative: a chain a million ops deep evaluates and differentiates in both modes
/// without a stack overflow, and agrees with a plain double loop (value and derivative carried by hand).
/// Runs alone: next to the parallel property tests its millions of live nodes make every full GC slow.</summary>
[Collection(nameof(RunsAlone))]
public class DeepChainTests(ITestOutputHelper output)
{
    public const int Depth = 1_000_000;

    /// <summary>One node per step, cycling y ← sin y, y ← c·y, y ← y + x (c one shared constant node, x the
    /// variable); the reference carries y and dy/dx through the same steps in doubles.</summary>
    [Fact]
    public void Million_deep_chain_evaluates_and_differentiates_in_both_modes()
    {
        const double x0 = 0.5, c0 = 0.9;
        var clock = Stopwatch.StartNew();
        var x = Node.Variable("x", Shape.Scalar);
        var c = Node.Constant(c0);
        var y = x;
        for (int k = 0; k < Depth; k++) y = (k % 3) switch { 0 => y.Sin(), 1 => y * c, _ => y + x };
        var build = clock.Elapsed;

        double yRef = x0, dRef = 1;
        for (int k = 0; k < Depth; k++)
            switch (k % 3)
            {
                case 0: dRef *= Math.Cos(yRef); yRef = Math.Sin(yRef); break;
                case 1: dRef *= c0; yRef *= c0; break;
                default: dRef += 1; yRef += x0; break;
            }

        var b = Bindings.Empty.Bind(x, x0);
        clock.Restart();
        double value = Evaluator.Evaluate(y, b).ToScalar();
        var evaluate = clock.Elapsed;

        clock.Restart();
        double reverse = AD.Grad(y, b, x)[0].ToScalar();
        var reverseTime = clock.Elapsed;

        clock.Restart();
        double forward = AD.Jvp([y], b, (x, Tensor.Scalar(1))).Tangents[0].ToScalar();
        var forwardTime = clock.Elapsed;

        output.WriteLine($"depth {Depth:N0} nodes: build {build.TotalSeconds:F2} s, evaluate {evaluate.TotalSeconds:F2} s, " +
                         $"reverse {reverseTime.TotalSeconds:F2} s, forward {forwardTime.TotalSeconds:F2} s");
        Assert.Equal(yRef, value, 1e-12 * Math.Abs(yRef));
        Assert.Equal(dRef, reverse, 1e-10 * Math.Abs(dRef));
        Assert.Equal(dRef, forward, 1e-10 * Math.Abs(dRef));
        Assert.Equal(forward, reverse, 1e-12 * Math.Abs(dRef));
    }
}

/// <summary>Tests that must not share the machine with the parallel ones.</summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;
