using System.Numerics;

namespace AutoDiff.Functional.Properties.Support;

/// <summary>A number M·2ᴱ held exactly (M any integer).</summary>
public readonly record struct Exact(BigInteger M, int E)
{
    /// <summary>A double, exactly.</summary>
    public static Exact Of(double d)
    {
        if (!double.IsFinite(d)) throw new ArgumentException($"Exact.Of: {d} is not finite");
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(d));
        int field = (int)(bits >> 52);
        long m = bits & 0xFFFFFFFFFFFFF;
        var exact = field == 0 ? new Exact(m, -1074) : new Exact(m | 1L << 52, field - 1075);
        return d < 0 ? new(-exact.M, exact.E) : exact;
    }

    public static Exact operator +(Exact a, Exact b)
    {
        int e = Math.Min(a.E, b.E);
        return new((a.M << (a.E - e)) + (b.M << (b.E - e)), e);
    }

    public static Exact operator -(Exact a) => new(-a.M, a.E);
    public static Exact operator -(Exact a, Exact b) => a + -b;
    public static Exact operator *(Exact a, Exact b) => new(a.M * b.M, a.E + b.E);

    /// <summary>a/b to <see cref="HighPrecision.Bits"/> significant bits (truncated).</summary>
    public static Exact operator /(Exact a, Exact b)
    {
        int k = HighPrecision.Bits + (int)BigInteger.Abs(b.M).GetBitLength() - (int)BigInteger.Abs(a.M).GetBitLength();
        return new((k >= 0 ? a.M << k : a.M >> -k) / b.M, a.E - b.E - k);
    }

    /// <summary>The same value (or a truncation of it to <see cref="HighPrecision.Bits"/> fraction bits when it has
    /// more) as a fixed-point integer of <see cref="HighPrecision.Bits"/> fraction bits.</summary>
    public BigInteger Fixed(int fractionBits = HighPrecision.Bits) =>
        E + fractionBits >= 0 ? M << (E + fractionBits) : M >= 0 ? M >> -(E + fractionBits) : -(-M >> -(E + fractionBits));

    public override string ToString() => $"{(double)M}·2^{E}";
}

/// <summary>An independent high-precision reference for the transcendental kernels, in plain integer arithmetic
/// (<see cref="BigInteger"/> fixed point with 256 fraction bits, arguments taken exactly): ln 2 from the series of
/// 2·atanh(1/3), π from Euler's atan(1/2) + atan(1/3) (the library uses Machin's formula), and every function from its
/// Taylor or atanh series after an exact reduction. It shares nothing with the library's kernels, and is slow (tens of
/// microseconds a call).</summary>
public static class HighPrecision
{
    public const int Bits = 256;
    const int PiBits = 1600;   // enough to reduce any double modulo π/2 to 2⁻⁴⁰⁰
    static readonly BigInteger One = BigInteger.One << Bits;
    static readonly BigInteger Ln2Fixed = 2 * ArTanhInverse(3, Bits + 32) >> 32;
    static readonly BigInteger PiFixed = 4 * (ArcTanInverse(2, PiBits + 32) + ArcTanInverse(3, PiBits + 32)) >> 32;

    /// <summary>ln 2 and π as exact numbers (to 2⁻²⁵⁶ and 2⁻¹⁶⁰⁰).</summary>
    public static Exact Ln2 => new(Ln2Fixed, -Bits);
    public static Exact Pi => new(PiFixed, -PiBits);

    static BigInteger ArcTanInverse(int k, int bits)
    {
        BigInteger power = (BigInteger.One << bits) / k, sum = 0;
        for (int i = 0; !power.IsZero; i++, power /= k * k) sum += (i % 2 == 0 ? 1 : -1) * (power / (2 * i + 1));
        return sum;
    }

    static BigInteger ArTanhInverse(int k, int bits)
    {
        BigInteger power = (BigInteger.One << bits) / k, sum = 0;
        for (int i = 0; !power.IsZero; i++, power /= k * k) sum += power / (2 * i + 1);
        return sum;
    }

    static BigInteger Mul(BigInteger a, BigInteger b) => BigInteger.Divide(a * b, One);   // truncated toward zero

    /// <summary>eᵗ for a fixed-point |t| ≤ 1, by its Taylor series.</summary>
    static BigInteger ExpFixed(BigInteger t)
    {
        BigInteger sum = One, term = One;
        for (int k = 1; !term.IsZero; k++) { term = Mul(term, t) / k; sum += term; }
        return sum;
    }

    /// <summary>eˣ exactly reduced: x = n·ln 2 + r, eˣ = 2ⁿ·eʳ. Any x below 2¹⁰ in magnitude.</summary>
    public static Exact Exp(double x)
    {
        var fixedX = Exact.Of(x).Fixed();
        var n = BigInteger.Divide(2 * fixedX + Ln2Fixed, 2 * Ln2Fixed);   // round(x/ln 2), toward zero on ties
        var r = fixedX - n * Ln2Fixed;
        return new(ExpFixed(r), (int)n - Bits);
    }

    /// <summary>eˣ − 1: its series x·Σ xᵏ/(k + 1)! for |x| &lt; 2⁻⁸ (relative accuracy at any tiny x), else eˣ − 1.</summary>
    public static Exact Expm1(double x)
    {
        if (Math.Abs(x) >= 1.0 / 256) return Exp(x) - new Exact(1, 0);
        var t = Exact.Of(x).Fixed();
        BigInteger sum = One, term = One;
        for (int k = 2; !term.IsZero; k++) { term = Mul(term, t) / k; sum += term; }
        return Exact.Of(x) * new Exact(sum, -Bits);
    }

    /// <summary>ln of a positive exact number: a = f·2ᵇ with f in [1, 2), ln f = 2·atanh((f − 1)/(f + 1)).</summary>
    public static Exact Ln(Exact a)
    {
        if (a.M.Sign <= 0) throw new ArgumentException("Ln: not positive");
        int b = (int)a.M.GetBitLength() - 1;
        var f = new Exact(a.M, -b).Fixed();
        var s = ((f - One) << Bits) / (f + One);
        var s2 = Mul(s, s);
        BigInteger sum = 0, power = s;
        for (int k = 0; !power.IsZero; k++, power = Mul(power, s2)) sum += power / (2 * k + 1);
        return new Exact(2 * sum + (a.E + b) * Ln2Fixed, -Bits);
    }

    /// <summary>ln x.</summary>
    public static Exact Log(double x) => Ln(Exact.Of(x));

    /// <summary>ln(1 + u): the series u·Σ (−u)ᵏ/(k + 1) for |u| &lt; 2⁻⁸, else ln of the exact 1 + u.</summary>
    public static Exact Log1p(Exact u)
    {
        var size = (int)BigInteger.Abs(u.M).GetBitLength() + u.E;   // |u| < 2^size
        if (size > -8) return Ln(u + new Exact(1, 0));
        var t = u.Fixed();
        BigInteger sum = 0, power = One;
        for (int k = 0; !power.IsZero; k++, power = -Mul(power, t)) sum += power / (k + 1);
        return u * new Exact(sum, -Bits);
    }

    /// <summary>ln(1 + x).</summary>
    public static Exact Log1p(double x) => Log1p(Exact.Of(x));

    /// <summary>σ(x) = 1/(1 + e⁻ˣ).</summary>
    public static Exact Sigmoid(double x) => new Exact(1, 0) / (new Exact(1, 0) + Exp(-x));

    /// <summary>tanh x = (e²ˣ − 1)/(e²ˣ − 1 + 2), for |x| ≤ 2¹⁰.</summary>
    public static Exact Tanh(double x)
    {
        var t = Expm1(2 * x);
        return t / (t + new Exact(2, 0));
    }

    /// <summary>ln(1 + eˣ).</summary>
    public static Exact Softplus(double x) => Log1p(Exp(x));

    /// <summary>ln σ(x) = −ln(1 + e⁻ˣ).</summary>
    public static Exact LogSigmoid(double x) => -Log1p(Exp(-x));

    /// <summary>sin x and cos x: x − j·π/2 exactly to 2⁻¹⁶⁰⁰·j, then the Taylor series; below 2⁻²⁰ the series of x itself
    /// (relative accuracy at any tiny x).</summary>
    public static (Exact Sin, Exact Cos) SinCos(double x)
    {
        var ex = Exact.Of(x);
        if (Math.Abs(x) < 1.0 / (1 << 20))
        {
            var t = ex.Fixed();
            var t2 = Mul(t, t);
            // x(1 − x²/6 + x⁴/120) and 1 − x²/2 + x⁴/24: the next terms are below 2⁻²⁴⁰ relative.
            var sinFactor = One - t2 / 6 + Mul(t2, t2) / 120;
            return (ex * new Exact(sinFactor, -Bits), new Exact(One - t2 / 2 + Mul(t2, t2) / 24, -Bits));
        }
        var big = ex.Fixed(PiBits);
        var halfPi = PiFixed >> 1;
        var j = BigInteger.Divide(2 * BigInteger.Abs(big) + halfPi, 2 * halfPi) * big.Sign;
        var r = (big - j * halfPi) >> (PiBits - Bits);
        var r2 = Mul(r, r);
        BigInteger sin = 0, cos = 0, term = r;
        for (int k = 1; !term.IsZero; k += 2) { sin += term; term = -Mul(term, r2) / ((k + 1) * (k + 2)); }
        term = One;
        for (int k = 0; !term.IsZero; k += 2) { cos += term; term = -Mul(term, r2) / ((k + 1) * (k + 2)); }
        int q = (int)(((j % 4) + 4) % 4);
        var (s, c) = q switch { 0 => (sin, cos), 1 => (cos, -sin), 2 => (-sin, -cos), _ => (-cos, sin) };
        return (new(s, -Bits), new(c, -Bits));
    }

    /// <summary>|y − reference| in units in the last place of the reference (the spacing of doubles at its magnitude,
    /// subnormal spacing below 2⁻¹⁰²²). ∞ is right only where the reference rounds to it.</summary>
    public static double Ulps(double y, Exact reference)
    {
        if (double.IsNaN(y)) return double.PositiveInfinity;
        var magnitude = BigInteger.Abs(reference.M);
        int top = magnitude.IsZero ? int.MinValue / 2 : (int)magnitude.GetBitLength() - 1 + reference.E;   // ⌊log₂|ref|⌋
        if (double.IsInfinity(y))
        {
            // The reference rounds to ∞ from 2¹⁰²⁴·(1 − 2⁻⁵⁴) up.
            var beyond = (y > 0 ? reference : -reference) - new Exact((BigInteger.One << 54) - 1, 1024 - 54);
            return beyond.M.Sign >= 0 ? 0 : double.PositiveInfinity;
        }
        if (top >= 1024) return double.PositiveInfinity;
        int ulp = Math.Max(top - 52, -1074);
        var diff = Exact.Of(y) - reference;
        var d = BigInteger.Abs(diff.M);
        int e = diff.E - ulp;
        int length = (int)d.GetBitLength();
        if (length > 64) { d >>= length - 64; e += length - 64; }
        return Math.ScaleB((double)d, e);
    }
}
