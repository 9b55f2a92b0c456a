using System.Diagnostics;

namespace AutoDiff.Functional.Bench;

/// <summary>The benchmarks' one way of timing: after a warm-up, every way in turn, repeated in alternation (so a burst
/// of load on this shared machine falls on all of them alike), reported as medians in milliseconds.</summary>
static class Timing
{
    public static double[] Medians(int warmups, int repeats, params Action[] ways)
    {
        for (int w = 0; w < warmups; w++)
            foreach (var way in ways) way();
        var times = ways.Select(_ => new double[repeats]).ToArray();
        for (int r = 0; r < repeats; r++)
            for (int w = 0; w < ways.Length; w++)
            {
                long start = Stopwatch.GetTimestamp();
                ways[w]();
                times[w][r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        return [.. times.Select(Median)];
    }

    /// <summary>The median of <paramref name="xs"/> (the upper of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> xs)
    {
        var sorted = xs.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>The machine's load average, printed beside every figure.</summary>
    public static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
}
