using System.Diagnostics;
using AutoDiff.Functional.Models;

namespace AutoDiff.Functional.Bench;

/// <summary>The recommender's full-batch value and gradient three ways (<c>dotnet Bench.dll --recommender-plan [RATINGS]
/// [RANK] [ROUNDS] [CHUNK] [float32|float64]</c>, default 10⁶ ratings of m = |Ω|/1000 users × n = |Ω|/100 items at k = 32, biased): the
/// compiled plans over int32 index inputs (<see cref="RecommenderPlanBatch"/>), the hand-written gathers around a block
/// graph (<see cref="RecommenderFullBatch"/>), both on 2 threads, and the plain single loop
/// (<see cref="RecommenderReference"/>), alternating, medians of the rounds. Where the plan's time goes: the same
/// chunks' loss alone (the gathers and the dots) against loss and gradient. Prints the load average, since on a shared
/// machine a two-thread time is only what the other core had to spare. Given a type, only the plans run, in that type,
/// and the line ends with the process's peak resident set: one process per type gives float32 ÷ float64 in time and
/// memory (the float32 run also prints its largest relative difference from the float64 plans, run once after the
/// timing).</summary>
static class RecommenderPlanTiming
{
    public static int Run(string[] args)
    {
        int count = args.Length > 1 ? int.Parse(args[1]) : 1_000_000, rank = args.Length > 2 ? int.Parse(args[2]) : 32;
        int rounds = args.Length > 3 ? int.Parse(args[3]) : 5, chunk = args.Length > 4 ? int.Parse(args[4]) : 0;
        var planted = new PlantedRatings(Math.Max(10, count / 1000), Math.Max(10, count / 100), rank);
        var ratings = planted.Generate(count, 15);
        var theta = RecommenderFactors.Random(rank, planted.Users, planted.Items, true, 16, mean: ratings.Mean());
        const double lambda = 3;
        if (args.Length > 5) return Typed(ratings, theta, rank, lambda, rounds, chunk, args[5] == "float32" ? DType.Float32 : DType.Float64);
        var clock = Stopwatch.StartNew();
        var plan = new RecommenderPlanBatch(ratings, rank, lambda, biased: true, chunk, threads: 2);
        double compile = clock.Elapsed.TotalSeconds;
        var blocks = new RecommenderFullBatch(ratings, rank, lambda, biased: true, threads: 2);
        Console.WriteLine($"{count:N0} ratings, m = {planted.Users}, n = {planted.Items}, k = {rank}, biased; plan chunk {plan.ChunkSize:N0} " +
                          $"({plan.Statistics.Steps} steps, {plan.Statistics.FusedPasses} fused passes, {plan.Statistics.SlotBytes / 1e6:F0} MB of slots a thread, " +
                          $"compiled in {compile:F2} s), blocks of {blocks.BlockSize}; load average at start {Load()}");

        // The chunk's loss alone, the forward half of the plan: gathers, products and sums.
        var forward = Recommender.Build(planted.Users, planted.Items, plan.ChunkSize, rank, 0, biased: true);
        var forwardPlan = Plan.Compile(forward.Loss);
        int chunks = (count + plan.ChunkSize - 1) / plan.ChunkSize;
        var first = new Ratings(ratings.Users, ratings.Items, ratings.User[..plan.ChunkSize], ratings.Item[..plan.ChunkSize], ratings.Value[..plan.ChunkSize]);

        (double Loss, RecommenderFactors Gradient) ours = default, hand = default, floor = default;
        var times = new Dictionary<string, List<double>> { ["plan"] = [], ["blocks"] = [], ["loop"] = [], ["plan loss only (one thread)"] = [] };
        double Time(string what, Action a)
        {
            GC.Collect();
            var c = Stopwatch.StartNew();
            a();
            double s = c.Elapsed.TotalSeconds;
            times[what].Add(s);
            return s;
        }
        for (int round = 0; round < rounds; round++)
        {
            Time("plan", () => ours = plan.ValueAndGradient(theta));
            Time("blocks", () => hand = blocks.ValueAndGradient(theta));
            Time("loop", () => floor = RecommenderReference.Gradient(ratings, theta, lambda));
            var space = forwardPlan.NewWorkspace();
            var at = forward.Bind(first, theta);
            Time("plan loss only (one thread)", () => { for (int c = 0; c < chunks; c++) forwardPlan.Run(at, space); });
        }
        double Median(string what) { var t = times[what].Order().ToArray(); return t[t.Length / 2]; }
        foreach (var what in times.Keys)
            Console.WriteLine($"{what}: median {Median(what) * 1e3:F0} ms ({string.Join(", ", times[what].Select(t => $"{t * 1e3:F0}"))})");
        Console.WriteLine($"plan / blocks: {Median("plan") / Median("blocks"):F2}×, plan / loop: {Median("plan") / Median("loop"):F2}×, blocks / loop: {Median("blocks") / Median("loop"):F2}×");
        double error = Math.Abs(ours.Loss - hand.Loss) / hand.Loss;
        foreach (var (a, b) in ours.Gradient!.Arrays().Zip(hand.Gradient!.Arrays()))
            error = Math.Max(error, RelError(a, b));
        Console.WriteLine($"plan vs blocks: largest relative difference {error:E2} (loss and every gradient array); loop loss {floor.Loss:E6}");
        Console.WriteLine($"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB; load average at end {Load()}");
        return 0;
    }

    /// <summary>The plans alone in <paramref name="type"/>: their medians and the process's peak resident set.</summary>
    static int Typed(Ratings ratings, RecommenderFactors theta, int rank, double lambda, int rounds, int chunk, DType type)
    {
        var plan = new RecommenderPlanBatch(ratings, rank, lambda, biased: true, chunk, threads: 2, type);
        var times = new List<double>();
        (double Loss, RecommenderFactors Gradient) ours = default;
        for (int round = 0; round < rounds; round++)
        {
            GC.Collect();
            var c = Stopwatch.StartNew();
            ours = plan.ValueAndGradient(theta);
            times.Add(c.Elapsed.TotalSeconds);
        }
        long peak = Process.GetCurrentProcess().PeakWorkingSet64;
        var sorted = times.Order().ToArray();
        string difference = "";
        if (type == DType.Float32)
        {
            var reference = new RecommenderPlanBatch(ratings, rank, lambda, biased: true, chunk, threads: 2).ValueAndGradient(theta);
            double error = Math.Abs(ours.Loss - reference.Loss) / reference.Loss;
            foreach (var (a, b) in ours.Gradient!.Arrays().Zip(reference.Gradient.Arrays())) error = Math.Max(error, RelError(a, b));
            difference = $"; largest relative difference from the float64 plans {error:E2}";
        }
        Console.WriteLine($"{ratings.Count:N0} ratings, k = {rank}, plans in {type.Name()}: median {sorted[sorted.Length / 2] * 1e3:F0} ms " +
                          $"({string.Join(", ", times.Select(t => $"{t * 1e3:F0}"))}); {plan.Statistics.SlotBytes / 1e6:F0} MB of slots a thread; " +
                          $"peak working set {peak / 1e6:F0} MB{difference}; load average {Load()}");
        return 0;
    }

    static double RelError(double[] a, double[] b)
    {
        double diff = 0, scale = 0;
        for (int i = 0; i < a.Length; i++) (diff, scale) = (Math.Max(diff, Math.Abs(a[i] - b[i])), Math.Max(scale, Math.Abs(b[i])));
        return scale == 0 ? diff : diff / scale;
    }

    static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
