using AutoDiff.Functional.Models;
using Orleans.TestingHost;
using Xunit;

namespace AutoDiff.Functional.Distributed.Tests;

/// <summary>Two silos in this process (Orleans' TestingHost, in-memory membership and grain state), shared by the tests
/// of a class.</summary>
public sealed class TwoSilos : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = new TestClusterBuilder(2).AddSiloBuilderConfigurator<CheckpointsInMemory>().Build();
        await Cluster.DeployAsync();
    }

    sealed class CheckpointsInMemory : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) => silo.AddMemoryGrainStorage(CheckpointGrain.Storage);
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>Synchronous full-batch steps over rating-shard grains on two silos: the same L and ∇L as one process, the
/// same bits every run, a lost silo's shards reloaded elsewhere, and a shard that cannot load named. Each test has a
/// time limit: a cluster that does not answer fails, never hangs.</summary>
public sealed class FullBatchTests(TwoSilos silos) : IClassFixture<TwoSilos>
{
    static (RatingSource Source, Ratings Ratings, RecommenderFactors Theta) Problem(int shards, bool biased)
    {
        var source = RatingSource.Planted(users: 60, items: 80, rank: 3, count: 3_000, seed: 7, shards);
        var ratings = source.ReadAll();
        return (source, ratings, RecommenderFactors.Random(3, 60, 80, biased, 8, mean: ratings.Mean()));
    }

    static double RelError(double[] a, double[] b)
    {
        double diff = 0, scale = 0;
        for (int x = 0; x < a.Length; x++) (diff, scale) = (Math.Max(diff, Math.Abs(a[x] - b[x])), Math.Max(scale, Math.Abs(b[x])));
        return scale == 0 ? diff : diff / scale;
    }

    [Theory(Timeout = 120_000)]
    [InlineData(1, false)]
    [InlineData(3, true)]
    [InlineData(4, false)]
    public async Task The_gradient_over_shards_equals_the_single_process_one(int shards, bool biased)
    {
        var (source, ratings, theta) = Problem(shards, biased);
        var driver = new DistributedFullBatch(silos.Cluster.Client, source, lambda: 0.7);
        var counts = await driver.Load();
        Assert.Equal(ratings.Count, counts.Sum());
        var (loss, gradient) = await driver.ValueAndGradient(theta);
        // The hand loop is the independent reference; the single process's blocked plans the one to match.
        foreach (var (who, (l, g)) in new[] { ("hand loop", RecommenderReference.Gradient(ratings, theta, 0.7)), ("one process", new RecommenderFullBatch(ratings, 3, 0.7, biased).ValueAndGradient(theta)) })
        {
            Assert.True(Math.Abs(loss - l) <= 1e-12 * l, $"{who}: loss {loss} vs {l}");
            foreach (var (name, a, b) in new[] { "P", "Q", "b", "c" }.Zip(gradient.Arrays(), g.Arrays()))
                Assert.True(RelError(a, b) <= 1e-12, $"{who}: ∂L/∂{name} relative error {RelError(a, b):E2}");
            Assert.True(Math.Abs(gradient.Mu - g.Mu) <= 1e-12 * Math.Max(1, Math.Abs(g.Mu)), $"{who}: ∂L/∂μ {gradient.Mu} vs {g.Mu}");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Steps_give_the_same_bits_every_run()
    {
        var (source, _, start) = Problem(3, biased: true);
        var driver = new DistributedFullBatch(silos.Cluster.Client, source, lambda: 0.7);
        var runs = new List<RecommenderFactors>();
        for (int run = 0; run < 2; run++)
        {
            var theta = Copy(start);
            double first = await driver.Step(theta, 1e-4), last = first;
            for (int step = 0; step < 4; step++) last = await driver.Step(theta, 1e-4);
            Assert.True(last < first, $"L rose from {first} to {last}");
            runs.Add(theta);
        }
        foreach (var (a, b) in runs[0].Arrays().Zip(runs[1].Arrays()).Take(4)) Assert.Equal(a, b);
        Assert.Equal(runs[0].Mu, runs[1].Mu);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_shard_that_cannot_load_is_named()
    {
        var driver = new DistributedFullBatch(silos.Cluster.Client, RatingSource.MovieLensFile("/nonexistent/ratings.csv", 2), lambda: 1);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(driver.Load);
        Assert.StartsWith("DistributedFullBatch: load: shard 0 failed: RatingShard 0: cannot load its ratings from MovieLens '/nonexistent/ratings.csv', 2 shards: ", e.Message);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_malformed_ratings_file_is_named_with_its_shard_and_line()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ratings-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "userId,movieId,rating,timestamp\n1,10,4.0,964982703\n2,20\n");
        try
        {
            var driver = new DistributedFullBatch(silos.Cluster.Client, RatingSource.MovieLensFile(path, 2), lambda: 1);
            var e = await Assert.ThrowsAsync<InvalidOperationException>(driver.Load);
            Assert.StartsWith($"DistributedFullBatch: load: shard 0 failed: RatingShard 0: cannot load its ratings from MovieLens '{path}', 2 shards: MovieLens: line 3 has 2 comma-separated fields", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    static RecommenderFactors Copy(RecommenderFactors f)
    {
        var c = f.ZerosLike();
        foreach (var (a, b) in f.Arrays().Zip(c.Arrays()).Take(f.Biased ? 4 : 2)) a.CopyTo(b, 0);
        c.Mu = f.Mu;
        return c;
    }
}
