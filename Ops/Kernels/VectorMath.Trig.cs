using System.Numerics;
using System.Runtime.CompilerServices;

namespace AutoDiff.Functional.Ops.Kernels;

// sin x and cos x: x = j·π/2 + r with |r| ≤ π/4 (r carried as r + rr), then ±sin r or ±cos r by j mod 4.
internal static partial class VectorMath
{
    /// <summary>Above this |x| the reduction is Payne–Hanek's, one lane at a time (<see cref="ReduceFar"/>).</summary>
    const double CodyWaiteLimit = 1073741824.0;   // 2³⁰

    // π/2 = HalfPi + HalfPi2 + HalfPi3 to about 2⁻¹⁶⁰ (each the double nearest what the ones before leave), 2/π's
    // double, and 2/π's first 1,280 bits in 64-bit words for Payne–Hanek: computed once from π by Machin's formula,
    // so no table is copied in.
    static readonly double HalfPi, HalfPi2, HalfPi3, TwoOverPi;
    static readonly ulong[] TwoOverPiWords;

    static VectorMath()
    {
        const int bits = 1500;
        var pi = 16 * ArcTanInverse(5, bits) - 4 * ArcTanInverse(239, bits);   // π·2¹⁵⁰⁰, good to ~2⁻¹⁴⁹⁰
        var halfPi = pi >> 1;
        HalfPi = Nearest(halfPi, bits);
        var rest = halfPi - Exact(HalfPi, bits);
        HalfPi2 = Nearest(rest, bits);
        HalfPi3 = Nearest(rest - Exact(HalfPi2, bits), bits);
        const int words = 20;
        var twoOverPi = (BigInteger.One << (64 * words + bits + 1)) / pi;     // ⌊2/π·2¹²⁸⁰⌋ (π's error is far below)
        TwoOverPi = Nearest(twoOverPi, 64 * words);
        TwoOverPiWords = new ulong[words];
        for (int i = 0; i < words; i++) TwoOverPiWords[i] = (ulong)(twoOverPi >> (64 * (words - 1 - i)) & ulong.MaxValue);
    }

    /// <summary>atan(1/k)·2^bits by its series Σ (−1)ⁱ/((2i + 1)·k²ⁱ⁺¹), each term truncated.</summary>
    static BigInteger ArcTanInverse(int k, int bits)
    {
        BigInteger power = (BigInteger.One << (bits + 16)) / k, sum = 0;   // 16 guard bits for the truncations
        for (int i = 0; !power.IsZero; i++, power /= k * k) sum += (i % 2 == 0 ? 1 : -1) * (power / (2 * i + 1));
        return sum >> 16;
    }

    /// <summary>The double nearest v·2^−scale (ties to even).</summary>
    static double Nearest(BigInteger v, int scale)
    {
        var m = BigInteger.Abs(v);
        int shift = (int)m.GetBitLength() - 53;
        if (shift > 0)
        {
            var kept = m >> shift;
            var dropped = m - (kept << shift);
            var half = BigInteger.One << (shift - 1);
            if (dropped > half || dropped == half && !kept.IsEven) kept++;
            m = kept;
        }
        else shift = 0;
        return v.Sign * Math.ScaleB((double)m, shift - scale);
    }

    static BigInteger Exact(double d, int scale)
    {
        long b = BitConverter.DoubleToInt64Bits(Math.Abs(d));
        int e = (int)(b >> 52) - 1075;
        var m = new BigInteger(b & 0xFFFFFFFFFFFFF | 1L << 52) << (e + scale);
        return d < 0 ? -m : m;
    }

    /// <summary>x = j·π/2 + r + rr. Cody–Waite with three parts of π/2 below 2³⁰: x − j·HalfPi is exact (both are
    /// multiples of 2⁻⁵³ and the difference is below 1), j·HalfPi2 is split exactly by a fused multiply-add and
    /// subtracted with TwoSum, so r + rr is right to about j·2⁻¹⁶⁰, far below the closest a double comes to a
    /// multiple of π/2. Lanes above 2³⁰ (and ±∞) are reduced by <see cref="ReduceFar"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (T J, T R, T RR) TrigReduce<T>(T x) where T : struct, ILanes<T>
    {
        var j = T.Fma(x, T.Of(TwoOverPi), T.Of(Shifter)) - T.Of(Shifter);
        var a = T.Fma(-j, T.Of(HalfPi), x);
        var p = j * T.Of(HalfPi2);
        var pe = T.Fma(j, T.Of(HalfPi2), -p);
        var s = a - p;
        var back = s - a;
        var se = a - (s - back) + (-p - back);
        var lo = T.Fma(-j, T.Of(HalfPi3), se - pe);
        var r = s + lo;
        var rr = s - r + lo;
        var far = T.Less(T.Of(CodyWaiteLimit), Abs(x));
        if (T.Any(far))
            for (int i = 0; i < T.Count; i++)
                if (BitConverter.DoubleToUInt64Bits(T.Get(far, i)) != 0)
                {
                    var (jj, ri, rri) = ReduceFar(T.Get(x, i));
                    (j, r, rr) = (T.With(j, i, jj), T.With(r, i, ri), T.With(rr, i, rri));
                }
        return (j, r, rr);
    }

    /// <summary>Payne–Hanek for one |x| &gt; 2³⁰: x = m·2ᵉ (m a 53-bit integer), and x·2/π mod 4 needs only the words
    /// of 2/π from where m·2ᵉ·word stops being a multiple of 4: four words (256 bits) times m give the quadrant and
    /// 128 bits of the fraction, to 2⁻¹³⁸. The fraction (moved to [−½, ½)) times π/2 in double-double is r + rr.
    /// ±∞ give NaN. Allocates nothing.</summary>
    internal static (double J, double R, double RR) ReduceFar(double x)
    {
        if (!double.IsFinite(x)) return (0, double.NaN, double.NaN);
        ulong b = BitConverter.DoubleToUInt64Bits(x);
        ulong m = b & 0xFFFFFFFFFFFFF | 1UL << 52;
        int e = (int)(b >> 52 & 0x7FF) - 1075;
        int first = e <= 1 ? 0 : (e + 62) / 64 - 1;
        Span<ulong> product = stackalloc ulong[5];
        for (int t = 0; t < 4; t++)
        {
            ulong high = Math.BigMul(m, TwoOverPiWords[first + t], out ulong low);
            AddAt(product, 3 - t, low);
            AddAt(product, 4 - t, high);
        }
        int point = 64 * (first + 4) - e;
        long quadrant = (long)(BitsAt(product, point) & 3);
        var fraction = new UInt128(BitsAt(product, point - 64), BitsAt(product, point - 128));
        bool negative = fraction >> 127 != 0;
        if (negative) { quadrant++; fraction = UInt128.Zero - fraction; }
        double hi = 0, lo = 0;
        if (fraction != UInt128.Zero)
        {
            int lead = (int)UInt128.LeadingZeroCount(fraction);
            var normal = fraction << lead;
            hi = Math.ScaleB((double)(ulong)(normal >> 75), -53 - lead);
            lo = Math.ScaleB((double)(ulong)((normal & ((UInt128.One << 75) - 1)) >> 11), -117 - lead);
        }
        double ph = hi * HalfPi;
        double pl = Math.FusedMultiplyAdd(hi, HalfPi, -ph) + (hi * HalfPi2 + lo * HalfPi);
        double r = ph + pl, rr = ph - r + pl;
        if (negative) (r, rr) = (-r, -rr);
        return x < 0 ? (-quadrant, -r, -rr) : (quadrant, r, rr);
    }

    static void AddAt(Span<ulong> words, int at, ulong v)
    {
        for (; at < words.Length && v != 0; at++)
        {
            ulong sum = words[at] + v;
            v = sum < v ? 1UL : 0;
            words[at] = sum;
        }
    }

    /// <summary>The 64 bits of a little-endian multiword number from bit <paramref name="at"/> up (zeros past its end).</summary>
    static ulong BitsAt(ReadOnlySpan<ulong> words, int at)
    {
        int w = at >> 6, s = at & 63;
        ulong low = w < words.Length ? words[w] : 0, high = w + 1 < words.Length ? words[w + 1] : 0;
        return s == 0 ? low : low >> s | high << (64 - s);
    }

    /// <summary>sin(r + rr) and cos(r + rr) for |r| ≤ π/4 + tiny, by their Taylor series to r¹⁹ and r¹⁸ (the terms
    /// left out are below 10⁻¹⁹ and 3·10⁻²¹ relative); rr enters to first order. cos keeps 1 − r²/2 exact as w + e
    /// (r² split exactly by a fused multiply-add, then Fast2Sum), so its one rounding that matters is the last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (T Sin, T Cos) SinCosReduced<T>(T r, T rr) where T : struct, ILanes<T>
    {
        var z = r * r;
        var zLow = T.Fma(r, r, -z);
        var s = T.Of(-1.0 / 121645100408832000);            // −1/19!
        s = T.Fma(s, z, T.Of(1.0 / 355687428096000));
        s = T.Fma(s, z, T.Of(-1.0 / 1307674368000));
        s = T.Fma(s, z, T.Of(1.0 / 6227020800));
        s = T.Fma(s, z, T.Of(-1.0 / 39916800));
        s = T.Fma(s, z, T.Of(1.0 / 362880));
        s = T.Fma(s, z, T.Of(-1.0 / 5040));
        s = T.Fma(s, z, T.Of(1.0 / 120));
        s = T.Fma(s, z, T.Of(-1.0 / 6));
        var sin = r + T.Fma(r * z, s, T.Fma(T.Of(-0.5) * z, rr, rr));
        var c = T.Of(-1.0 / 6402373705728000);               // −1/18!
        c = T.Fma(c, z, T.Of(1.0 / 20922789888000));
        c = T.Fma(c, z, T.Of(-1.0 / 87178291200));
        c = T.Fma(c, z, T.Of(1.0 / 479001600));
        c = T.Fma(c, z, T.Of(-1.0 / 3628800));
        c = T.Fma(c, z, T.Of(1.0 / 40320));
        c = T.Fma(c, z, T.Of(-1.0 / 720));
        c = T.Fma(c, z, T.Of(1.0 / 24));
        var halfZ = T.Of(0.5) * z;
        var w = T.Of(1) - halfZ;
        var e = T.Of(1) - w - halfZ;
        var cos = w + T.Fma(z * z, c, T.Fma(-r, rr, e - T.Of(0.5) * zLow));
        return (sin, cos);
    }

    /// <summary>Masks from j mod 4 (read from j + <see cref="Shifter"/>'s low bits, two's complement for negative j):
    /// whether bit 0 and bit 1 of j + <paramref name="offset"/> are set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (T Odd, T Negate) Quadrant<T>(T j, ulong offset) where T : struct, ILanes<T>
    {
        var q = T.IntAdd(j + T.Of(Shifter), T.OfBits(offset));
        var odd = T.Equal(q & T.OfBits(1), T.OfBits(1));
        var negate = T.Equal(q & T.OfBits(2), T.OfBits(2));
        return (odd, negate & T.OfBits(SignBit));
    }

    /// <summary>sin x: ±sin r or ±cos r by j mod 4; x itself below 2⁻²⁷ (sin x rounds to x there, and ±0 keep their
    /// sign); NaN for ±∞ and NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Sin<T>(T x) where T : struct, ILanes<T>
    {
        var (j, r, rr) = TrigReduce(x);
        var (sin, cos) = SinCosReduced(r, rr);
        var (odd, negate) = Quadrant(j, 0);
        var y = T.Select(odd, cos, sin) ^ negate;
        return T.Select(T.Less(Abs(x), T.Of(7.450580596923828e-9)), x, y);
    }

    /// <summary>cos x: ±cos r or ±sin r by j mod 4 (cos x = sin(x + π/2), so the quadrant is j + 1's); NaN for ±∞
    /// and NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Cos<T>(T x) where T : struct, ILanes<T>
    {
        var (j, r, rr) = TrigReduce(x);
        var (sin, cos) = SinCosReduced(r, rr);
        var (odd, negate) = Quadrant(j, 1);
        return T.Select(odd, cos, sin) ^ negate;
    }
}
