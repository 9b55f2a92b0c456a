using System.Globalization;
using AutoDiff.Functional.Ops.Kernels;
using AutoDiff.Functional.Properties.Support;
using Xunit;
using Xunit.Abstractions;

namespace AutoDiff.Functional.Properties.Ops.Kernels;

/// <summary>The vector kernels' error in ulps against <see cref="HighPrecision"/> (integer fixed point, 256 bits, its
/// own series and constants), over each function's whole domain: 20,000 inputs per function, half spread uniformly over
/// the range where the result is neither 0, ±1 nor ∞ and half log-uniform in magnitude from the smallest subnormal to the
/// end of the domain, plus the hard cases (reduction boundaries, the overflow and underflow thresholds, arguments next to
/// multiples of π/2, 1 ± ulps for ln). The inputs come from a fixed SplitMix64 stream, so a failure replays.</summary>
public class KernelAccuracyTests(ITestOutputHelper output)
{
    public sealed record Function(string Name, Action<double[], double[]> Kernel, Func<double, Exact> Reference, double Bound,
        double UniformLow, double UniformHigh, double MagnitudeHigh, bool Positive, double[] Hard);

    static readonly double[] Near0 = [0.5e-300, 1e-20, 3e-9, 1.4901161193847656e-8, 1e-5, 0.1];

    static double[] AroundMultiples(double step, int count, double offset = 0)
    {
        var xs = new List<double>();
        for (int k = -count; k <= count; k++)
        {
            double x = (k + offset) * step;
            xs.AddRange([x, Math.BitIncrement(x), Math.BitDecrement(x), Math.BitIncrement(Math.BitIncrement(x))]);
        }
        return [.. xs];
    }

    const double Ln2 = 0.6931471805599453;
    static readonly double[] ExpHard = [.. AroundMultiples(Ln2, 40, 0.5), .. AroundMultiples(Ln2, 1040, 0), 709.782712893384,
        Math.BitDecrement(709.782712893384), 709.78, -708.3964185322641, -708.39, -708.4, -744.44007192138122, -745.1332191019411,
        -745.13321910194122, -745.0, -740, -720.5, -0.34657359027997264, 0.34657359027997264, 1, -1, 2.5e-16, -2.5e-16, 1e-300];

    static readonly double[] TrigHard = [.. AroundMultiples(Math.PI / 4, 200), .. AroundMultiples(Math.PI / 2, 3000),
        1e22, 5.319372648326541e255, 6381956970095103.0 * Math.Pow(2, 797), 1.7976931348623157e308, 1073741824.0,
        Math.BitDecrement(1073741824.0), Math.BitIncrement(1073741824.0), 1e6, 1e9, 1e12, 1e15, 355, 103993, 7.450580596923828e-9,
        Math.BitIncrement(7.450580596923828e-9), 1e-300, 4.9e-324];

    public static readonly Function[] Functions =
    [
        new("exp", (x, y) => VectorMath.Exp(x, y), HighPrecision.Exp, 1, -746, 710, 746, false, ExpHard),
        new("expm1", (x, y) => VectorMath.Expm1(x, y), HighPrecision.Expm1, 1, -40, 710, 746, false,
            [.. ExpHard, -0.6931471805599453, -0.5, -0.4, -0.3466, 0.3466, -1.0397, -1.04, 38.8, -37.4, -37.5, -36.0]),
        new("log", (x, y) => VectorMath.Log(x, y), HighPrecision.Log, 1, 0.5, 2, double.MaxValue, true,
            [1, Math.BitIncrement(1), Math.BitDecrement(1), Math.BitIncrement(Math.BitIncrement(1.0)), Math.Sqrt(2), Math.BitDecrement(Math.Sqrt(2)),
             Math.Sqrt(0.5), Math.BitDecrement(Math.Sqrt(0.5)), 2, 0.5, double.MaxValue, double.Epsilon, 2.2250738585072014e-308,
             Math.BitDecrement(2.2250738585072014e-308), 1e-310, Math.E, 10, 0.9999, 1.0001, 0.75, 1.5]),
        new("log1p", (x, y) => VectorMath.Log1p(x, y), HighPrecision.Log1p, 1, -1, 2, double.MaxValue, false,
            [Math.BitIncrement(-1.0), -0.5, -0.29289321881345254, -0.2928932188134524, 0.41421356237309515, 0.414213562373095,
             1, Math.BitIncrement(1.0), Math.BitDecrement(1.0), 1e-17, -1e-17, 1.1102230246251565e-16, 2.220446049250313e-16, 1e16, 9007199254740993,
             double.MaxValue, -0.9999999999, 4.9e-324, -4.9e-324, 3e-9, -3e-9]),
        new("sigmoid", (x, y) => VectorMath.Sigmoid(x, y), HighPrecision.Sigmoid, 1, -745, 40, 745, false, [.. ExpHard.Select(v => -v), 36.7, 37, -36.7, 0.5, -0.5]),
        new("tanh", (x, y) => VectorMath.Tanh(x, y), HighPrecision.Tanh, 1, -20, 20, 40, false,
            [0.55, Math.BitDecrement(0.55), 0.5493061443340549, 1, -1, 0.3, 19.06, 19.0615, 22, 1e-8, 3e-9, -3e-9, 1e-300, 0.1, 0.54, 0.56, 0.6, 0.7]),
        new("softplus", (x, y) => VectorMath.Softplus(x, y), HighPrecision.Softplus, 1.5, -750, 750, 750, false,
            [.. ExpHard, .. ExpHard.Select(v => -v), 36.7, 37, -36.7, 1e-300, 0.5, -0.5, 0.1]),
        new("logsigmoid", (x, y) => VectorMath.LogSigmoid(x, y), HighPrecision.LogSigmoid, 1.5, -750, 750, 750, false,
            [.. ExpHard, .. ExpHard.Select(v => -v), 36.7, 37, -36.7, 1e-300, 0.5, -0.5, 0.1]),
        new("sin", (x, y) => VectorMath.Sin(x, y), x => HighPrecision.SinCos(x).Sin, 1, -10, 10, double.MaxValue, false, TrigHard),
        new("cos", (x, y) => VectorMath.Cos(x, y), x => HighPrecision.SinCos(x).Cos, 1, -10, 10, double.MaxValue, false, TrigHard),
    ];

    public static TheoryData<string> Names() => [.. Functions.Select(f => f.Name)];

    /// <summary>SplitMix64 (Steele, Lea and Flood): a fixed stream of 64-bit numbers.</summary>
    internal static IEnumerable<ulong> Stream(ulong seed)
    {
        while (true)
        {
            ulong z = seed += 0x9E3779B97F4A7C15;
            z = (z ^ z >> 30) * 0xBF58476D1CE4E5B9;
            z = (z ^ z >> 27) * 0x94D049BB133111EB;
            yield return z ^ z >> 31;
        }
    }

    /// <summary>n inputs: even ones uniform over [low, high], odd ones of magnitude 2ᵘ·(1 + fraction) with u uniform from
    /// the smallest subnormal's exponent to <paramref name="magnitudeHigh"/>'s, of either sign unless positive.</summary>
    internal static double[] Inputs(Function f, int n, ulong seed)
    {
        var bits = Stream(seed).GetEnumerator();
        double Next() { bits.MoveNext(); return (bits.Current >> 11) * (1.0 / (1UL << 53)); }
        var xs = new double[n];
        double top = Math.Log2(f.MagnitudeHigh);
        for (int i = 0; i < n; i++)
        {
            if (i % 2 == 0) { xs[i] = f.UniformLow + (f.UniformHigh - f.UniformLow) * Next(); continue; }
            double u = -1074 + (top + 1074) * Next();
            double x = Math.Min(Math.ScaleB(1 + Next(), (int)Math.Floor(u)), f.MagnitudeHigh);
            xs[i] = f.Positive || Next() < 0.5 ? x : -x;
        }
        return xs;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Max_ulp_error_over_the_domain_is_within_the_bound(string name)
    {
        var f = Functions.Single(g => g.Name == name);
        var xs = Inputs(f, 20_000, name.Aggregate(0x5EEDUL, (h, c) => h * 31 + c)).Concat(f.Hard)
            .Where(x => (!f.Positive || x > 0) && (name != "log1p" || x > -1) && x >= Math.Min(f.UniformLow, -f.MagnitudeHigh) && x <= f.MagnitudeHigh).ToArray();
        var y = new double[xs.Length];
        f.Kernel(xs, y);
        double worst = 0, worstAt = double.NaN, sum = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            double e = HighPrecision.Ulps(y[i], f.Reference(xs[i]));
            sum += e;
            if (e > worst) (worst, worstAt) = (e, xs[i]);
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {xs.Length} inputs, max {worst:F3} ulp at x = {worstAt:R}, mean {sum / xs.Length:F3} ulp"));
        Assert.True(worst <= f.Bound, $"{name}: {worst} ulp at x = {worstAt:R} (bound {f.Bound})");
    }
}
