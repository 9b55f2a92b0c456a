using System.Globalization;
using System.Runtime.Intrinsics;
using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Bench;

/// <summary>The float32 kernels (eˣ, sin, cos of float32 inputs) against what they must give, the float64 kernel's result
/// rounded to float32: <c>dotnet Bench.dll --float32-kernels [STRIDE]</c> runs every STRIDE-th float32 bit pattern (1,
/// the default, is all 2³² of them, NaNs and infinities included) through both and counts the patterns whose bits differ
/// (0 is the only right answer), with the largest distance between the approximation and the full kernel in float64
/// ulps (it must stay below the undecided band's 2^Band, which is what makes the first count 0 rather than lucky) and the
/// share of inputs whose result lies within the band (those rows take the full kernel). Then both ways are timed on 10⁶ inputs over the range models use, in alternation,
/// as medians.</summary>
static class Float32Kernels
{
    static readonly (string Name, double Low, double High, Action<double[], double[]> Full, Action<double[], double[]> Short, Action<double[], double[]> Approximation)[] Functions =
    [
        ("exp", -20, 20, (x, y) => VectorMath.Exp(x, y), (x, y) => VectorMath.Exp32(x, y), Approximation<VectorMath.ExpShortKernel>),
        ("sin", -10, 10, (x, y) => VectorMath.Sin(x, y), (x, y) => VectorMath.Sin32(x, y), Approximation<VectorMath.SinShortKernel>),
        ("cos", -10, 10, (x, y) => VectorMath.Cos(x, y), (x, y) => VectorMath.Cos32(x, y), Approximation<VectorMath.CosShortKernel>),
    ];

    public static int Run(string[] args)
    {
        long stride = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        Console.WriteLine($"load average before: {Timing.Load()}; every {stride}th float32 bit pattern");
        Console.WriteLine($"| function | patterns | bits differing | largest error of the approximation (float64 ulps; the band is {1 << VectorMath.Band}) | in the band | float64 kernel + rounding (ms) | float32 kernel (ms) | ratio |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        int failures = 0;
        foreach (var (name, low, high, full, kernel32, approximation) in Functions)
        {
            var (patterns, differing, largest, undecided, example) = Exhaustive(full, kernel32, approximation, stride);
            var (tFull, tShort) = Time(full, kernel32, low, high);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {patterns} | {differing} | {largest} | {(double)undecided / patterns:P3} | {tFull:F3} | {tShort:F3} | {tShort / tFull:F2} |"));
            if (differing > 0) Console.WriteLine($"  {name}: first differing input {example}");
            failures += differing > 0 || largest >= 1L << VectorMath.Band ? 1 : 0;
        }
        Console.WriteLine($"load average after: {Timing.Load()}");
        return failures == 0 ? 0 : 1;
    }

    /// <summary>The approximation alone, at the machine's width (the bits do not depend on it).</summary>
    static void Approximation<K>(double[] x, double[] y) where K : VectorMath.IKernel
    {
        if (Vector512.IsHardwareAccelerated) VectorMath.Map<K, Lanes512>(x, y);
        else VectorMath.Map<K, Scalar>(x, y);
    }

    const int Chunk = 1 << 16;

    static (long Patterns, long Differing, long Largest, long Undecided, string Example) Exhaustive(Action<double[], double[]> full,
        Action<double[], double[]> kernel32, Action<double[], double[]> approximation, long stride)
    {
        long chunks = ((1L << 32) / stride + Chunk - 1) / Chunk;
        long patterns = 0, differing = 0, largest = 0, undecided = 0;
        string example = "";
        Parallel.For(0L, chunks, () => (new double[Chunk], new double[Chunk], new double[Chunk], new double[Chunk]), (c, _, buffers) =>
        {
            var (x, reference, y, a) = buffers;
            int n = 0;
            for (long k = c * Chunk; k < (c + 1) * Chunk && k * stride < 1L << 32; k++) x[n++] = BitConverter.Int32BitsToSingle((int)(uint)(k * stride));
            var xs = x.AsSpan(0, n).ToArray();
            full(xs, reference);
            kernel32(xs, y);
            approximation(xs, a);
            long bad = 0, band = 0, worst = 0;
            for (int i = 0; i < n; i++)
            {
                // The approximation's distance from the full kernel where it answers (not Midpoint, its "ask the other")
                // and the answer is a float32 number (past float32's largest, both round to ∞).
                if (a[i] != VectorMath.Midpoint && Math.Abs(reference[i]) <= float.MaxValue)
                    worst = Math.Max(worst, Math.Abs(BitConverter.DoubleToInt64Bits(a[i]) - BitConverter.DoubleToInt64Bits(reference[i])));
                double rounded = (float)reference[i];
                if (BitConverter.DoubleToInt64Bits(rounded) != BitConverter.DoubleToInt64Bits(y[i]))
                {
                    bad++;
                    lock (Functions) example = example.Length > 0 ? example : FormattableString.Invariant($"{xs[i]:R}: {y[i]:R} against {rounded:R}");
                }
                long dropped = BitConverter.DoubleToInt64Bits(reference[i]) & ((1L << 29) - 1);
                if (Math.Abs(dropped - (1L << 28)) <= 1L << VectorMath.Band) band++;
            }
            lock (Functions) largest = Math.Max(largest, worst);
            Interlocked.Add(ref patterns, n);
            Interlocked.Add(ref differing, bad);
            Interlocked.Add(ref undecided, band);
            return buffers;
        }, _ => { });
        return (patterns, differing, largest, undecided, example);
    }

    static (double Full, double Short) Time(Action<double[], double[]> full, Action<double[], double[]> approximate, double low, double high)
    {
        const int n = 1_000_000;
        var x = new double[n];
        ulong state = 0x5EED;
        for (int i = 0; i < n; i++)
        {
            state = state * 6364136223846793005 + 1442695040888963407;
            x[i] = (float)(low + (high - low) * ((state >> 11) * (1.0 / (1UL << 53))));
        }
        var y = new double[n];
        var ms = Timing.Medians(5, 31, () =>
        {
            full(x, y);
            Tensor.Round32(y);
        }, () => approximate(x, y));
        return (ms[0], ms[1]);
    }
}
