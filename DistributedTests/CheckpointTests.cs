using AutoDiff.Functional.Models;
using Xunit;

namespace AutoDiff.Functional.Distributed.Tests;

/// <summary>Runs checkpointed after every step (TestingHost, grain state in memory; the Redis provider is exercised by
/// <see cref="ProcessTests"/>): a driver that stops and a new one that resumes under the run's name end on the bits of
/// an uninterrupted run, and a checkpoint that does not fit the request is named.</summary>
public sealed class CheckpointTests(TwoSilos silos) : IClassFixture<TwoSilos>
{
    static (RatingSource Source, RecommenderFactors Theta) Problem()
    {
        var source = RatingSource.Planted(users: 50, items: 70, rank: 3, count: 2_500, seed: 11, shards: 3);
        return (source, RecommenderFactors.Random(3, 50, 70, biased: true, 9, mean: source.ReadAll().Mean()));
    }

    DistributedTraining Training(RatingSource source, string run) =>
        new(silos.Cluster.Client, new DistributedFullBatch(silos.Cluster.Client, source, lambda: 0.5), run, rate: 2e-4, momentum: 0.8);

    [Fact(Timeout = 120_000)]
    public async Task A_run_resumed_from_its_checkpoint_ends_on_the_uninterrupted_bits()
    {
        var (source, theta) = Problem();
        var clean = await Training(source, $"clean-{Guid.NewGuid():N}").Train(theta, steps: 5);
        var run = $"resumed-{Guid.NewGuid():N}";
        var first = await Training(source, run).Train(theta, steps: 2);
        Assert.Equal(2, first.Step);
        // A new driver (as after a restart) under the same name: it reads step 2 back and takes steps 3 to 5. Its
        // start argument is ignored, so a wrong one must not matter.
        var resumed = await Training(source, run).Train(RecommenderFactors.Random(3, 50, 70, biased: true, 99), steps: 5);
        Assert.Equal(5, resumed.Step);
        foreach (var (a, b) in resumed.Theta.ToFactors().Arrays().Zip(clean.Theta.ToFactors().Arrays())) Assert.Equal(b, a);
        foreach (var (a, b) in resumed.Velocity.ToFactors().Arrays().Zip(clean.Velocity.ToFactors().Arrays())) Assert.Equal(b, a);
        Assert.Equal(clean.Losses, resumed.Losses);
        Assert.True(clean.Losses[^1] < clean.Losses[0], $"L rose: {string.Join(", ", clean.Losses)}");
    }

    [Fact(Timeout = 120_000)]
    public async Task Each_step_is_stored_before_its_callback()
    {
        var (source, theta) = Problem();
        var training = Training(source, $"stored-{Guid.NewGuid():N}");
        var seen = new List<(int Step, TrainingCheckpoint? Stored)>();
        var final = await training.Train(theta, steps: 4, async (step, _) => seen.Add((step, await training.Last())));
        Assert.Equal([1, 2, 3, 4], seen.Select(s => s.Step));
        Assert.All(seen, s => Assert.Equal(s.Step, s.Stored?.Step));
        // What step 4's callback read back is the run's final state, not a later one or an earlier copy.
        foreach (var (a, b) in seen[^1].Stored!.Theta.ToFactors().Arrays().Zip(final.Theta.ToFactors().Arrays())) Assert.Equal(b, a);
        Assert.Equal(final.Losses, seen[^1].Stored!.Losses);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_checkpoint_that_does_not_fit_is_named()
    {
        var (source, theta) = Problem();
        var run = $"misfit-{Guid.NewGuid():N}";
        await Training(source, run).Train(theta, steps: 2);
        var past = await Assert.ThrowsAsync<ArgumentException>(() => Training(source, run).Train(theta, steps: 1));
        Assert.StartsWith($"DistributedTraining '{run}': its checkpoint is at step 2, past the 1 steps asked for (Clear it to start again)", past.Message);
        var other = await Assert.ThrowsAsync<ArgumentException>(() => Training(source, run).Train(RecommenderFactors.Random(4, 50, 70, biased: true, 1), steps: 3));
        Assert.StartsWith($"DistributedTraining '{run}': its checkpoint holds factors of k = 3, m = 50, n = 70, biased True; the start has k = 4, m = 50, n = 70, biased True", other.Message);
        var training = Training(source, run);
        await training.Clear();
        Assert.Null(await training.Last());
    }
}
