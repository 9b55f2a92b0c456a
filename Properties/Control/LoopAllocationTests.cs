using AutoDiff.Functional.Properties.Support;
using Xunit;

namespace AutoDiff.Functional.Properties.Control;

/// <summary>A loop's steps allocate nothing when its body runs as a register program: what a pass allocates does not
/// grow with the step count (bytes counted on the calling thread after a warm-up, the least of three runs; no timing).</summary>
public class LoopAllocationTests
{
    [Theory]
    [InlineData("value")]
    [InlineData("reverse, binomial")]
    [InlineData("reverse, √N")]
    public void Heron_steps_allocate_nothing(string pass)
    {
        var x = Node.Variable("x", Shape.Scalar);
        var at = Bindings.Empty.Bind(x, 2.0);
        long For(int steps)
        {
            var policy = pass.EndsWith("√N", StringComparison.Ordinal) ? Checkpointing.Sqrt : Checkpointing.Binomial(8);
            var y = Loop.Repeat(steps, Node.Constant(1.0), y => (y + x / y) * 0.5, policy);
            Node output = pass == "value" ? y : Reverse.Grad(y, [x])[0];
            return Allocations.Least(() => Evaluator.Evaluate(output, at));
        }
        long few = For(10), many = For(100_000);
        // √N stores about 2√N carries: 632 of 8 bytes at 10⁵ steps; otherwise nothing grows with the steps. The 16 KB
        // of slack is 0.16 bytes a step at 10⁵ steps: one object a step would be 2.4 MB.
        long allowed = (pass.EndsWith("√N", StringComparison.Ordinal) ? 8 * 2 * 317 : 0) + 16 * 1024;
        Assert.True(many - few <= allowed, $"{pass}: {few} bytes for 10 steps, {many} for 100,000");
    }
}
