using AutoDiff.Functional.Models;
using Xunit;

namespace AutoDiff.Functional.Distributed.Tests;

/// <summary>Synchronous minibatch steps over the rating shards (TestingHost, two silos): step t's batch is chosen by a
/// seeded hash of each rating's position in the source, so it is the same whatever the shards; the steps equal the same
/// steps in one process (hand loop over the batch) to 1e-12, and a run resumed from its checkpoint at a step boundary
/// ends on the uninterrupted run's bits.</summary>
public sealed class MinibatchTests(TwoSilos silos) : IClassFixture<TwoSilos>
{
    static (RatingSource Source, Ratings Ratings, RecommenderFactors Theta) Problem(int shards)
    {
        var source = RatingSource.Planted(users: 60, items: 80, rank: 3, count: 3_000, seed: 7, shards);
        var ratings = source.ReadAll();
        return (source, ratings, RecommenderFactors.Random(3, 60, 80, biased: true, 8, mean: ratings.Mean()));
    }

    static readonly MinibatchOrder Order = new(Batches: 4, Seed: 3);

    DistributedTraining Training(RatingSource source, string run) =>
        new(silos.Cluster.Client, new DistributedFullBatch(silos.Cluster.Client, source, lambda: 0.7), run, rate: 5e-4, momentum: 0.5) { Minibatches = Order };

    [Fact]
    public void An_epoch_of_batches_splits_the_ratings_afresh_each_epoch()
    {
        var all = Enumerable.Range(0, 3_000).ToArray();
        var epochs = Enumerable.Range(0, 2).Select(e => Enumerable.Range(0, Order.Batches).Select(b => Order.Select(all, e * Order.Batches + b)).ToArray()).ToArray();
        foreach (var batches in epochs)
        {
            Assert.Equal(all, batches.SelectMany(b => b).Order());
            // Each about a quarter: binomial(3,000, 1/4) has σ ≈ 24.
            foreach (var b in batches) Assert.InRange(b.Length, 650, 850);
        }
        Assert.NotEqual(epochs[0][0], epochs[1][0]);
    }

    [Theory(Timeout = 120_000)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Minibatch_steps_equal_the_same_steps_in_one_process(int shards)
    {
        var (source, ratings, start) = Problem(shards);
        const int Steps = 6; // one epoch and a half
        var final = await Training(source, $"minibatch-{Guid.NewGuid():N}").Train(start, Steps);

        // The reference: the hand loop's L and gradient over the batch's ratings (chosen from all the positions, no
        // shards), with a B-th of λ, and the same momentum steps.
        var theta = DistributedTraining.Copy(start);
        var v = start.ZerosLike();
        var positions = Enumerable.Range(0, ratings.Count).ToArray();
        var losses = new List<double>();
        for (int step = 0; step < Steps; step++)
        {
            var (loss, g) = RecommenderReference.Gradient(ratings.Take(Order.Select(positions, step)), theta, 0.7 / Order.Batches);
            losses.Add(loss);
            foreach (var (a, (va, ga)) in theta.Arrays().Zip(v.Arrays().Zip(g.Arrays())).Take(4))
                for (int x = 0; x < a.Length; x++) a[x] -= 5e-4 * (va[x] = 0.5 * va[x] + ga[x]);
            theta.Mu -= 5e-4 * (v.Mu = 0.5 * v.Mu + g.Mu);
        }
        foreach (var (name, a, b) in new[] { "P", "Q", "b", "c", "μ" }.Zip(final.Theta.ToFactors().Arrays(), theta.Arrays()))
            Assert.True(RelError(a, b) <= 1e-12, $"θ after {Steps} steps: {name} relative error {RelError(a, b):E2}");
        Assert.True(RelError(final.Losses, [.. losses]) <= 1e-12, $"losses {string.Join(", ", final.Losses)} vs {string.Join(", ", losses)}");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_minibatch_run_resumed_from_its_checkpoint_ends_on_the_uninterrupted_bits()
    {
        var (source, _, start) = Problem(3);
        var clean = await Training(source, $"clean-{Guid.NewGuid():N}").Train(start, steps: 6);
        var run = $"resumed-{Guid.NewGuid():N}";
        Assert.Equal(3, (await Training(source, run).Train(start, steps: 3)).Step);
        var resumed = await Training(source, run).Train(start, steps: 6);
        foreach (var (a, b) in resumed.Theta.ToFactors().Arrays().Zip(clean.Theta.ToFactors().Arrays())) Assert.Equal(b, a);
        foreach (var (a, b) in resumed.Velocity.ToFactors().Arrays().Zip(clean.Velocity.ToFactors().Arrays())) Assert.Equal(b, a);
        Assert.Equal(clean.Losses, resumed.Losses);
    }

    [Fact(Timeout = 60_000)]
    public async Task Misuse_of_minibatches_is_named()
    {
        var none = new MinibatchOrder(Batches: 0, Seed: 1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => none.Select([0, 1, 2], 0));
        Assert.StartsWith("MinibatchOrder: the number of batches must be positive", e.Message);
        var (source, _, theta) = Problem(2);
        e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => new DistributedFullBatch(silos.Cluster.Client, source, 0.7).BatchValueAndGradient(theta, none, 0));
        Assert.StartsWith("DistributedFullBatch: the number of minibatches must be positive", e.Message);
    }

    static double RelError(double[] a, double[] b)
    {
        double diff = 0, scale = 0;
        for (int x = 0; x < a.Length; x++) (diff, scale) = (Math.Max(diff, Math.Abs(a[x] - b[x])), Math.Max(scale, Math.Abs(b[x])));
        return scale == 0 ? diff : diff / scale;
    }
}
