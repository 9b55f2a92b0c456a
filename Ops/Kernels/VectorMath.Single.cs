using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AutoDiff.Functional.Ops.Kernels;

// eˣ, sin x and cos x of float32 inputs with float32 results: the float64 kernel's result rounded to float32 (what
// DType.Float32 promises, so the same bits as before), by a short path that nearly always decides the rounding alone.
internal static partial class VectorMath
{
    /// <summary>The float64 kernel <typeparamref name="F"/>'s result at each (float32) input, rounded to float32, into
    /// <paramref name="y"/> as doubles, by way of <typeparamref name="A"/>, an approximation of the same function accurate
    /// to 2⁻⁴⁰ relative or better at every float32 input it takes (NaN in the lanes it leaves to <typeparamref
    /// name="F"/>). The output may be the input's storage.</summary>
    static void Map32<A, F>(ReadOnlySpan<double> x, Span<double> y) where A : IKernel where F : IKernel
    {
        if (Vector512.IsHardwareAccelerated) Map32<A, F, Lanes512>(x, y);
        else if (Vector256.IsHardwareAccelerated) Map32<A, F, Lanes256>(x, y);
        else if (Vector128.IsHardwareAccelerated) Map32<A, F, Lanes128>(x, y);
        else Map32<A, F, Scalar>(x, y);
    }

    /// <summary>Each row: the approximation, rounded, unless some lane's rounding it cannot decide (<see
    /// cref="Undecided"/>); such a row keeps its input and is computed again by the full kernel (<see cref="Map{F, T}"/>
    /// on that row), rounded, once its chunk is done. Either way each lane is the full kernel's result rounded, so the
    /// bits do not depend on the width or on the neighbours. The full kernel stays out of the loop: called there, it made
    /// every row 2–8× slower. Never inlined, compiled once fully optimised, for <see cref="Map{F, T}"/>'s reason.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Map32<A, F, T>(ReadOnlySpan<double> x, Span<double> y) where A : IKernel where F : IKernel where T : struct, ILanes<T>
    {
        if (y.Length < x.Length) throw new InvalidOperationException($"internal: a kernel given {y.Length} outputs for {x.Length} inputs");
        const int Rows = 256;
        Span<int> undecided = stackalloc int[Rows];
        int i = 0;
        while (i <= x.Length - T.Count)
        {
            int count = 0;
            for (int r = 0; r < Rows && i <= x.Length - T.Count; r++, i += T.Count)
            {
                var v = T.Load(x, i);
                var a = A.Of(v);
                if (T.Any(Undecided(a)))
                {
                    T.Store(v, y, i);
                    undecided[count++] = i;
                }
                else T.Store(T.RoundToSingle(a), y, i);
            }
            for (int k = 0; k < count; k++) FullRounded<F, T>(y.Slice(undecided[k], T.Count));
        }
        for (; i < x.Length; i++)
        {
            var a = A.Of(new Scalar(x[i]));
            y[i] = Scalar.Any(Undecided(a)) ? (float)F.Of(new Scalar(x[i])).Value : Scalar.RoundToSingle(a).Value;
        }
    }

    /// <summary>The full kernel over one row in place, rounded.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static void FullRounded<F, T>(Span<double> row) where F : IKernel where T : struct, ILanes<T>
    {
        Map<F, T>(row, row);
        T.Store(T.RoundToSingle(T.Load(row, 0)), row, 0);
    }

    /// <summary>eˣ rounded to float32.</summary>
    public static void Exp32(ReadOnlySpan<double> x, Span<double> y) => Map32<ExpShortKernel, ExpKernel>(x, y);
    /// <summary>sin x rounded to float32.</summary>
    public static void Sin32(ReadOnlySpan<double> x, Span<double> y) => Map32<SinShortKernel, SinKernel>(x, y);
    /// <summary>cos x rounded to float32.</summary>
    public static void Cos32(ReadOnlySpan<double> x, Span<double> y) => Map32<CosShortKernel, CosKernel>(x, y);

    internal readonly struct ExpShortKernel : IKernel { public static T Of<T>(T x) where T : struct, ILanes<T> => ExpShort(x); }
    internal readonly struct SinShortKernel : IKernel { public static T Of<T>(T x) where T : struct, ILanes<T> => SinShort(x, 0); }
    internal readonly struct CosShortKernel : IKernel { public static T Of<T>(T x) where T : struct, ILanes<T> => SinShort(x, 1); }

    /// <summary>Lanes whose float32 rounding the approximation a cannot decide: a within 2¹⁶ float64 ulps (2⁻³⁷ to 2⁻³⁶
    /// relative, 16 times the approximation's 2⁻⁴⁰ and far beyond the full kernel's 2⁻⁵²) of a midpoint between
    /// neighbouring float32 numbers. The 29 low bits of a double are what rounding to float32 drops and a midpoint is 2²⁸
    /// of them, so the test is whether those bits, moved by 2¹⁶ − 2²⁸, fall below 2¹⁷: an integer addition, a mask and a comparison
    /// (the masked bits read as a double are 0 or a nonzero subnormal). It holds for a in float32's normal range, past
    /// its largest number too (the rounding to ∞ is decided at the midpoint after it); an approximation returns <see
    /// cref="Midpoint"/>, undecided by definition, where it cannot promise that (and for ±∞ and NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T Undecided<T>(T a) where T : struct, ILanes<T> =>
        T.Equal(T.IntAdd(a, T.OfBits(unchecked((ulong)((1L << Band) - (1L << 28))))) & T.OfBits((1UL << 29) - (2UL << Band)), T.Of(0));

    /// <summary>The undecided band is 2^Band float64 ulps on either side of a midpoint.</summary>
    internal const int Band = 16;

    /// <summary>1 + 2⁻²⁴, the midpoint between 1 and the next float32.</summary>
    internal const double Midpoint = 1.000000059604644775390625;

    /// <summary>eˣ to 2⁻⁴² relative for float32 x: the reduction of <see cref="ExpReduce"/> (x = n·ln 2 + r, |r| ≤ 0.347),
    /// eʳ by its Taylor series to r¹⁰ (the first term left out, r¹¹/11!, is below 2.3·10⁻¹³), then 2ⁿ. Below −87, where
    /// eˣ nears float32's smallest normal number, and for NaN it returns <see cref="Midpoint"/> (the full kernel
    /// decides); x is clamped to 89, past which eˣ rounds to ∞ as the full kernel's does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T ExpShort<T>(T x) where T : struct, ILanes<T>
    {
        var normal = T.Less(T.Of(-87), x);             // e⁻⁸⁷ = 1.6·10⁻³⁸ ≥ 2⁻¹²⁶; false for NaN
        x = Clamp(x, -87, 89);
        var n = T.Fma(x, T.Of(Log2E), T.Of(Shifter)) - T.Of(Shifter);
        var r = T.Fma(-n, T.Of(Ln2Low), T.Fma(-n, T.Of(Ln2), x));
        var p = T.Of(1.0 / 3628800);                    // 1/10!
        p = T.Fma(p, r, T.Of(1.0 / 362880));
        p = T.Fma(p, r, T.Of(1.0 / 40320));
        p = T.Fma(p, r, T.Of(1.0 / 5040));
        p = T.Fma(p, r, T.Of(1.0 / 720));
        p = T.Fma(p, r, T.Of(1.0 / 120));
        p = T.Fma(p, r, T.Of(1.0 / 24));
        p = T.Fma(p, r, T.Of(1.0 / 6));
        p = T.Fma(p, r, T.Of(1.0 / 2));
        p = T.Fma(p, r, T.Of(1));
        p = T.Fma(p, r, T.Of(1));
        return T.Select(normal, p * Pow2(n), T.Of(Midpoint));
    }

    /// <summary>sin x (quadrant offset 0) or cos x (offset 1) to 2⁻⁴⁰ relative for float32 x below 2³⁰ in magnitude
    /// (<see cref="Midpoint"/> above, for ±∞ and NaN, and for sin below 2⁻²⁷, where sin x rounds to x and ±0 keep their
    /// sign: the full kernel decides those): x = j·π/2 + r with x − j·HalfPi exact (as in <see cref="TrigReduce"/>) and
    /// j·HalfPi2, j·HalfPi3 taken off by fused multiply-adds, so r is right to 2⁻⁵²|r| + j·2⁻¹⁶⁰; then sin r and cos r by
    /// their Taylor series to r¹³ and r¹⁴ (the terms left out are below 2·10⁻¹⁴ and 10⁻¹⁵ relative on |r| ≤ π/4).
    /// How close a float32 comes to a multiple of π/2 bounds sin r's relative error: every float32 input is checked
    /// against the full kernel by <c>Bench --float32-kernels</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T SinShort<T>(T x, ulong offset) where T : struct, ILanes<T>
    {
        var j = T.Fma(x, T.Of(TwoOverPi), T.Of(Shifter)) - T.Of(Shifter);
        var r = T.Fma(-j, T.Of(HalfPi3), T.Fma(-j, T.Of(HalfPi2), T.Fma(-j, T.Of(HalfPi), x)));
        var z = r * r;
        var s = T.Of(1.0 / 6227020800);                 // 1/13!
        s = T.Fma(s, z, T.Of(-1.0 / 39916800));
        s = T.Fma(s, z, T.Of(1.0 / 362880));
        s = T.Fma(s, z, T.Of(-1.0 / 5040));
        s = T.Fma(s, z, T.Of(1.0 / 120));
        s = T.Fma(s, z, T.Of(-1.0 / 6));
        var sin = T.Fma(r * z, s, r);
        var c = T.Of(-1.0 / 87178291200);               // −1/14!
        c = T.Fma(c, z, T.Of(1.0 / 479001600));
        c = T.Fma(c, z, T.Of(-1.0 / 3628800));
        c = T.Fma(c, z, T.Of(1.0 / 40320));
        c = T.Fma(c, z, T.Of(-1.0 / 720));
        c = T.Fma(c, z, T.Of(1.0 / 24));
        var cos = T.Fma(z * z, c, T.Fma(T.Of(-0.5), z, T.Of(1)));
        var (odd, negate) = Quadrant(j, offset);
        var y = T.Select(odd, cos, sin) ^ negate;
        var a = Abs(x);
        return T.Select(T.Less(T.Of(offset == 0 ? 7.450580596923828e-9 : -1), a) & T.Less(a, T.Of(CodyWaiteLimit)), y, T.Of(Midpoint));
    }
}
