using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace AutoDiff.Functional.Properties.Graph;

/// <summary>The interpreters are iterative: a chain a million ops deep evaluates and differentiates in both modes
/// without a stack overflow, and agrees with a plain double loop (value and derivative carried by hand).</summary>
public class DeepChainTests(ITestOutputHelper output)
{
    public const int Depth = 1_000_000;

    /// <summary>yₖ₊₁ = sin(yₖ) + x, two nodes per step; the reference carries y and dy/dx in doubles.</summary>
    [Fact]
    public void Million_deep_chain_evaluates_and_differentiates_in_both_modes()
    {
        const double x0 = 0.5;
        var clock = Stopwatch.StartNew();
        var x = Node.Variable("x", Shape.Scalar);
        var y = x;
        for (int k = 0; k < Depth; k++) y = y.Sin() + x;
        var build = clock.Elapsed;

        double yRef = x0, dRef = 1;
        for (int k = 0; k < Depth; k++) { dRef = Math.Cos(yRef) * dRef + 1; yRef = Math.Sin(yRef) + x0; }

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

        output.WriteLine($"depth {Depth:N0} ({2 * Depth:N0} nodes): build {build.TotalSeconds:F2} s, evaluate {evaluate.TotalSeconds:F2} s, " +
                         $"reverse {reverseTime.TotalSeconds:F2} s, forward {forwardTime.TotalSeconds:F2} s");
        Assert.Equal(yRef, value, 1e-12 * Math.Abs(yRef));
        Assert.Equal(dRef, reverse, 1e-10 * Math.Abs(dRef));
        Assert.Equal(dRef, forward, 1e-10 * Math.Abs(dRef));
        Assert.Equal(forward, reverse, 1e-12 * Math.Abs(dRef));
    }
}
