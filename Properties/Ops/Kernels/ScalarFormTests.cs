using AutoDiff.Functional.Ops;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops.Kernels;

/// <summary>A register program runs an instruction on single numbers through the op's scalar form
/// (<see cref="UnaryElementwise.Of"/>, <see cref="BinaryElementwise.Of"/>) instead of its kernel: the scalar form of
/// every element-wise op must give the bits its kernel gives the same number inside a block, wherever it stands (the
/// vector lanes or the scalar tail), or a loop's value would depend on the length of its carries.</summary>
[Properties(Arbitrary = [typeof(KernelArbs)])]
public class ScalarFormTests
{
    /// <summary>One instance of every element-wise op: those with parameters in a few settings.</summary>
    static readonly Op[] Ops = [.. typeof(Add).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && (t.IsSubclassOf(typeof(UnaryElementwise)) || t.IsSubclassOf(typeof(BinaryElementwise))))
        .SelectMany(t => t.GetConstructor(Type.EmptyTypes) is { } plain ? [(Op)plain.Invoke(null)]
            : t == typeof(Pow) ? [new Pow(2.5), new Pow(-1), new Pow(3)]
            : t == typeof(Polygamma) ? [new Polygamma(1), new Polygamma(3)]
            : t == typeof(Clamp) ? [new Clamp(-1, 2)]
            : t == typeof(Compare) ? Enum.GetValues<Comparison>().Select(k => (Op)new Compare(k))
            : throw new InvalidOperationException($"{t.Name}: give the test an instance of this element-wise op"))];

    static bool SameBits(double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    [Fact]
    public void Every_elementwise_op_is_covered() =>
        Assert.True(Ops.Length >= 25 && Ops.Any(o => o is Sin) && Ops.Any(o => o is Digamma) && Ops.Any(o => o is Div), string.Join(", ", Ops.Select(o => o.Name)));

    [Property(MaxTest = 100)]
    public void A_scalar_form_gives_its_kernels_bits_at_every_place_of_a_block(KernelArray a, KernelArray b)
    {
        int n = Math.Min(a.Values.Length, b.Values.Length);
        var (x, y) = (a.Values[..n], b.Values[..n]);
        var kernel = new double[n];
        foreach (var op in Ops)
        {
            var elementwise = (IElementwise)op;
            if (op is UnaryElementwise unary)
            {
                elementwise.Block(x, default, kernel);
                for (int i = 0; i < n; i++)
                    Assert.True(SameBits(kernel[i], unary.Of(x[i])), $"{op}({x[i]:R}): kernel {kernel[i]:R}, scalar form {unary.Of(x[i]):R}");
            }
            else
            {
                var binary = (BinaryElementwise)op;
                elementwise.Block(x, y, kernel);
                for (int i = 0; i < n; i++)
                    Assert.True(SameBits(kernel[i], binary.Of(x[i], y[i])), $"{op}({x[i]:R}, {y[i]:R}): kernel {kernel[i]:R}, scalar form {binary.Of(x[i], y[i]):R}");
                // A single number beside a block (a parameter broadcast over a carry's elements).
                elementwise.Block(x, y.AsSpan(0, 1), kernel);
                for (int i = 0; i < n; i++)
                    Assert.True(SameBits(kernel[i], binary.Of(x[i], y[0])), $"{op}({x[i]:R}, {y[0]:R}) broadcast: kernel {kernel[i]:R}, scalar form {binary.Of(x[i], y[0]):R}");
                elementwise.Block(y.AsSpan(0, 1), x, kernel);
                for (int i = 0; i < n; i++)
                    Assert.True(SameBits(kernel[i], binary.Of(y[0], x[i])), $"{op}({y[0]:R}, {x[i]:R}) broadcast: kernel {kernel[i]:R}, scalar form {binary.Of(y[0], x[i]):R}");
            }
        }
    }
}
