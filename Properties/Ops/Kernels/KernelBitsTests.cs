using AutoDiff.Functional.Ops.Kernels;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops.Kernels;

/// <summary>An array for the kernels and where to start reading it.</summary>
public sealed record KernelArray(double[] Values, int Offset)
{
    public override string ToString() => $"offset {Offset}, [{string.Join(", ", Values.Select(v => v.ToString("R")))}]";
}

/// <summary>Arrays of 1 to 67 elements (across every vector width's body and tail) of values the kernels find hard:
/// special values, values near the kernels' branch points, small uniform values and log-uniform magnitudes over the
/// whole double range; offsets 0–7 so that each element meets every lane.</summary>
public static class KernelArbs
{
    static readonly double[] Special = [0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, double.Epsilon,
        -double.Epsilon, double.MaxValue, -double.MaxValue, 2.2250738585072014e-308, 1, -1, 0.55, -0.55, 20, -20, 709.78, 710,
        -745.2, -708.4, 1073741824.0, -1073741825.0, 7.450580596923828e-9, 1e-300, Math.PI / 2, -Math.PI, 0.6931471805599453];

    static readonly Gen<double> Value = Gen.OneOf(
        Gen.Elements(Special),
        Gen.Choose(-50_000_000, 50_000_000).Select(i => i / 1e6),
        from e in Gen.Choose(-1074, 1023)
        from m in Gen.Choose(0, int.MaxValue)
        from negative in Gen.Elements(false, true)
        select (negative ? -1 : 1) * Math.ScaleB(1 + m / 2147483648.0, e));

    public static Arbitrary<KernelArray> Arrays() => ArraysOf(Value);

    /// <summary>Arrays of 1 to 67 elements drawn from <paramref name="value"/>, with offsets 0–7.</summary>
    internal static Arbitrary<KernelArray> ArraysOf(Gen<double> value) =>
        (from n in Gen.Choose(1, 67)
         from values in Gen.ArrayOf(value, n)
         from offset in Gen.Choose(0, Math.Min(7, n - 1))
         select new KernelArray(values, offset)).ToArbitrary();
}

/// <summary>The kernels' bits do not depend on the vector width or on where an element sits: each function over whole
/// arrays at 512, 256 and 128 bits and one lane at a time, from every offset, and in place, equals the same function of
/// each element alone (the scalar tail's code) bit for bit. Widths the machine lacks run the runtime's software
/// fallback, which rounds every operation the same way, so all four are checked on every machine.</summary>
[Properties(Arbitrary = [typeof(KernelArbs)], MaxTest = 100)]
public class KernelBitsTests
{
    static readonly (string Name, Action<ReadOnlySpan<double>, Span<double>>[] Widths, Func<double, double> One)[] Kernels =
    [
        Of<VectorMath.ExpKernel>("exp"), Of<VectorMath.Expm1Kernel>("expm1"), Of<VectorMath.LogKernel>("log"),
        Of<VectorMath.Log1pKernel>("log1p"), Of<VectorMath.SigmoidKernel>("sigmoid"), Of<VectorMath.TanhKernel>("tanh"),
        Of<VectorMath.SoftplusKernel>("softplus"), Of<VectorMath.LogSigmoidKernel>("logsigmoid"),
        Of<VectorMath.SinKernel>("sin"), Of<VectorMath.CosKernel>("cos"),
    ];

    static (string, Action<ReadOnlySpan<double>, Span<double>>[], Func<double, double>) Of<F>(string name) where F : VectorMath.IKernel =>
        (name, [VectorMath.Map<F, Lanes512>, VectorMath.Map<F, Lanes256>, VectorMath.Map<F, Lanes128>, VectorMath.Map<F, Scalar>],
         x => F.Of(new Scalar(x)).Value);

    [Property]
    public void Every_width_and_position_gives_the_bits_of_the_element_alone(KernelArray a)
    {
        var x = a.Values.AsSpan(a.Offset);
        foreach (var (name, widths, one) in Kernels)
        {
            var expected = x.ToArray().Select(one).Select(BitConverter.DoubleToInt64Bits).ToArray();
            for (int w = 0; w < widths.Length; w++)
            {
                var y = new double[x.Length];
                widths[w](x, y);
                var inPlace = x.ToArray();
                widths[w](inPlace, inPlace);
                for (int i = 0; i < x.Length; i++)
                {
                    Assert.True(BitConverter.DoubleToInt64Bits(y[i]) == expected[i],
                        $"{name}, width {w}, element {i} (x = {x[i]:R}): {y[i]:R}, alone {BitConverter.Int64BitsToDouble(expected[i]):R}");
                    Assert.True(BitConverter.DoubleToInt64Bits(inPlace[i]) == expected[i], $"{name}, width {w} in place, element {i}");
                }
            }
        }
    }

    /// <summary>The span entry points the ops call (the machine's own width) give those bits too.</summary>
    [Property]
    public void The_ops_entry_points_give_the_bits_of_the_element_alone(KernelArray a)
    {
        var x = a.Values.AsSpan(a.Offset);
        var y = new double[x.Length];
        VectorMath.Exp(x, y);
        for (int i = 0; i < x.Length; i++) Assert.Equal(BitConverter.DoubleToInt64Bits(VectorMath.Exp(x[i])), BitConverter.DoubleToInt64Bits(y[i]));
        VectorMath.Log(x, y);
        for (int i = 0; i < x.Length; i++) Assert.Equal(BitConverter.DoubleToInt64Bits(VectorMath.Log(x[i])), BitConverter.DoubleToInt64Bits(y[i]));
    }

    public static TheoryData<string, double, double> SpecialValues() => new()
    {
        { "exp", 0.0, 1 }, { "exp", -0.0, 1 }, { "exp", double.PositiveInfinity, double.PositiveInfinity },
        { "exp", double.NegativeInfinity, 0 }, { "exp", double.NaN, double.NaN }, { "exp", 709.79, double.PositiveInfinity },
        { "exp", -745.14, 0 }, { "exp", -745.1332191019411, double.Epsilon }, { "exp", double.Epsilon, 1 },
        { "exp", 1e308, double.PositiveInfinity }, { "exp", -1e308, 0 },
        { "expm1", 0.0, 0.0 }, { "expm1", -0.0, -0.0 }, { "expm1", double.Epsilon, double.Epsilon }, { "expm1", -double.Epsilon, -double.Epsilon },
        { "expm1", 1e-300, 1e-300 }, { "expm1", double.PositiveInfinity, double.PositiveInfinity }, { "expm1", double.NegativeInfinity, -1 },
        { "expm1", -40, -1 }, { "expm1", 710, double.PositiveInfinity }, { "expm1", double.NaN, double.NaN },
        { "log", 1, 0.0 }, { "log", 0.0, double.NegativeInfinity }, { "log", -0.0, double.NegativeInfinity }, { "log", -1, double.NaN },
        { "log", double.NegativeInfinity, double.NaN }, { "log", double.PositiveInfinity, double.PositiveInfinity }, { "log", double.NaN, double.NaN },
        { "log", double.Epsilon, -744.4400719213812 }, { "log", double.MaxValue, 709.782712893384 },
        { "log1p", 0.0, 0.0 }, { "log1p", -0.0, -0.0 }, { "log1p", double.Epsilon, double.Epsilon }, { "log1p", -double.Epsilon, -double.Epsilon },
        { "log1p", 1e-300, 1e-300 }, { "log1p", -1, double.NegativeInfinity }, { "log1p", -1.5, double.NaN },
        { "log1p", double.PositiveInfinity, double.PositiveInfinity }, { "log1p", double.NaN, double.NaN },
        { "sigmoid", 0.0, 0.5 }, { "sigmoid", -0.0, 0.5 }, { "sigmoid", double.PositiveInfinity, 1 }, { "sigmoid", double.NegativeInfinity, 0 },
        { "sigmoid", 40, 1 }, { "sigmoid", -746, 0 }, { "sigmoid", double.NaN, double.NaN },
        { "tanh", 0.0, 0.0 }, { "tanh", -0.0, -0.0 }, { "tanh", double.Epsilon, double.Epsilon }, { "tanh", -double.Epsilon, -double.Epsilon },
        { "tanh", 1e-300, 1e-300 }, { "tanh", 20, 1 }, { "tanh", -20, -1 }, { "tanh", 1e300, 1 }, { "tanh", double.PositiveInfinity, 1 },
        { "tanh", double.NegativeInfinity, -1 }, { "tanh", double.NaN, double.NaN },
        { "softplus", double.PositiveInfinity, double.PositiveInfinity }, { "softplus", double.NegativeInfinity, 0 }, { "softplus", 1e300, 1e300 },
        { "softplus", -800, 0 }, { "softplus", double.NaN, double.NaN }, { "softplus", 0.0, 0.6931471805599453 },
        { "logsigmoid", double.NegativeInfinity, double.NegativeInfinity }, { "logsigmoid", double.PositiveInfinity, 0.0 },
        { "logsigmoid", -1e300, -1e300 }, { "logsigmoid", 800, 0.0 }, { "logsigmoid", double.NaN, double.NaN }, { "logsigmoid", 0.0, -0.6931471805599453 },
        { "sin", 0.0, 0.0 }, { "sin", -0.0, -0.0 }, { "sin", double.Epsilon, double.Epsilon }, { "sin", -1e-300, -1e-300 },
        { "sin", double.PositiveInfinity, double.NaN }, { "sin", double.NegativeInfinity, double.NaN }, { "sin", double.NaN, double.NaN },
        { "cos", 0.0, 1 }, { "cos", -0.0, 1 }, { "cos", double.Epsilon, 1 }, { "cos", double.PositiveInfinity, double.NaN },
        { "cos", double.NegativeInfinity, double.NaN }, { "cos", double.NaN, double.NaN },
    };

    /// <summary>Special values as IEEE 754 and C99's Annex F define them: signed zeros kept where f(x) ≈ x, 0 and ∞ at
    /// the ends, NaN outside the domain; the smallest subnormal where eˣ first rounds to it; every width.</summary>
    [Theory]
    [MemberData(nameof(SpecialValues))]
    public void Special_values_are_exact(string name, double x, double expected)
    {
        var (_, widths, one) = Kernels.Single(k => k.Name == name);
        var xs = Enumerable.Repeat(x, 11).ToArray();
        foreach (var width in widths)
        {
            var y = new double[xs.Length];
            width(xs, y);
            foreach (var v in y.Append(one(x)))
                Assert.True(double.IsNaN(expected) ? double.IsNaN(v) : BitConverter.DoubleToInt64Bits(v) == BitConverter.DoubleToInt64Bits(expected),
                    $"{name}({x:R}) = {v:R}, expected {expected:R}");
        }
    }
}
