using System.Runtime.CompilerServices;

namespace AutoDiff.Functional.Ops.Kernels;

// eˣ and the functions built on it: eˣ − 1, σ(x), tanh x.
internal static partial class VectorMath
{
    // ln 2 = Ln2 + Ln2Low to about 2⁻¹⁰⁶: Ln2 is the double nearest ln 2, Ln2Low the double nearest the remainder.
    internal static readonly double Ln2 = BitConverter.UInt64BitsToDouble(0x3FE62E42FEFA39EF);
    internal static readonly double Ln2Low = BitConverter.UInt64BitsToDouble(0x3C7ABC9E3B39803F);
    internal static readonly double Log2E = BitConverter.UInt64BitsToDouble(0x3FF71547652B82FE);   // the double nearest 1/ln 2

    /// <summary>The reduction x = n·ln 2 + r (|r| ≤ ½ln 2 + tiny) and eʳ − 1 = r + t, accurate to about 2⁻⁶⁰ relative.
    /// n = round(x/ln 2) through <see cref="Shifter"/>; with a fused multiply-add x − n·Ln2 is exact (both are multiples
    /// of 2⁻⁵⁴ once |x| ≥ ½ln 2, and the difference is below ½), so only −n·Ln2Low rounds, and rc keeps what that
    /// rounding lost. The polynomial is eʳ's Taylor series to r¹³ (coefficients 1/k!, rounded by the compiler's own
    /// division): the first term left out, r¹⁴/14! ≤ 4.2·10⁻¹⁸, is 0.05 ulp of eʳ on |r| ≤ 0.347.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (T N, T R, T Tail) ExpReduce<T>(T x) where T : struct, ILanes<T>
    {
        var n = T.Fma(x, T.Of(Log2E), T.Of(Shifter)) - T.Of(Shifter);
        var exact = T.Fma(-n, T.Of(Ln2), x);
        var r = T.Fma(-n, T.Of(Ln2Low), exact);
        var rc = T.Fma(-n, T.Of(Ln2Low), exact - r);
        var p = T.Of(1.0 / 6227020800);                 // 1/13!
        p = T.Fma(p, r, T.Of(1.0 / 479001600));
        p = T.Fma(p, r, T.Of(1.0 / 39916800));
        p = T.Fma(p, r, T.Of(1.0 / 3628800));
        p = T.Fma(p, r, T.Of(1.0 / 362880));
        p = T.Fma(p, r, T.Of(1.0 / 40320));
        p = T.Fma(p, r, T.Of(1.0 / 5040));
        p = T.Fma(p, r, T.Of(1.0 / 720));
        p = T.Fma(p, r, T.Of(1.0 / 120));
        p = T.Fma(p, r, T.Of(1.0 / 24));
        p = T.Fma(p, r, T.Of(1.0 / 6));
        p = T.Fma(p, r, T.Of(1.0 / 2));
        // e^(r + rc) − 1 − r = r²·p + rc·(1 + r) to far below an ulp.
        return (n, r, T.Fma(r * r, p, T.Fma(rc, r, rc)));
    }

    /// <summary>eˣ as hi + lo: 2ⁿ·(1 + r + t), where 1 + r is split exactly into h + l (Fast2Sum, |r| &lt; 1) so that the
    /// small terms are added before the one rounding that matters, hi = 2ⁿ·(h + (l + t)), and lo the part of the sum
    /// that rounding dropped (for kernels that divide by 1 + eˣ). Scaled in two steps, so that results in the subnormals
    /// round once and those past 709.78 become ∞. x is clamped to [−760, 720] first (beyond, eˣ is 0 or ∞ anyway).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (T Hi, T Lo) ExpSplit<T>(T x) where T : struct, ILanes<T>
    {
        var (n, r, t) = ExpReduce(Clamp(x, -760, 720));
        var h = T.Of(1) + r;
        var l = T.Of(1) - h + r + t;
        var sum = h + l;
        return (Scale(sum, n), Scale(l - (sum - h), n));
    }

    /// <summary>eˣ (NaN passes through).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Exp<T>(T x) where T : struct, ILanes<T> => T.Select(IsNaN(x), x, ExpSplit(x).Hi);

    /// <summary>eˣ − 1 as hi + lo: (2ⁿ − 1) + 2ⁿ·r + 2ⁿ·t, where the first two are added exactly (Fast2Sum:
    /// |2ⁿ − 1| ≥ |2ⁿ·r| for every n) before the rest, so results near 0 (n = 0: r + t) and near −½ keep every bit; hi is
    /// the rounded sum and lo what the rounding dropped. Above n = 56 the −1 is below ⅛ ulp and eˣ is returned; below −40 the result is −1 (eˣ &lt; 2⁻⁵⁴).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (T Hi, T Lo) Expm1Split<T>(T x) where T : struct, ILanes<T>
    {
        var (n, r, t) = ExpReduce(Clamp(x, -40, 720));
        var big = T.Less(T.Of(56), n);
        var p = Pow2(T.Select(big, T.Of(0), n));
        var a = p - T.Of(1);
        var b = p * r;
        var hi = a + b;
        var lo = a - hi + b + p * t;
        var sum = hi + lo;
        var h = T.Of(1) + r;
        var l = T.Of(1) - h + r + t;
        return (T.Select(big, Scale(h + l, n), sum), T.Select(big, T.Of(0), lo - (sum - hi)));
    }

    /// <summary>eˣ − 1 (±0 and NaN return themselves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Expm1<T>(T x) where T : struct, ILanes<T>
    {
        return T.Select(T.Equal(x, T.Of(0)) | IsNaN(x), x, Expm1Split(x).Hi);
    }

    /// <summary>(nh + nl)/(dh + dl) with one rounding that matters: q = nh/dh, then the residual nh + nl − q·(dh + dl)
    /// (exact in its first part by a fused multiply-add) divided by dh corrects it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T Divide<T>(T nh, T nl, T dh, T dl) where T : struct, ILanes<T>
    {
        var q = nh / dh;
        var residual = T.Fma(-q, dl, T.Fma(-q, dh, nh) + nl);
        return q + residual / dh;
    }

    /// <summary>σ(x) = 1/(1 + e) for x ≥ 0 and e/(1 + e) below, with e = e^−|x| (never overflows) carried as hi + lo,
    /// 1 + e split exactly, and the quotient corrected once (<see cref="Divide"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Sigmoid<T>(T x) where T : struct, ILanes<T>
    {
        var (eh, el) = ExpSplit(-Abs(x));
        var negative = T.Less(x, T.Of(0));
        var dh = T.Of(1) + eh;
        var dl = T.Of(1) - dh + eh + el;
        return Divide(T.Select(negative, eh, T.Of(1)), negative & el, dh, dl);
    }

    /// <summary>tanh |x| = −t/(t + 2) with t = eˣ − 1 at −2|x| below |x| = 0.55 (keeps relative accuracy near 0), and
    /// 1 − 2/(t + 2) with t at +2|x| above, t carried as hi + lo and the quotient corrected once; the sign is x's. From
    /// |x| = 20 on the result is 1 (tanh 20 = 1 − 8.5·10⁻¹⁸), so |x| is clamped there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Tanh<T>(T x) where T : struct, ILanes<T>
    {
        var a = Abs(x);
        a = T.Select(T.Less(T.Of(20), a), T.Of(20), a);
        var small = T.Less(a, T.Of(0.55));
        var (th, tl) = Expm1Split(T.Select(small, -(a + a), a + a));
        var dh = th + T.Of(2);
        var dl = T.Select(small, T.Of(2) - dh + th, th - dh + T.Of(2)) + tl;   // Fast2Sum, the larger first
        var q = Divide(T.Select(small, -th, T.Of(2)), small & -tl, dh, dl);
        return Abs(T.Select(small, q, T.Of(1) - q)) | (x & T.OfBits(SignBit));
    }
}
