using AutoDiff.Functional.Models;
using Xunit;

namespace AutoDiff.Functional.Distributed.Tests;

/// <summary>Distributed ALS over user-shard and item-shard grains on two silos (TestingHost, in-memory providers)
/// against the single-process <see cref="Als"/> from the same start: bit for bit without biases (every row's system is
/// summed over its ratings in the source's order on both), to 1e-12 with biases (μ's residual sum is added per shard,
/// then in shard order). The pull moves only the rows a shard's ratings touch.</summary>
public sealed class AlsTests(TwoSilos silos) : IClassFixture<TwoSilos>
{
    [Theory(Timeout = 120_000)]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    public async Task Distributed_sweeps_equal_the_single_process_sweeps(int shards, bool biased)
    {
        // Sparse enough that a shard touches only some of the other side's rows: 2,500 ratings over 120 users and
        // 900 items (Zipf), k = 3.
        var source = RatingSource.Planted(users: 120, items: 900, rank: 3, count: 2_500, seed: 11, shards);
        var ratings = source.ReadAll();
        var start = RecommenderFactors.Random(3, 120, 900, biased, 12, mean: ratings.Mean());
        var driver = new DistributedAls(silos.Cluster.Client, source, lambda: 0.9);
        var counts = await driver.Start(start);
        Assert.Equal(ratings.Count, counts.Sum());

        var single = start.ZerosLike();
        foreach (var (from, to) in start.Arrays().Zip(single.Arrays()).Take(biased ? 4 : 2)) from.CopyTo(to, 0);
        single.Mu = start.Mu;
        var als = new Als(ratings, 0.9);
        for (int sweep = 0; sweep < 3; sweep++)
        {
            als.Sweep(single);
            await driver.Sweep(biased);
        }
        var distributed = await driver.Factors(3, biased);
        foreach (var (name, a, b) in new[] { ("P", distributed.P, single.P), ("Q", distributed.Q, single.Q), ("b", distributed.B, single.B), ("c", distributed.C, single.C) })
            if (biased)
            {
                double diff = 0, scale = 0;
                for (int x = 0; x < a.Length; x++) (diff, scale) = (Math.Max(diff, Math.Abs(a[x] - b[x])), Math.Max(scale, Math.Abs(b[x])));
                Assert.True(diff <= 1e-12 * scale, $"{name}: differs by {diff:E2} (largest {scale:E2})");
            }
            else Assert.Equal(b, a);
        if (biased) Assert.True(Math.Abs(driver.Mu - single.Mu) <= 1e-12 * Math.Abs(single.Mu), $"μ {driver.Mu} vs {single.Mu}");

        // The items' half pulled, for each item shard, the distinct users its ratings touch: counted here from the ratings.
        int expected = Enumerable.Range(0, shards).Sum(s => ratings.User.Where((_, p) => ratings.Item[p] % shards == s).Distinct().Count());
        Assert.Equal(expected, driver.LastPull.Rows);
        Assert.Equal(8L * expected * (3 + (biased ? 1 : 0)), driver.LastPull.Bytes);
        if (shards > 1) Assert.True(expected < shards * 120, $"{expected} user rows pulled: not sparse");
    }

    [Fact(Timeout = 60_000)]
    public async Task Misuse_of_distributed_ALS_is_named()
    {
        var source = RatingSource.Planted(users: 10, items: 12, rank: 2, count: 100, seed: 1, shards: 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedAls(silos.Cluster.Client, source, 0));
        var shard = silos.Cluster.Client.GetGrain<IAlsShard>("users/7");
        var e = await Assert.ThrowsAnyAsync<Exception>(() => shard.Load(source));
        Assert.Contains("AlsShard users/7: not a shard of the 2", e.Message);
        var fresh = silos.Cluster.Client.GetGrain<IAlsShard>("items/99");
        e = await Assert.ThrowsAnyAsync<Exception>(() => fresh.Solve(0, 1));
        Assert.Contains("AlsShard items/99: no factors (call Load and Start first)", e.Message);
        var unnamed = await Assert.ThrowsAsync<ArgumentException>(() => new DistributedAls(silos.Cluster.Client, source, 1).Train(" ", RecommenderFactors.Random(2, 10, 12, false, 1), 2));
        Assert.StartsWith("DistributedAls: the run needs a name (its checkpoint's key)", unnamed.Message);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_run_resumed_by_a_new_driver_ends_on_the_uninterrupted_bits()
    {
        var source = RatingSource.Planted(users: 40, items: 60, rank: 2, count: 800, seed: 5, shards: 3);
        var start = RecommenderFactors.Random(2, 40, 60, biased: true, 4, mean: source.ReadAll().Mean());
        var clean = await new DistributedAls(silos.Cluster.Client, source, 0.8).Train($"clean-{Guid.NewGuid():N}", start, 5);
        var run = $"resumed-{Guid.NewGuid():N}";
        Assert.Equal(3, (await new DistributedAls(silos.Cluster.Client, source, 0.8).Train(run, start, 3)).Step);
        // A new driver (as after a restart): it reads half-sweep 3 back, so its start is ignored, and does 4 and 5.
        var seen = new List<int>();
        var resumed = await new DistributedAls(silos.Cluster.Client, source, 0.8).Train(run, RecommenderFactors.Random(2, 40, 60, biased: true, 99), 5, step =>
        {
            seen.Add(step);
            return Task.CompletedTask;
        });
        Assert.Equal([4, 5], seen);
        Assert.Equal(5, resumed.Step);
        foreach (var (a, b) in resumed.Theta.ToFactors().Arrays().Zip(clean.Theta.ToFactors().Arrays())) Assert.Equal(b, a);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_ALS_checkpoint_that_does_not_fit_is_named()
    {
        var source = RatingSource.Planted(users: 10, items: 12, rank: 2, count: 100, seed: 1, shards: 2);
        var driver = new DistributedAls(silos.Cluster.Client, source, 1);
        var run = $"misfit-{Guid.NewGuid():N}";
        await driver.Train(run, RecommenderFactors.Random(2, 10, 12, biased: false, 3), 2);
        var past = await Assert.ThrowsAsync<ArgumentException>(() => driver.Train(run, RecommenderFactors.Random(2, 10, 12, biased: false, 3), 1));
        Assert.StartsWith($"DistributedAls '{run}': its checkpoint is at half-sweep 2, past the 1 asked for (Clear it to start again)", past.Message);
        var other = await Assert.ThrowsAsync<ArgumentException>(() => driver.Train(run, RecommenderFactors.Random(3, 10, 12, biased: false, 3), 4));
        Assert.StartsWith($"DistributedAls '{run}': its checkpoint holds factors of k = 2, m = 10, n = 12, biased False; the start has k = 3, m = 10, n = 12, biased False", other.Message);
        await driver.Clear(run);
        Assert.Null(await driver.Last(run));
    }
}
