using DD = AutoDiff.Functional.Properties.Support.DoubleDouble;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>log1p, expm1, log σ, erf, ln Γ and ψ in double-double arithmetic (~106 bits), written from their series
/// and recurrences (Abramowitz &amp; Stegun 4.1.24, 4.2.1, 7.1.6, 6.1.40–41, 6.3.5–6, 6.3.18), independently of the library
/// and of MathNet: the references of <see cref="SpecialPrecisionTests"/>. Each returns the value and the size of the
/// terms it combined (what the rounding of a double evaluation is proportional to, for the budget near a root).</summary>
static class SpecialReferences
{
    static readonly DD Ln2 = new(0.6931471805599453, 2.3190468138462996e-17);
    static readonly DD Pi = new(3.141592653589793, 1.2246467991473532e-16);
    static readonly DD HalfLnTwoPi = Ln(2 * Pi) * 0.5;

    /// <summary>ln x for any x &gt; 0 in double-double: x = m·2ᵏ with m in [1, 2), so the Newton steps of
    /// <see cref="DD.Log"/> never see a subnormal or a huge argument.</summary>
    public static DD Ln(DD x)
    {
        int k = Math.ILogB(x.Hi);
        var m = new DD(Math.ScaleB(x.Hi, -k), Math.ScaleB(x.Lo, -k));
        return DD.Log(m) + Ln2 * k;
    }

    /// <summary>ln(1 + x), x &gt; −1: the alternating series for |x| &lt; 1/64 (20 terms: below 2⁻¹²⁰ of the first),
    /// otherwise ln of 1 + x formed exactly enough in double-double.</summary>
    public static DD Log1p(DD x)
    {
        if (Math.Abs(x.Hi) >= 1.0 / 64) return Ln(1 + x);
        DD power = x, sum = 0;
        for (int k = 1; k <= 24; k++)
        {
            sum += k % 2 == 1 ? power / k : -(power / k);
            power *= x;
        }
        return sum;
    }

    /// <summary>eˣ − 1: the Taylor series for |x| &lt; 1/64, otherwise eˣ − 1 in double-double.</summary>
    public static DD Expm1(double x)
    {
        if (x > 709.79) return double.PositiveInfinity;
        if (Math.Abs(x) >= 1.0 / 64) return DD.Exp(x) - 1;
        DD term = x, sum = 0;
        for (int k = 1; k <= 20; k++)
        {
            sum += term;
            term = term * x / (k + 1);
        }
        return sum;
    }

    /// <summary>ln σ(x) = −log1p(e⁻ˣ) for x ≥ 0, x − log1p(eˣ) below.</summary>
    public static DD LogSigmoid(double x) => x >= 0 ? -Log1p(DD.Exp(-x)) : x - Log1p(DD.Exp(x));

    /// <summary>erf x = (2/√π)e^(−x²) Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)), a series of positive terms (no cancellation), for
    /// |x| ≤ 6.5; ±1 beyond (erfc(6.5) ≈ 4e-20 is below half an ulp of 1). Tiny x: 2x/√π.</summary>
    public static DD Erf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (Math.Abs(x) > 6.5) return Math.Sign(x);
        var twoOverRootPi = 2 / Sqrt(Pi);
        if (Math.Abs(x) < 1e-150) return twoOverRootPi * x;   // x³ terms below 2⁻³⁰⁰ of x
        DD x2 = (DD)x * x, term = x, sum = 0;
        for (int n = 0; n < 400; n++)
        {
            sum += term;
            term = term * x2 * 2 / (2 * n + 3);
            if (Math.Abs(term.Hi) < 1e-34 * Math.Abs(sum.Hi)) break;
        }
        return twoOverRootPi * DD.Exp(-x2) * sum;
    }

    /// <summary>ln Γ(x) for x &gt; 0: shifted up to z = x + n ≥ 30 by ln Γ(x) = ln Γ(z) − ln(x(x+1)…(x+n−1)), then
    /// Stirling's series (z − ½)ln z − z + ½ln 2π + Σₖ B₂ₖ/(2k(2k − 1)z^(2k−1)), 12 terms. Terms: the magnitudes
    /// combined (their rounding bounds any double evaluation's error near the roots x = 1, 2).</summary>
    public static (DD Value, double Terms) LogGamma(double x)
    {
        if (x >= 1e17) return ((x - 0.5) * Ln(x) - x + HalfLnTwoPi, Math.Abs(x * Math.Log(x)));
        DD product = 1, z = x;
        while (z.Hi < 30)
        {
            product *= z;
            z += 1;
        }
        var lnProduct = Ln(product);
        var lnz = Ln(z);
        DD series = 0, zPower = z, z2 = z * z;
        for (int k = 1; k <= Bernoulli.Length; k++)
        {
            series += Bernoulli[k - 1] / (2.0 * k * (2 * k - 1)) / zPower;
            zPower *= z2;
        }
        var stirling = (z - 0.5) * lnz - z + HalfLnTwoPi + series;
        return (stirling - lnProduct, Math.Abs(stirling.Hi) + Math.Abs(lnProduct.Hi));
    }

    /// <summary>ψ(x): for x &lt; 0 the reflection ψ(x) = ψ(1 − x) − π·cot(πx); for x &gt; 0 shifted up to z ≥ 30 by
    /// ψ(x) = ψ(z) − Σ 1/(x + k), then ln z − 1/(2z) − Σₖ B₂ₖ/(2k·z^(2k)). Terms as for <see cref="LogGamma"/>.</summary>
    public static (DD Value, double Terms) Digamma(double x)
    {
        if (x > 0) return DigammaPositive(x);
        if (x == Math.Floor(x)) return (double.NaN, double.NaN);   // a pole (every |x| ≥ 2⁵² is an integer)
        var (reflected, terms) = DigammaPositive(1 - (DD)x);
        var cot = Pi * CotPi(x);
        return (reflected - cot, terms + Math.Abs(cot.Hi));
    }

    static (DD Value, double Terms) DigammaPositive(DD x)
    {
        if (x.Hi >= 1e17) return (Ln(x) - 0.5 / x, Math.Abs(Math.Log(x.Hi)));
        DD shift = 0, z = x;
        double sizes = 0;
        while (z.Hi < 30)
        {
            var inverse = 1 / z;
            shift += inverse;
            sizes += Math.Abs(inverse.Hi);
            z += 1;
        }
        DD series = 0, z2 = z * z, zPower = z2;
        for (int k = 1; k <= Bernoulli.Length; k++)
        {
            series += Bernoulli[k - 1] / (2.0 * k) / zPower;
            zPower *= z2;
        }
        var asymptotic = Ln(z) - 0.5 / z - series;
        return (asymptotic - shift, Math.Abs(asymptotic.Hi) + sizes);
    }

    /// <summary>cot(πx) for non-integer x: x − round(x) is exact, then sin and cos of π·r by their Taylor series.</summary>
    static DD CotPi(double x)
    {
        double r = x - Math.Round(x);
        DD a = Pi * r, a2 = a * a, sin = 0, cos = 0, term = 1;
        for (int n = 0; n < 40; n++)
        {
            if (n % 2 == 0) cos += (n / 2) % 2 == 0 ? term : -term;
            else sin += ((n - 1) / 2) % 2 == 0 ? term : -term;
            term = term * a / (n + 1);
        }
        return cos / sin;
    }

    /// <summary>√x in double-double: one Newton step from the double root.</summary>
    static DD Sqrt(DD x)
    {
        double s = Math.Sqrt(x.Hi);
        return s + (x - (DD)s * s) / (2 * s);
    }

    // B₂, B₄, …, B₂₄ (exact rationals, each a double-double quotient).
    static readonly DD[] Bernoulli =
    [
        (DD)1 / 6, (DD)(-1) / 30, (DD)1 / 42, (DD)(-1) / 30, (DD)5 / 66, (DD)(-691) / 2730, (DD)7 / 6,
        (DD)(-3617) / 510, (DD)43867 / 798, (DD)(-174611) / 330, (DD)854513 / 138, (DD)(-236364091) / 2730,
    ];
}
