using AutoDiff.Functional.Properties.Support;
using M = AutoDiff.Functional.Properties.Support.MathReferences;
using P = AutoDiff.Functional.Ops;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>Derivatives written from the maths for the element-wise rows, in forms that keep their relative accuracy
/// far out (σ(−x) rather than 1 − σ(x), sech² rather than 1 − tanh²), so that the Derivative law can compare an op's
/// rule with them to 1e-12 where the derivative is tiny.</summary>
internal static class Analytic
{
    /// <summary>σ(x) = 1/(1 + e⁻ˣ) for x ≥ 0, eˣ/(1 + eˣ) below: no overflow, full relative accuracy either side.</summary>
    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
    /// <summary>σ′ = σ(x)·σ(−x).</summary>
    public static double SigmoidPrime(double x) => Sigmoid(x) * Sigmoid(-x);
    /// <summary>σ″ = σ′·(σ(−x) − σ(x)) = −σ′·tanh(x/2), without the cancellation of the difference.</summary>
    public static double SigmoidSecond(double x) => -SigmoidPrime(x) * Math.Tanh(x / 2);
    /// <summary>tanh′ = sech² x = 4e^(−2|x|)/(1 + e^(−2|x|))², which reaches the subnormals where cosh² overflows.</summary>
    public static double TanhPrime(double x)
    {
        double e = Math.Exp(-2 * Math.Abs(x));
        return 4 * e / ((1 + e) * (1 + e));
    }
    /// <summary>tanh″ = −2·tanh x·sech² x.</summary>
    public static double TanhSecond(double x) => -2 * Math.Tanh(x) * TanhPrime(x);
    /// <summary>erf′ = 2/√π·e^(−x²).</summary>
    public static double ErfPrime(double x) => 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x);

    /// <summary>ln(1 + u) for u ≥ 0: below 1e-4 the series u − u²/2 + u³/3 − u⁴/4 (next term under 2e-17 relative),
    /// where 1 + u would round u away; above, ln(w)·u/(w − 1) for w = fl(1 + u), which divides out the rounding of w
    /// (a plain ln(1 + u) is a staircase in u with steps of 2⁻⁵³, 6e-13 relative at u = 3e-4: its differences, the
    /// check of LogSigmoid's written f′, were off by 1.4e-9 there).</summary>
    public static double Log1p(double u)
    {
        if (u < 1e-4) return u - u * u / 2 + u * u * u / 3 - u * u * u * u / 4;
        double w = 1 + u;
        return Math.Log(w) * (u / (w - 1));
    }

    /// <summary>ψ(x) for any non-pole x: <see cref="MathReferences.Digamma"/> for x &gt; 0, else the reflection
    /// ψ(x) = ψ(1 − x) − π·cot(πx).</summary>
    public static double Digamma(double x) => x > 0 ? M.Digamma(x) : M.Digamma(1 - x) - Math.PI / Math.Tan(Math.PI * x);
}

public static partial class OpTable
{
    /// <summary>Negative non-integers in (−20, 0), at least 0.05 from the poles: a grid on [−20, 0) folded into
    /// k + [0.05, 0.95] for the integer k below each point. (A property: the table is built by a static initializer
    /// that may run before this file's fields.)</summary>
    internal static Domain NegativeNonInteger => new("negative non-integer", -20, -0.001)
    {
        Map = (_, v) => [.. v.Select(e => Math.Floor(e) + 0.05 + 0.9 * (e - Math.Floor(e)))],
    };

    /// <summary>The element-wise ops again, on domains that reach the hard regions: magnitudes from the subnormals to
    /// near overflow (log scale), far out where the derivative is tiny, negative non-integer arguments of ψ.</summary>
    static IEnumerable<OpEntry> FarRows()
    {
        var tinyToHuge = Domain.Magnitudes("±1e-310 to ±1e300", 1e-310, 1e300, signed: true);
        // 1/x² must not underflow or overflow, or forward-over-reverse (which forms −1/x²) and reverse-over-reverse
        // (which divides twice) round differently.
        var positiveTinyToHuge = Domain.Magnitudes("1e-150 to 1e150", 1e-150, 1e150);
        yield return Unary("Neg (±1e-310 to ±1e300)", typeof(P.Neg), tinyToHuge, x => -x, v => -v, _ => -1, _ => 0);
        // Up to 700: eˣ·w·u of forward-over-reverse stays below the overflow at 1.8e308 for directions w of x's size.
        yield return Unary("Exp (−740 to 700)", typeof(P.Exp), new("−740 to 700", -740, 700), x => x.Exp(), Math.Exp, Math.Exp, Math.Exp);
        yield return Unary("Exp (±1e-310 to ±1)", typeof(P.Exp), Domain.Magnitudes("±1e-310 to ±1", 1e-310, 1, signed: true),
            x => x.Exp(), Math.Exp, Math.Exp, Math.Exp);
        yield return Unary("Log (1e-150 to 1e150)", typeof(P.Log), positiveTinyToHuge, x => x.Log(), Math.Log, v => 1 / v, v => -1 / v / v);
        // From 1e-200: −1/(4x√x), which forward-over-reverse forms, must stay finite.
        yield return Unary("Sqrt (1e-200 to 1e300)", typeof(P.Sqrt), Domain.Magnitudes("1e-200 to 1e300", 1e-200, 1e300),
            x => x.Sqrt(), Math.Sqrt, v => 0.5 / Math.Sqrt(v), v => -0.25 / Math.Sqrt(v) / v);
        yield return Unary("Square (±1e-310 to ±1e150)", typeof(P.Square), Domain.Magnitudes("±1e-310 to ±1e150", 1e-310, 1e150, signed: true),
            x => x.Square(), v => v * v, v => 2 * v, _ => 2);
        yield return Unary("Sin (±1e-310 to ±1e5)", typeof(P.Sin), Domain.Magnitudes("±1e-310 to ±1e5", 1e-310, 1e5, signed: true),
            x => x.Sin(), Math.Sin, Math.Cos, v => -Math.Sin(v));
        yield return Unary("Cos (±1e-310 to ±1e5)", typeof(P.Cos), Domain.Magnitudes("±1e-310 to ±1e5", 1e-310, 1e5, signed: true),
            x => x.Cos(), Math.Cos, v => -Math.Sin(v), v => -Math.Cos(v));
        var far = new Domain("−700 to 700", -700, 700);
        yield return Unary("Sigmoid (−700 to 700)", typeof(P.Sigmoid), far, x => x.Sigmoid(), Analytic.Sigmoid, Analytic.SigmoidPrime, Analytic.SigmoidSecond);
        yield return Unary("Tanh (−700 to 700)", typeof(P.Tanh), far, x => x.Tanh(), Math.Tanh, Analytic.TanhPrime, Analytic.TanhSecond);
        yield return Unary("Softplus (−700 to 700)", typeof(P.Softplus), far, x => x.Softplus(),
            v => Math.Max(v, 0) + Analytic.Log1p(Math.Exp(-Math.Abs(v))), Analytic.Sigmoid, Analytic.SigmoidPrime);
        var magnitudes = Domain.Magnitudes("±1e-60 to ±1e60", 1e-60, 1e60, signed: true); // |x^(p−2)| stays below 1e300
        var positiveMagnitudes = Domain.Magnitudes("1e-60 to 1e60", 1e-60, 1e60);
        foreach (var p in new[] { 2.0, 3, -1, -2, -3 }) yield return Pow(p, magnitudes, $" ({magnitudes})");
        foreach (var p in new[] { 0.5, 2.5, 1.0 / 3, -0.5, -2.5 }) yield return Pow(p, positiveMagnitudes, $" ({positiveMagnitudes})");
        var products = Domain.Magnitudes("±1e-150 to ±1e150", 1e-150, 1e150, signed: true);
        foreach (var e in Binary("Mul (±1e-150 to ±1e150)", typeof(P.Mul), products, products, (a, b) => a * b, (a, b) => a * b, (a, b) => (b, a), (_, _) => (0, 1, 0)))
            yield return e;
        var quotients = Domain.Magnitudes("±1e-60 to ±1e60", 1e-60, 1e60, signed: true); // 2a/b³ stays below 1e300
        foreach (var e in Binary("Div (±1e-60 to ±1e60)", typeof(P.Div), quotients, quotients, (a, b) => a / b, (a, b) => a / b,
            (a, b) => (1 / b, -a / b / b), (a, b) => (0, -1 / b / b, 2 * a / b / b / b)))
            yield return e;
    }
}
