using AutoDiff.Functional.Ops.Kernels;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops.Kernels;

/// <summary>Arrays of 1 to 67 float32 numbers (held as doubles) that the float32 kernels find hard: special values, the
/// edges of their short paths (eˣ's underflow near −87, the trigonometric reduction's 2³⁰, sin's 2⁻²⁷), float32 numbers
/// nearest multiples of π/2, uniform values and log-uniform magnitudes over float32's whole range; offsets 0–7.</summary>
public static class Float32KernelArbs
{
    static readonly double[] Special = [0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, 1, -1, 89, -87,
        -87.00001, 88.72283, 88.72284, -103.97, -104, 1073741824.0, -1073741824.0, 1073741760.0, 7.450580596923828e-9,
        7.4505797e-9, float.MaxValue, float.Epsilon, 1.1754944e-38];

    static readonly Gen<double> Value = Gen.OneOf(
        Gen.Elements(Special).Select(v => (double)(float)v),
        Gen.Choose(-20_000_000, 20_000_000).Select(i => (double)(float)(i / 1e6)),
        from k in Gen.Choose(-100_000, 100_000)
        from ulps in Gen.Choose(-3, 3)
        select (double)BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits((float)(k * Math.PI / 2)) + ulps),
        from e in Gen.Choose(-149, 127)
        from m in Gen.Choose(0, (1 << 23) - 1)
        from negative in Gen.Elements(false, true)
        select (double)(float)((negative ? -1 : 1) * Math.ScaleB(1 + m / 8388608.0, e)));

    public static Arbitrary<KernelArray> Arrays() => KernelArbs.ArraysOf(Value);
}

/// <summary>The float32 kernels (<see cref="VectorMath.Exp32"/>, <see cref="VectorMath.Sin32"/>, <see
/// cref="VectorMath.Cos32"/>) give what <see cref="DType.Float32"/> promises, the float64 kernel's result rounded to
/// float32, bit for bit, at every width, from every offset and in place; their approximations stay within a sixteenth of
/// the undecided band of the full kernel. <c>Bench --float32-kernels</c> checks every one of the 2³² float32 inputs.</summary>
[Properties(Arbitrary = [typeof(Float32KernelArbs)], MaxTest = 100)]
public class Float32KernelTests
{
    static readonly (string Name, Action<ReadOnlySpan<double>, Span<double>>[] Widths, Func<double, double> Full, Func<double, double> Approximation)[] Kernels =
    [
        Of<VectorMath.ExpShortKernel, VectorMath.ExpKernel>("exp"),
        Of<VectorMath.SinShortKernel, VectorMath.SinKernel>("sin"),
        Of<VectorMath.CosShortKernel, VectorMath.CosKernel>("cos"),
    ];

    static (string, Action<ReadOnlySpan<double>, Span<double>>[], Func<double, double>, Func<double, double>) Of<A, F>(string name)
        where A : VectorMath.IKernel where F : VectorMath.IKernel =>
        (name, [VectorMath.Map32<A, F, Lanes512>, VectorMath.Map32<A, F, Lanes256>, VectorMath.Map32<A, F, Lanes128>, VectorMath.Map32<A, F, Scalar>],
         x => F.Of(new Scalar(x)).Value, x => A.Of(new Scalar(x)).Value);

    static bool SameBits(double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    [Property]
    public void Every_width_and_position_gives_the_float64_kernel_rounded_bit_for_bit(KernelArray a)
    {
        foreach (var (name, widths, full, _) in Kernels)
        {
            var x = a.Values.AsSpan(a.Offset);
            var expected = a.Values.Skip(a.Offset).Select(v => (double)(float)full(v)).ToArray();
            for (int w = 0; w < widths.Length; w++)
            {
                var y = new double[x.Length];
                widths[w](x, y);
                var inPlace = x.ToArray();
                widths[w](inPlace, inPlace);
                for (int i = 0; i < x.Length; i++)
                {
                    Assert.True(SameBits(expected[i], y[i]), $"{name} at width {w} of {x[i]:R}: {y[i]:R}, not {expected[i]:R}");
                    Assert.True(SameBits(expected[i], inPlace[i]), $"{name} in place at width {w} of {x[i]:R}: {inPlace[i]:R}, not {expected[i]:R}");
                }
            }
        }
    }

    [Property]
    public void Each_approximation_stays_within_a_sixteenth_of_the_undecided_band(KernelArray a)
    {
        foreach (var (name, _, full, approximation) in Kernels)
            foreach (var x in a.Values)
            {
                double f = full(x), p = approximation(x);
                if (p == VectorMath.Midpoint || Math.Abs(f) > float.MaxValue) continue;   // left to the full kernel; or ∞ either way
                long ulps = Math.Abs(BitConverter.DoubleToInt64Bits(p) - BitConverter.DoubleToInt64Bits(f));
                Assert.True(ulps <= 1L << (VectorMath.Band - 4), $"{name} of {x:R}: the approximation {p:R} is {ulps} ulps from {f:R}");
            }
    }

    /// <summary>Float32 inputs whose float64 result lies within 2¹² float64 ulps of a midpoint between float32 numbers
    /// (found by walking consecutive float32 inputs): the approximations' own errors reach hundreds of ulps, so these
    /// are the inputs only the fallback to the full kernel rounds right.</summary>
    [Fact]
    public void Results_next_to_a_float32_midpoint_are_rounded_as_the_full_kernels()
    {
        foreach (var (name, widths, full, _) in Kernels)
        {
            var hard = new List<double>();
            for (float x = name == "exp" ? -80f : -3000f; hard.Count < 200; x = MathF.BitIncrement(x))
            {
                long dropped = BitConverter.DoubleToInt64Bits(full(x)) & ((1L << 29) - 1);
                if (Math.Abs(dropped - (1L << 28)) < 1L << 12) hard.Add(x);
            }
            foreach (var width in widths)
            {
                var y = new double[hard.Count];
                width(hard.ToArray(), y);
                for (int i = 0; i < hard.Count; i++)
                    Assert.True(SameBits((float)full(hard[i]), y[i]), $"{name} of {hard[i]:R}: {y[i]:R}, not {(double)(float)full(hard[i]):R}");
            }
        }
    }
}
