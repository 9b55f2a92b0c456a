using AutoDiff.Functional.Ops;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops.Kernels;

/// <summary>Two float32 operands of 1 to 67 elements, either of which may be a scalar (one element), drawn from special
/// values, subnormals, float32's top binade (whose sums and products overflow), uniform values and
/// log-uniform magnitudes over the whole range.</summary>
public sealed record Float32Operands(float[] A, float[] B);

public static class Float32BlockArbs
{
    static readonly float[] Special = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1f, -1f, 0.5f, 3f,
        float.MaxValue, -float.MaxValue, float.Epsilon, -float.Epsilon, 1.1754944e-38f, 1.1754942e-38f, 16777216f, 16777217f];

    static readonly Gen<float> Value = Gen.OneOf(
        Gen.Elements(Special),
        Gen.Choose(-2_000_000, 2_000_000).Select(i => i / 1e3f),
        // The top binade, where sums and products overflow.
        from m in Gen.Choose(0, (1 << 23) - 1)
        from negative in Gen.Elements(false, true)
        select (float)((negative ? -1 : 1) * Math.ScaleB(1 + m / 8388608.0, 127)),
        from e in Gen.Choose(-149, 127)
        from m in Gen.Choose(0, (1 << 23) - 1)
        from negative in Gen.Elements(false, true)
        select (float)((negative ? -1 : 1) * Math.ScaleB(1 + m / 8388608.0, e)));

    public static Arbitrary<Float32Operands> Operands() =>
        (from n in Gen.Choose(1, 67)
         from scalar in Gen.Choose(0, 2)   // 1: a is a scalar, 2: b is
         from a in Gen.ArrayOf(Value, scalar == 1 ? 1 : n)
         from b in Gen.ArrayOf(Value, scalar == 2 ? 1 : n)
         select new Float32Operands(a, b)).ToArbitrary();
}

/// <summary>The element-wise kernels that run in float32 arithmetic in a plan's float32 passes (+, −, ×, ÷, a sum of
/// two, −x, x², √x, max(x, 0)) give what <see cref="DType.Float32"/> promises: the float64 block at the same inputs,
/// rounded to float32, bit for bit, scalars on either side, overflow, underflow, subnormals, infinities and NaN
/// included. (A double has more than 2·24 + 2 bits, so rounding the float64 result again is rounding the exact one once:
/// Figueroa, "When is double rounding innocuous?", 1995.)</summary>
[Properties(Arbitrary = [typeof(Float32BlockArbs)], MaxTest = 100)]
public class Float32BlockTests
{
    static readonly (string Name, IElementwise Op)[] Binary =
        [("+", new Add()), ("−", new Sub()), ("×", new Mul()), ("÷", new Div()), ("AddN", new AddN())];

    static readonly (string Name, IElementwise Op)[] Unary =
        [("−x", new Neg()), ("x²", new Square()), ("√x", new Sqrt()), ("relu", new Relu()), ("eˣ (widened)", new Exp())];

    [Property]
    public void Float32_blocks_are_the_float64_blocks_rounded_bit_for_bit(Float32Operands x)
    {
        foreach (var (name, op) in Binary)
            if (!(op is AddN && x.A.Length != x.B.Length))   // AddN adds tensors of one shape
                Check(name, op, x.A, x.B);
        foreach (var (name, op) in Unary) Check(name, op, x.A, []);
    }

    static void Check(string name, IElementwise op, float[] a, float[] b)
    {
        int n = Math.Max(a.Length, b.Length);
        double[] wa = [.. a.Select(v => (double)v)], wb = [.. b.Select(v => (double)v)], wide = new double[n];
        op.Block32(wa, wb, wide);
        var y = new float[n];
        op.Block32(a, b, y);
        for (int i = 0; i < n; i++)
        {
            float expected = (float)wide[i];
            bool same = float.IsNaN(expected) ? float.IsNaN(y[i]) : BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(y[i]);
            Assert.True(same, $"{name} at {a[Math.Min(i, a.Length - 1)]:R}" + (b.Length > 0 ? $", {b[Math.Min(i, b.Length - 1)]:R}" : "") +
                $": float32 block {y[i]:R}, float64 block rounded {expected:R}");
        }
    }

    /// <summary>The generator reaches what double rounding could get wrong: products and quotients that are not float32
    /// numbers (so the float64 result is rounded), sums that overflow, and subnormal results.</summary>
    [Fact]
    public void The_operands_reach_inexact_results_overflow_and_subnormals()
    {
        int inexact = 0, overflow = 0, subnormal = 0;
        foreach (var x in Float32BlockArbs.Operands().Generator.Sample(300))
            for (int i = 0; i < Math.Max(x.A.Length, x.B.Length); i++)
            {
                double a = x.A[Math.Min(i, x.A.Length - 1)], b = x.B[Math.Min(i, x.B.Length - 1)], p = a * b;
                if (double.IsFinite(p) && (double)(float)p != p) inexact++;
                if (double.IsFinite(a + b) && float.IsInfinity((float)(a + b))) overflow++;
                if (p != 0 && Math.Abs(p) < 1.1754943508222875e-38) subnormal++;
            }
        Assert.True(inexact > 1000 && overflow > 10 && subnormal > 10, $"inexact {inexact}, overflow {overflow}, subnormal {subnormal}");
    }
}
