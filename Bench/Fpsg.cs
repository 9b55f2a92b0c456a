using System.Diagnostics;
using AutoDiff.Functional.Models;

namespace AutoDiff.Functional.Bench;

/// <summary>Minibatch Adam epochs on FPSG's grid, one thread against two (<c>dotnet Bench.dll --fpsg [RATINGS] [RANK]
/// [EPOCHS]</c>, default 10⁷ ratings of 10⁴ users × 10⁵ items at k = 32, the report's batch of 8,192 / k): the same
/// grid and schedule, so both give the same bits and only the rate differs; also the plain sequential loop of
/// <see cref="SparseAdam.Take"/> over one shuffled order, the one-core path before the grid. Prints the load average,
/// since on a shared machine the two-thread rate is only what the other core had to spare.</summary>
static class Fpsg
{
    public static int Run(string[] args)
    {
        int count = args.Length > 1 ? int.Parse(args[1]) : 10_000_000, rank = args.Length > 2 ? int.Parse(args[2]) : 32;
        int epochs = args.Length > 3 ? int.Parse(args[3]) : 5;
        var planted = new PlantedRatings(Math.Max(10, count / 1000), Math.Max(10, count / 100), rank);
        var ratings = planted.Generate(count, 15);
        int batch = Math.Clamp(8192 / rank, 32, 1_000);
        Console.WriteLine($"{count:N0} ratings, m = {planted.Users}, n = {planted.Items}, k = {rank}, batch {batch}, {epochs} epochs each; load average at start {Load()}");
        double Rate(string what, Func<RecommenderFactors, SparseAdam, int, double> epoch)
        {
            var theta = RecommenderFactors.Random(rank, planted.Users, planted.Items, true, 16, mean: ratings.Mean());
            var adam = new SparseAdam(theta, batch, 0.01, 3);
            double best = 0;
            for (int e = 1; e <= epochs; e++)
            {
                GC.Collect();
                var clock = Stopwatch.StartNew();
                double seen = epoch(theta, adam, e);
                best = Math.Max(best, seen / clock.Elapsed.TotalSeconds);
            }
            Console.WriteLine($"{what}: {best / 1e6:F3} M ratings/s (best epoch; load average now {Load()})");
            return best;
        }
        var order = Enumerable.Range(0, count).ToArray();
        double sequential = Rate("Take loop, one thread", (theta, adam, e) =>
        {
            AutoDiff.Functional.Training.Dataset.Shuffle(order, e);
            for (int first = 0; first + batch <= count; first += batch) adam.Take(theta, ratings, order.AsSpan(first, batch));
            return count / batch * batch;
        });
        // One thread and two alternate epoch by epoch, each on its own factors: on a shared machine a quiet or busy
        // minute then falls on both, and the median of the pairs' ratios is the speed-up.
        var grid = new BlockGrid(ratings, 2);
        var runs = new[] { 1, 2 }.Select(threads => (Threads: threads,
            Theta: RecommenderFactors.Random(rank, planted.Users, planted.Items, true, 16, mean: ratings.Mean()), Rates: new List<double>())).ToArray();
        var adams = runs.Select(r => new SparseAdam(r.Theta, batch, 0.01, 3)).ToArray();
        for (int e = 1; e <= epochs; e++)
        {
            grid.Shuffle(e);   // both runs of a pair take the epoch in the same order
            for (int r = 0; r < runs.Length; r++)
            {
                GC.Collect();
                var clock = Stopwatch.StartNew();
                adams[r].Epoch(runs[r].Theta, ratings, grid, runs[r].Threads);
                runs[r].Rates.Add(count / clock.Elapsed.TotalSeconds);
            }
        }
        foreach (var (threads, _, rates) in runs)
            Console.WriteLine($"grid 2×2, {(threads == 1 ? "one thread" : "two threads")}: best {rates.Max() / 1e6:F3}, median {Timing.Median(rates) / 1e6:F3} M ratings/s over {rates.Count} epochs");
        var ratios = runs[1].Rates.Zip(runs[0].Rates, (two, one) => two / one).ToList();
        Console.WriteLine($"two threads / one, epoch by epoch: median {Timing.Median(ratios):F2}× (range {ratios.Min():F2}–{ratios.Max():F2}×); best / best {runs[1].Rates.Max() / runs[0].Rates.Max():F2}×; " +
            $"two threads / the Take loop {runs[1].Rates.Max() / sequential:F2}×; load average now {Load()}");
        return 0;
    }

    static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
