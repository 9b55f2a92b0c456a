using Xunit;

namespace AutoDiff.Functional.Properties.Plans;

/// <summary>A workspace that keeps a plan's outputs (<see cref="Plan.NewWorkspace(bool)"/>): each run gives the bits of
/// a run into a fresh workspace, its outputs live in the same arrays run after run, and a plain workspace still hands
/// out new arrays that later runs leave alone.</summary>
public class KeptOutputsTests
{
    static Bindings At(Node x, int seed) => Bindings.Empty.Bind(x, Tensor.FromColumnMajor(x.Shape,
        [.. Enumerable.Range(0, x.Shape.Size).Select(k => Math.Sin(seed + 0.1 * k))]));

    static long[] Bits(Tensor t) => [.. t.Values.ToArray().Select(BitConverter.DoubleToInt64Bits)];

    [Theory]
    [InlineData(7)]
    [InlineData(5000)]
    [InlineData(300_001)]   // fused passes split between the cores
    public void Kept_outputs_have_the_bits_of_fresh_ones_and_reuse_their_arrays(int n)
    {
        var x = Node.Variable("x", Shape.Vector(n));
        var loss = x.LogSumExp(0) + (x.Sin() * x).Sum();
        Node[] outputs = [loss, x.Softmax(0), .. Reverse.Grad(loss, [x])];
        var plan = Plan.Compile(outputs);
        var kept = plan.NewWorkspace(keepOutputs: true);
        var first = plan.Run(At(x, 1), kept);
        var firstBits = first.Select(Bits).ToArray();
        for (int i = 0; i < outputs.Length; i++) Assert.Equal(Bits(Plan.Compile(outputs).Run(At(x, 1))[i]), firstBits[i]);

        var second = plan.Run(At(x, 2), kept);
        for (int i = 0; i < outputs.Length; i++)
        {
            Assert.Equal(Bits(plan.Run(At(x, 2))[i]), Bits(second[i]));
            // The same storage: the first run's outputs now hold the second run's values.
            Assert.Equal(Bits(second[i]), Bits(first[i]));
        }
        Assert.NotEqual(firstBits[1], Bits(first[1]));

        var plain = plan.NewWorkspace();
        var before = plan.Run(At(x, 1), plain);
        plan.Run(At(x, 2), plain);
        for (int i = 0; i < outputs.Length; i++) Assert.Equal(firstBits[i], Bits(before[i]));
    }
}
