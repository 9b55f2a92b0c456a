using System.Diagnostics;
using System.Globalization;

namespace AutoDiff.Functional.Report;

/// <summary>One section of the report: a title and what it prints.</summary>
public sealed record Section(string Title, Action<ReportWriter> Run);

/// <summary>Prints Markdown, measures time honestly (warm-up, repeats, median) and counts failed checks so the
/// program can exit non-zero.</summary>
public sealed class ReportWriter(string[] args)
{
    readonly List<string> failures = [];

    /// <summary>--full: the seeds' experiments at full size.</summary>
    public bool Full { get; } = args.Contains("--full");
    /// <summary>--d8000: the sigmoid net at d0 = d1 = d2 = 8000.</summary>
    public bool D8000 { get; } = args.Contains("--d8000") || args.Contains("--full");
    /// <summary>--targets: the performance issue's workloads at their real sizes (reported, never asserted).</summary>
    public bool Targets { get; } = args.Contains("--targets");
    /// <summary>--out DIR: where CSV files and plots go (default out/report).</summary>
    public string OutDir { get; } = Array.IndexOf(args, "--out") is var o and >= 0 && o + 1 < args.Length ? args[o + 1] : Path.Combine("out", "report");

    readonly Dictionary<string, List<(double X, double Y)>> series = [];

    /// <summary>Measured points by series name, in the order recorded, for <see cref="Plots"/>.</summary>
    public IReadOnlyDictionary<string, List<(double X, double Y)>> Series => series;

    /// <summary>Records one measured point (x, y) of a named series for the CSV files and plots.</summary>
    public void Record(string name, double x, double y)
    {
        if (!series.TryGetValue(name, out var points)) series[name] = points = [];
        points.Add((x, y));
    }

    /// <summary>Runs a section; an exception is reported as a failure, not a crash.</summary>
    public void Run(string title, Action body)
    {
        Console.WriteLine();
        Console.WriteLine($"## {title}");
        Console.WriteLine();
        Progress($"{title}…");
        try { body(); }
        catch (Exception e)
        {
            failures.Add($"{title}: {e.GetType().Name}: {e.Message}");
            Console.WriteLine($"**FAILED**: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>A progress line on stderr, so the Markdown on stdout stays clean.</summary>
    public void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    /// <summary>Prints a Markdown table.</summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        Console.WriteLine($"| {string.Join(" | ", headers)} |");
        Console.WriteLine($"|{string.Concat(headers.Select(_ => "---|"))}");
        foreach (var row in rows) Console.WriteLine($"| {string.Join(" | ", row)} |");
        Console.WriteLine();
    }

    /// <summary>Prints a paragraph.</summary>
    public void Text(string text)
    {
        Console.WriteLine(text);
        Console.WriteLine();
    }

    /// <summary>Records a check: passes when <paramref name="error"/> ≤ <paramref name="tolerance"/> (NaN fails).
    /// Returns "ok" or "FAIL" for a table cell.</summary>
    public string Check(string what, double error, double tolerance)
    {
        bool ok = error <= tolerance;
        if (!ok) failures.Add($"{what}: error {error:E2} > tolerance {tolerance:E0}");
        return ok ? "ok" : "FAIL";
    }

    /// <summary>Records a boolean check.</summary>
    public string Check(string what, bool ok)
    {
        if (!ok) failures.Add(what);
        return ok ? "ok" : "FAIL";
    }

    /// <summary>Median wall time in milliseconds of <paramref name="action"/> after <paramref name="warmup"/>
    /// untimed calls, over <paramref name="repeats"/> timed calls (at least one warm-up is always done). With
    /// <paramref name="collect"/>, an untimed full collection precedes each timed call (large cases leave hundreds of
    /// MB behind).</summary>
    public static double MedianMs(Action action, int warmup = 3, int repeats = 7, bool collect = false) =>
        MedianMs(action, warmup, repeats, a => TimedMs(a, collect));

    /// <summary><see cref="MedianMs(Action, int, int, bool)"/> with the clock given: <paramref name="timed"/> runs the
    /// action once and returns its milliseconds. A test passes a stand-in that counts calls, so which calls are timed
    /// is checked without timing anything (the wall-clock check is <c>Bench.dll --median-check</c>).</summary>
    public static double MedianMs(Action action, int warmup, int repeats, Func<Action, double> timed)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(timed);
        for (int i = 0; i < Math.Max(1, warmup); i++) action();
        var times = new double[Math.Max(1, repeats)];
        for (int i = 0; i < times.Length; i++) times[i] = timed(action);
        Array.Sort(times);
        return times[times.Length / 2];
    }

    /// <summary>A full, blocking garbage collection, finalizers included.</summary>
    public static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    static double TimedMs(Action action, bool collect)
    {
        if (collect) Collect();
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }

    /// <summary>Median milliseconds of two actions timed in alternation: each repeat times both, the order swapping
    /// every time, so load that comes and goes on a shared machine falls on both alike and their ratio stays fair.
    /// With <paramref name="collect"/>, an untimed full collection precedes each timed call.</summary>
    public static (double A, double B) PairedMedianMs(Action a, Action b, int warmup, int repeats, bool collect = false)
    {
        for (int i = 0; i < Math.Max(1, warmup); i++) { a(); b(); }
        var ta = new double[Math.Max(1, repeats)];
        var tb = new double[ta.Length];
        for (int i = 0; i < ta.Length; i++)
        {
            if (i % 2 == 0) { ta[i] = TimedMs(a, collect); tb[i] = TimedMs(b, collect); }
            else { tb[i] = TimedMs(b, collect); ta[i] = TimedMs(a, collect); }
        }
        Array.Sort(ta);
        Array.Sort(tb);
        return (ta[ta.Length / 2], tb[tb.Length / 2]);
    }

    /// <summary>Worst relative error between two arrays: max |a − b| / max(‖a‖∞, ‖b‖∞).</summary>
    public static double RelError(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) return double.PositiveInfinity;
        double diff = 0, scale = 0;
        for (int i = 0; i < a.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(a[i] - b[i]));
            scale = Math.Max(scale, Math.Max(Math.Abs(a[i]), Math.Abs(b[i])));
        }
        return double.IsNaN(diff) ? double.NaN : scale == 0 ? diff : diff / scale;
    }

    /// <summary>A number for a table cell.</summary>
    public static string F(double v, string format = "G6") => v.ToString(format, CultureInfo.InvariantCulture);
    /// <summary>An error for a table cell.</summary>
    public static string E(double v) => v.ToString("0.0E+00", CultureInfo.InvariantCulture);

    /// <summary>Prints the summary and returns the exit code: 0 when every check passed.</summary>
    public int Finish()
    {
        Console.WriteLine();
        Console.WriteLine("## Summary");
        Console.WriteLine();
        if (failures.Count == 0)
        {
            Console.WriteLine("All checks passed.");
            return 0;
        }
        Console.WriteLine($"{failures.Count} check(s) FAILED:");
        foreach (var f in failures) Console.WriteLine($"- {f}");
        return 1;
    }
}
