using System.Runtime.CompilerServices;

namespace AutoDiff.Functional.Ops.Kernels;

// ln x and the functions built on it: ln(1 + x), softplus, ln σ.
internal static partial class VectorMath
{
    // ln 2 = Ln2Top + Ln2Rest, Ln2Top with 32 trailing zero bits so that k·Ln2Top is exact for every exponent k.
    static readonly double Ln2Top = BitConverter.UInt64BitsToDouble(0x3FE62E42FEE00000);
    static readonly double Ln2Rest = BitConverter.UInt64BitsToDouble(0x3DEA39EF35793C76);
    const ulong SqrtHalfBits = 0x3FE6A09E667F3BCD;   // √½, the bottom of the mantissa range [√½, √2)

    /// <summary>ln u + c for u &gt; 0 (c a correction far below ulp(ln u) or 0), after fdlibm's e_log.c: u = 2ᵏ·(1 + f)
    /// with 1 + f in [√½, √2) taken from the bits (subnormals scaled by 2⁵⁴ first), s = f/(2 + f), and
    /// ln(1 + f) = f − (f²/2 − s·(f²/2 + R(s²))), R the Remez polynomial of that file (coefficients Lg1–Lg7 as published
    /// there, error below 2⁻⁵⁸·⁴⁵). Special values: +∞ for +∞, −∞ for ±0, NaN for negatives and NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T LogOf<T>(T u, T c) where T : struct, ILanes<T>
    {
        var subnormal = T.Less(u, T.Of(2.2250738585072014e-308));
        var v = T.Select(subnormal, u * T.Of(18014398509481984.0), u);       // ·2⁵⁴
        var bits = T.IntAdd(v, T.OfBits(0x3FF0000000000000 - SqrtHalfBits));   // carries into the exponent from √2 up
        var field = (T.ShiftRightLogical(bits, 52) | T.OfBits(0x4330000000000000)) - T.Of(4503599627370496.0);   // as a double
        var k = field - T.Of(1023) - (subnormal & T.Of(54));
        var f = T.IntAdd(bits & T.OfBits(0x000FFFFFFFFFFFFF), T.OfBits(SqrtHalfBits)) - T.Of(1);
        var halfSquare = T.Of(0.5) * f * f;
        var s = f / (T.Of(2) + f);
        var z = s * s;
        var w = z * z;
        var even = w * T.Fma(w, T.Fma(w, T.Of(1.531383769920937332e-01), T.Of(2.222219843214978396e-01)), T.Of(3.999999999940941908e-01));
        var odd = z * T.Fma(w, T.Fma(w, T.Fma(w, T.Of(1.479819860511658591e-01), T.Of(1.818357216161805012e-01)),
            T.Of(2.857142874366239149e-01)), T.Of(6.666666666666735130e-01));
        var y = k * T.Of(Ln2Top) - (halfSquare - (s * (halfSquare + (odd + even)) + T.Fma(k, T.Of(Ln2Rest), c)) - f);
        y = T.Select(T.Equal(u, T.Of(double.PositiveInfinity)), u, y);
        y = T.Select(T.Equal(u, T.Of(0)), T.Of(double.NegativeInfinity), y);
        y = T.Select(T.Less(u, T.Of(0)), T.Of(double.NaN), y);
        return T.Select(IsNaN(u), u, y);
    }

    /// <summary>ln x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Log<T>(T x) where T : struct, ILanes<T> => LogOf(x, T.Of(0));

    /// <summary>ln(1 + x + xl) = ln u + δ/u, where u = 1 + x rounds and δ = (1 + x) − u + xl; (1 + x) − u is the exact
    /// rounding error (Fast2Sum, the larger magnitude first), so the bits of x that 1 + x drops are not lost, and xl is
    /// a correction far below ulp(x) (the low part of e^−|x| for softplus). ±0 return themselves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T Log1pSplit<T>(T x, T xl) where T : struct, ILanes<T>
    {
        var u = T.Of(1) + x;
        var delta = T.Select(T.Less(T.Of(1), Abs(x)), x - u + T.Of(1), T.Of(1) - u + x) + xl;
        return T.Select(T.Equal(x, T.Of(0)), x, LogOf(u, delta / u));
    }

    /// <summary>ln(1 + x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Log1p<T>(T x) where T : struct, ILanes<T> => Log1pSplit(x, T.Of(0));

    /// <summary>ln(1 + e^−|x|), e^−|x| (never overflows) carried as hi + lo.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T Log1pExpNegAbs<T>(T x) where T : struct, ILanes<T>
    {
        var (eh, el) = ExpSplit(-Abs(x));
        return Log1pSplit(eh, el);
    }

    /// <summary>softplus(x) = ln(1 + eˣ) = max(x, 0) + ln(1 + e^−|x|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Softplus<T>(T x) where T : struct, ILanes<T> =>
        T.Select(T.Less(T.Of(0), x), x, T.Of(0)) + Log1pExpNegAbs(x);

    /// <summary>ln σ(x) = min(x, 0) − ln(1 + e^−|x|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T LogSigmoid<T>(T x) where T : struct, ILanes<T> =>
        T.Select(T.Less(x, T.Of(0)), x, T.Of(0)) - Log1pExpNegAbs(x);
}
