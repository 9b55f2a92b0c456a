using AutoDiff.Functional.Models;
using BenchmarkDotNet.Attributes;

namespace AutoDiff.Functional.Bench;

/// <summary>Heron's method on the loop primitive (issue #13's target: N = 10⁴ steps, value and reverse derivative,
/// build included, in ≤ 3 ms) against its floor, the same loop and its hand-derived derivative written in C#.</summary>
[BenchmarkCategory("loop")]
public class HeronLoopBench
{
    /// <summary>Steps.</summary>
    [Params(10_000)]
    public int N { get; set; }

    /// <summary>The floor: y_k stored forward, then x̄ += ȳ/(2y_k), ȳ ← ȳ(1 − x/y_k²)/2 backward.</summary>
    [Benchmark(Baseline = true)]
    public double HandWritten() => HeronLoopTiming.HandWritten(2, N).Derivative;

    /// <summary><c>Loop.Repeat</c>: build, value and reverse derivative (<see cref="Heron.LoopReverse"/>).</summary>
    [Benchmark]
    public double Loop() => Heron.LoopReverse(2, N).Derivative;

    /// <summary>The same under binomial checkpointing within 100 carries.</summary>
    [Benchmark]
    public double LoopBinomial() => Heron.LoopReverse(2, N, Checkpointing.Binomial(100)).Derivative;
}

/// <summary>A quick measurement without BenchmarkDotNet (<c>dotnet Bench.dll --loop [N] [REPEATS]</c>): the
/// hand-written Heron and the loop primitive timed in alternation after a warm-up, medians and their ratio.</summary>
static class HeronLoopTiming
{
    /// <summary>y_N and dy_N/dx by hand: the forward iterates stored, the derivative of y_{k+1} = (y_k + x/y_k)/2 in
    /// y_k, (1 − x/y_k²)/2, and in x, 1/(2y_k), chained backward.</summary>
    public static HeronDerivative HandWritten(double x, int n)
    {
        var y = new double[n + 1];
        y[0] = 1;
        for (int k = 0; k < n; k++) y[k + 1] = (y[k] + x / y[k]) * 0.5;
        double ybar = 1, xbar = 0;
        for (int k = n - 1; k >= 0; k--)
        {
            xbar += ybar * 0.5 / y[k];
            ybar *= 0.5 * (1 - x / (y[k] * y[k]));
        }
        return new(y[n], xbar, n);
    }

    public static int Run(string[] args)
    {
        int n = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
        int repeats = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 31;
        (string Name, Func<HeronDerivative> Call)[] ways =
        [
            ("hand-written", () => HandWritten(2, n)),
            ("Loop.Repeat, store all", () => Heron.LoopReverse(2, n)),
            ("Loop.Repeat, binomial 100", () => Heron.LoopReverse(2, n, Checkpointing.Binomial(100))),
        ];
        var medians = Timing.Medians(100, repeats, [.. ways.Select(w => (Action)(() => GC.KeepAlive(w.Call())))]);
        double floor = medians[0];
        for (int w = 0; w < ways.Length; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            ways[w].Call();
            long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            double median = medians[w];
            Console.WriteLine(FormattableString.Invariant(
                $"heron N = {n}, {ways[w].Name,-26} median {median,8:F3} ms  × hand-written {median / floor,7:F1}  allocated {bytes / 1024.0,9:F1} KB"));
        }
        return 0;
    }
}
