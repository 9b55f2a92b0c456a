using System.Collections.Concurrent;
using AutoDiff.Functional.Models;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using Xunit;
using Xunit.Abstractions;

namespace AutoDiff.Functional.Distributed.Tests;

/// <summary>Training that survives a lost silo (TestingHost, three silos, checkpoints in
/// <see cref="OutsideStorage"/>, a store that outlives the silos as Redis does): a silo stopped between half-sweeps, or
/// inside one after its shards have solved their rows, is replaced, every shard restarts from the last checkpoint (the
/// lost ones reloading their ratings from the source), and the run ends on the bits of the uninterrupted run, which
/// equals the single-process <see cref="Als"/> bit for bit without biases and to 1e-12 with them. Minibatch steps
/// likewise: a step changes nothing until every shard has answered, so a step retried after the loss gives the
/// uninterrupted bits.</summary>
public sealed class LostSiloTests(ITestOutputHelper output)
{
    /// <summary>Grain state serialised into a dictionary of this test process: it survives any silo, as Redis does in a
    /// cluster (Orleans' memory provider keeps state in grains, which die with their silo).</summary>
    sealed class OutsideStorage(Serializer serializer) : IGrainStorage
    {
        static readonly ConcurrentDictionary<string, byte[]> Stored = new();

        static string Key(string name, GrainId id) => $"{name}/{id}";

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            bool found = Stored.TryGetValue(Key(stateName, grainId), out var bytes);
            (grainState.State, grainState.RecordExists, grainState.ETag) = (found ? serializer.Deserialize<T>(bytes!) : Activator.CreateInstance<T>(), found, found ? "1" : null);
            return Task.CompletedTask;
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            Stored[Key(stateName, grainId)] = serializer.SerializeToArray(grainState.State);
            (grainState.RecordExists, grainState.ETag) = (true, "1");
            return Task.CompletedTask;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            Stored.TryRemove(Key(stateName, grainId), out _);
            (grainState.State, grainState.RecordExists, grainState.ETag) = (Activator.CreateInstance<T>(), false, null);
            return Task.CompletedTask;
        }
    }

    sealed class CheckpointsOutside : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            silo.Services.AddKeyedSingleton<IGrainStorage>(CheckpointGrain.Storage, (services, _) => new OutsideStorage(services.GetRequiredService<Serializer>()));
    }

    [Theory(Timeout = 150_000)]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(false, "solve items")]
    [InlineData(true, "pull for users")]
    public async Task A_lost_silo_loses_no_half_sweep_and_the_run_ends_on_the_uninterrupted_bits(bool biased, string? inside)
    {
        const int HalfSweeps = 6, Lost = 3; // the silo is lost after half-sweep 3, or inside half-sweep 4 (items) or 5 (users)
        var cluster = await Cluster();
        try
        {
            var source = RatingSource.Planted(users: 120, items: 900, rank: 3, count: 2_500, seed: 11, shards: 4);
            var ratings = source.ReadAll();
            var start = RecommenderFactors.Random(3, 120, 900, biased, 12, mean: ratings.Mean());
            var clean = await new DistributedAls(cluster.Client, source, lambda: 0.9).Train($"clean-{Guid.NewGuid():N}", start, HalfSweeps);

            // The independent reference: three sweeps of the single process from the same start.
            var single = DistributedTraining.Copy(start);
            var als = new Als(ratings, 0.9);
            for (int sweep = 0; sweep < HalfSweeps / 2; sweep++) als.Sweep(single);
            Compare("uninterrupted run vs one process", clean.Theta.ToFactors(), single, exact: !biased);

            SiloHandle? victim = null;
            DistributedAls? driver = null;
            int done = 0;
            var seen = new List<int>();
            async Task Lose()
            {
                // A secondary silo (the primary holds the test cluster's membership) that holds shards of the side in
                // play, so the loss is felt by the half-sweep in flight or the next one.
                var ids = driver!.Silos;
                var side = inside is null ? ids : inside.EndsWith("users", StringComparison.Ordinal) ? ids.Take(source.Shards) : ids.Skip(source.Shards);
                victim = cluster.SecondarySilos.FirstOrDefault(s => side.Contains(s.SiloAddress.ToString()))
                    ?? cluster.SecondarySilos.FirstOrDefault(s => ids.Contains(s.SiloAddress.ToString()));
                Assert.True(victim is not null, $"no secondary silo holds a shard: {string.Join(", ", ids)}");
                output.WriteLine($"after half-sweep {done}{(inside is null ? "" : $", inside the next at '{inside}'")}: shards on {string.Join(", ", ids)}; stopping {victim.SiloAddress}");
                await cluster.StopSiloAsync(victim);
                await cluster.StartAdditionalSiloAsync(); // its replacement
            }
            driver = new DistributedAls(cluster.Client, source, lambda: 0.9, TimeSpan.FromSeconds(30))
            {
                Attempts = 4,
                RetryPause = TimeSpan.FromSeconds(1),
                AfterPhase = phase => victim is null && inside == phase && done >= Lost ? Lose() : Task.CompletedTask,
            };
            var run = $"lost-{Guid.NewGuid():N}";
            var faulted = await driver.Train(run, start, HalfSweeps, async step =>
            {
                done = step;
                seen.Add(step);
                if (inside is null && step == Lost) await Lose();
            });
            output.WriteLine($"shards after: {string.Join(", ", driver.Silos)}; restored from the checkpoint {driver.Restores} time(s)");

            Assert.NotNull(victim);
            // The item shards pulled in the last half-sweep, after the loss: none of them on the lost silo.
            Assert.DoesNotContain(victim.SiloAddress.ToString(), driver.Silos.Skip(source.Shards));
            // The loss was felt and mended from the checkpoint: no half-sweep was done twice, none skipped.
            Assert.True(driver.Restores >= 1, "no restore: the lost silo's shards were never missed");
            Assert.Equal(Enumerable.Range(1, HalfSweeps), seen);
            Assert.Equal(HalfSweeps, faulted.Step);
            Compare("interrupted vs uninterrupted run", faulted.Theta.ToFactors(), clean.Theta.ToFactors(), exact: true);
            var stored = await driver.Last(run);
            Assert.NotNull(stored);
            Compare("stored checkpoint vs returned", stored.Theta.ToFactors(), faulted.Theta.ToFactors(), exact: true);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    static async Task<TestCluster> Cluster()
    {
        var cluster = new TestClusterBuilder(3).AddSiloBuilderConfigurator<CheckpointsOutside>().Build();
        await cluster.DeployAsync();
        return cluster;
    }

    [Fact(Timeout = 120_000)]
    public async Task A_lost_silo_loses_no_minibatch_step_and_the_run_ends_on_the_uninterrupted_bits()
    {
        var cluster = await Cluster();
        try
        {
            var source = RatingSource.Planted(users: 60, items: 80, rank: 3, count: 3_000, seed: 7, shards: 6);
            var start = RecommenderFactors.Random(3, 60, 80, biased: true, 8, mean: source.ReadAll().Mean());
            var order = new MinibatchOrder(Batches: 3, Seed: 5);
            DistributedFullBatch Driver() => new(cluster.Client, source, lambda: 0.7, TimeSpan.FromSeconds(30)) { Attempts = 4, RetryPause = TimeSpan.FromSeconds(1) };
            DistributedTraining Training(DistributedFullBatch driver, string run) => new(cluster.Client, driver, run, rate: 5e-4, momentum: 0.5) { Minibatches = order };
            var clean = await Training(Driver(), $"clean-{Guid.NewGuid():N}").Train(start, 5);

            var driver = Driver();
            SiloHandle? victim = null;
            var faulted = await Training(driver, $"lost-{Guid.NewGuid():N}").Train(start, 5, async (step, _) =>
            {
                if (step != 2) return;
                victim = cluster.SecondarySilos.FirstOrDefault(s => driver.Silos.Contains(s.SiloAddress.ToString()));
                Assert.True(victim is not null, $"no secondary silo holds a shard: {string.Join(", ", driver.Silos)}");
                output.WriteLine($"after step 2: shards on {string.Join(", ", driver.Silos)}; stopping {victim.SiloAddress}");
                await cluster.StopSiloAsync(victim);
                await cluster.StartAdditionalSiloAsync();
            });
            output.WriteLine($"shards after: {string.Join(", ", driver.Silos)}; steps retried {driver.Retries}");
            Assert.NotNull(victim);
            Assert.DoesNotContain(victim.SiloAddress.ToString(), driver.Silos);
            Assert.Equal(5, faulted.Step);
            foreach (var (a, b) in faulted.Theta.ToFactors().Arrays().Zip(clean.Theta.ToFactors().Arrays())) Assert.Equal(b, a);
            foreach (var (a, b) in faulted.Velocity.ToFactors().Arrays().Zip(clean.Velocity.ToFactors().Arrays())) Assert.Equal(b, a);
            Assert.Equal(clean.Losses, faulted.Losses);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Bit for bit (<paramref name="exact"/>), or to 1e-12 of each array's largest value: with biases μ's
    /// residual sum is added per shard and then in shard order, not in the single process's blocks.</summary>
    static void Compare(string what, RecommenderFactors a, RecommenderFactors b, bool exact)
    {
        foreach (var (name, x, y) in new[] { "P", "Q", "b", "c", "μ" }.Zip(a.Arrays(), b.Arrays()))
            if (exact) Assert.True(x.AsSpan().SequenceEqual(y), $"{what}: {name} differs");
            else
            {
                double diff = 0, scale = 0;
                for (int i = 0; i < x.Length; i++) (diff, scale) = (Math.Max(diff, Math.Abs(x[i] - y[i])), Math.Max(scale, Math.Abs(y[i])));
                Assert.True(diff <= 1e-12 * scale, $"{what}: {name} differs by {diff:E2} (largest {scale:E2})");
            }
        if (exact) Assert.Equal(b.Mu, a.Mu); // μ is in Arrays() only with biases
    }
}
