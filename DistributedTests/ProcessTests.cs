using AutoDiff.Functional.Models;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

namespace AutoDiff.Functional.Distributed.Tests;

/// <summary>Silos as separate DistributedHost processes on loopback, membership and checkpoints on a real Redis, the
/// driver an Orleans client in this process. Each test has its own cluster id (so tests share one Redis), a hard time
/// limit (a CancellationToken on every wait, xunit's Timeout, and the processes killed in <c>finally</c>).</summary>
public sealed class ProcessTests(ITestOutputHelper output)
{
    static (RatingSource Source, Ratings Ratings, RecommenderFactors Theta) Problem(int shards)
    {
        var source = RatingSource.Planted(users: 60, items: 80, rank: 3, count: 3_000, seed: 7, shards);
        var ratings = source.ReadAll();
        return (source, ratings, RecommenderFactors.Random(3, 60, 80, biased: true, 8, mean: ratings.Mean()));
    }

    static string NewCluster() => $"test-{Guid.NewGuid():N}";

    static double RelError(double[] a, double[] b)
    {
        double diff = 0, scale = 0;
        for (int x = 0; x < a.Length; x++) (diff, scale) = (Math.Max(diff, Math.Abs(a[x] - b[x])), Math.Max(scale, Math.Abs(b[x])));
        return scale == 0 ? diff : diff / scale;
    }

    static async Task<HostProcess[]> Silos(string cluster, int count, CancellationToken cancel)
    {
        var starting = Enumerable.Range(0, count).Select(_ => HostProcess.Silo(cluster, cancel)).ToArray();
        try { return await Task.WhenAll(starting); }
        catch
        {
            foreach (var s in starting.Where(s => s.IsCompletedSuccessfully)) s.Result.Dispose();
            throw;
        }
    }

    /// <summary>The same momentum steps as <see cref="DistributedTraining"/>, in one process: the reference.</summary>
    static RecommenderFactors SingleProcessSteps(Ratings ratings, RecommenderFactors start, double lambda, double rate, double momentum, int steps)
    {
        var one = new RecommenderFullBatch(ratings, start.Rank, lambda, start.Biased);
        var theta = DistributedTraining.Copy(start);
        var v = start.ZerosLike();
        for (int s = 0; s < steps; s++)
        {
            var (_, g) = one.ValueAndGradient(theta);
            foreach (var (a, (va, ga)) in theta.Arrays().Zip(v.Arrays().Zip(g.Arrays())).Take(4))
                for (int x = 0; x < a.Length; x++) a[x] -= rate * (va[x] = momentum * va[x] + ga[x]);
            theta.Mu -= rate * (v.Mu = momentum * v.Mu + g.Mu);
        }
        return theta;
    }

    [RedisFact(seconds: 240)]
    public async Task Two_silo_processes_give_the_single_process_gradient_and_checkpoint_to_Redis()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(200));
        var cluster = NewCluster();
        var silos = await Silos(cluster, 2, cancel.Token);
        try
        {
            await using var client = await new RedisClient(cluster).Connect(cancel.Token);
            var (source, ratings, theta) = Problem(shards: 4);
            var driver = new DistributedFullBatch(client.Grains, source, lambda: 0.7, TimeSpan.FromSeconds(60));
            Assert.Equal(ratings.Count, (await driver.Load().WaitAsync(cancel.Token)).Sum());
            var (loss, gradient) = await driver.ValueAndGradient(theta).WaitAsync(cancel.Token);
            output.WriteLine($"shards answered from {string.Join(", ", driver.Silos)}");
            // Not bit for bit: the single process adds its blocks in another order than shard 0, 1, 2, 3.
            foreach (var (who, (l, g)) in new[] { ("hand loop", RecommenderReference.Gradient(ratings, theta, 0.7)), ("one process", new RecommenderFullBatch(ratings, 3, 0.7, true).ValueAndGradient(theta)) })
            {
                Assert.True(Math.Abs(loss - l) <= 1e-12 * l, $"{who}: loss {loss} vs {l}");
                foreach (var (name, a, b) in new[] { "P", "Q", "b", "c", "μ" }.Zip(gradient.Arrays(), g.Arrays()))
                    Assert.True(RelError(a, b) <= 1e-12, $"{who}: ∂L/∂{name} relative error {RelError(a, b):E2}");
            }

            var run = $"two-silos-{Guid.NewGuid():N}";
            var final = await new DistributedTraining(client.Grains, driver, run, rate: 2e-4, momentum: 0.5).Train(theta, steps: 3).WaitAsync(cancel.Token);
            var reference = SingleProcessSteps(ratings, theta, 0.7, 2e-4, 0.5, 3);
            foreach (var (name, a, b) in new[] { "P", "Q", "b", "c", "μ" }.Zip(final.Theta.ToFactors().Arrays(), reference.Arrays()))
                Assert.True(RelError(a, b) <= 1e-12, $"θ after 3 steps: {name} relative error {RelError(a, b):E2} from one process's steps");
            // The checkpoint is in Redis itself (Orleans' key for the grain's state), and reads back with the same bits.
            using (var redis = await ConnectionMultiplexer.ConnectAsync(Redis.Address!))
                Assert.True(await redis.GetDatabase().KeyExistsAsync($"recommender/state/checkpoint/{run}/run"), "no checkpoint key in Redis");
            var stored = await new DistributedTraining(client.Grains, driver, run, rate: 2e-4, momentum: 0.5).Last().WaitAsync(cancel.Token);
            Assert.NotNull(stored);
            Assert.Equal(3, stored.Step);
            foreach (var (a, b) in stored.Theta.ToFactors().Arrays().Zip(final.Theta.ToFactors().Arrays())) Assert.Equal(a, b);
            foreach (var (a, b) in stored.Velocity.ToFactors().Arrays().Zip(final.Velocity.ToFactors().Arrays())) Assert.Equal(a, b);
        }
        finally
        {
            foreach (var s in silos) s.Dispose();
        }
    }

    [RedisFact(seconds: 300)]
    public async Task A_killed_silo_loses_nothing_the_run_ends_on_the_uninterrupted_bits()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(270));
        var cluster = NewCluster();
        var silos = await Silos(cluster, 3, cancel.Token);
        try
        {
            await using var client = await new RedisClient(cluster).Connect(cancel.Token);
            var (source, _, theta) = Problem(shards: 6);
            const int Steps = 6;
            // Step timeouts and retries: a call to the killed silo fails or times out, and the step is tried again
            // once the cluster has declared that silo dead (the silos probe every 2 s).
            DistributedFullBatch Driver() => new(client.Grains, source, lambda: 0.7, TimeSpan.FromSeconds(20)) { Attempts = 12, RetryPause = TimeSpan.FromSeconds(2) };
            var clean = await new DistributedTraining(client.Grains, Driver(), $"clean-{Guid.NewGuid():N}", 2e-4, 0.5).Train(theta, Steps).WaitAsync(cancel.Token);

            var driver = Driver();
            HostProcess? victim = null;
            string[] before = [];
            var faulted = await new DistributedTraining(client.Grains, driver, $"fault-{Guid.NewGuid():N}", 2e-4, 0.5).Train(theta, Steps, (step, _) =>
            {
                if (step != 2) return Task.CompletedTask;
                // A silo that holds shards (the first only if no other does: the client may well use its gateway).
                before = [.. driver.Silos];
                bool Holds(HostProcess s) => before.Any(id => id.Contains($":{s.Port}:", StringComparison.Ordinal));
                victim = silos.Skip(1).FirstOrDefault(Holds) ?? silos[0];
                Assert.True(Holds(victim), $"no silo holds a shard: {string.Join(", ", before)}");
                output.WriteLine($"step 2: shards on {string.Join(", ", before)}; killing the silo on port {victim.Port}");
                victim.Kill();
                return Task.CompletedTask;
            }).WaitAsync(cancel.Token);
            output.WriteLine($"after the kill: shards on {string.Join(", ", driver.Silos)}; steps retried {driver.Retries}");
            Assert.NotNull(victim);
            Assert.DoesNotContain(driver.Silos, id => id.Contains($":{victim.Port}:", StringComparison.Ordinal));
            Assert.Equal(Steps, faulted.Step);
            // Full-batch synchronous steps summed in shard order: the same bits as the uninterrupted run.
            foreach (var (a, b) in faulted.Theta.ToFactors().Arrays().Zip(clean.Theta.ToFactors().Arrays())) Assert.Equal(b, a);
            foreach (var (a, b) in faulted.Velocity.ToFactors().Arrays().Zip(clean.Velocity.ToFactors().Arrays())) Assert.Equal(b, a);
            Assert.Equal(clean.Losses, faulted.Losses);
        }
        finally
        {
            foreach (var s in silos) s.Dispose();
        }
    }

    /// <summary>ALS's problem: sparse enough that a shard pulls only some of the other side's rows.</summary>
    static (RatingSource Source, Ratings Ratings, RecommenderFactors Start) AlsProblem(int shards, bool biased)
    {
        var source = RatingSource.Planted(users: 120, items: 900, rank: 3, count: 2_500, seed: 11, shards);
        var ratings = source.ReadAll();
        return (source, ratings, RecommenderFactors.Random(3, 120, 900, biased, 12, mean: ratings.Mean()));
    }

    [RedisFact(seconds: 240)]
    public async Task Two_silo_processes_run_ALS_on_the_single_process_bits_and_checkpoint_to_Redis()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(200));
        var cluster = NewCluster();
        var silos = await Silos(cluster, 2, cancel.Token);
        try
        {
            await using (var client = await new RedisClient(cluster).Connect(cancel.Token))
            {
                var (source, ratings, start) = AlsProblem(shards: 3, biased: false);
                var run = $"als-two-silos-{Guid.NewGuid():N}";
                var driver = new DistributedAls(client.Grains, source, lambda: 0.9, TimeSpan.FromSeconds(60));
                var final = await driver.Train(run, start, 4).WaitAsync(cancel.Token);
                output.WriteLine($"shards on {string.Join(", ", driver.Silos)}");
                var single = DistributedTraining.Copy(start);
                var als = new Als(ratings, 0.9);
                als.Sweep(single);
                als.Sweep(single);
                // Without biases every row's system is summed in the source's order on both: the same bits.
                foreach (var (a, b) in final.Theta.ToFactors().Arrays().Zip(single.Arrays())) Assert.Equal(b, a);
                using (var redis = await ConnectionMultiplexer.ConnectAsync(Redis.Address!))
                    Assert.True(await redis.GetDatabase().KeyExistsAsync($"recommender/state/checkpoint/{DistributedAls.CheckpointKey(run)}/run"), "no ALS checkpoint key in Redis");
                var stored = await driver.Last(run).WaitAsync(cancel.Token);
                Assert.NotNull(stored);
                Assert.Equal(4, stored.Step);
                foreach (var (a, b) in stored.Theta.ToFactors().Arrays().Zip(final.Theta.ToFactors().Arrays())) Assert.Equal(b, a);
            }

            // DistributedHost's own driver on the same silos: it checks itself against the single process.
            using var train = HostProcess.Run("train", "--redis", Redis.Address!, "--cluster", cluster, "--method", "als", "--biased", "false", "--shards", "2",
                "--users", "300", "--items", "1000", "--ratings", "6000", "--rank", "4", "--sweeps", "2", "--timeout", "60", "--join-timeout", "30");
            int exit = await train.Exit(TimeSpan.FromSeconds(120));
            output.WriteLine(train.Output);
            Assert.Equal(0, exit);
            Assert.Contains("half-sweep 4 (items): ", train.Output);
            Assert.Contains("ALS after 2 sweeps over 2 + 2 shards vs one process: identical bits", train.Output);
        }
        finally
        {
            foreach (var s in silos) s.Dispose();
        }
    }

    [RedisFact(seconds: 300)]
    public async Task A_killed_silo_loses_no_ALS_half_sweep_the_run_ends_on_the_uninterrupted_bits()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(270));
        var cluster = NewCluster();
        var silos = new List<HostProcess>(await Silos(cluster, 3, cancel.Token));
        try
        {
            await using var client = await new RedisClient(cluster).Connect(cancel.Token);
            var (source, _, start) = AlsProblem(shards: 4, biased: true);
            const int HalfSweeps = 6;
            // A call to the killed silo fails or times out, and the half-sweep is tried again, every shard restarting from
            // the checkpoint, once the cluster has declared that silo dead (the silos probe every 2 s).
            DistributedAls Driver() => new(client.Grains, source, lambda: 0.9, TimeSpan.FromSeconds(20)) { Attempts = 12, RetryPause = TimeSpan.FromSeconds(2) };
            var clean = await Driver().Train($"als-clean-{Guid.NewGuid():N}", start, HalfSweeps).WaitAsync(cancel.Token);

            var driver = Driver();
            HostProcess? victim = null;
            var seen = new List<int>();
            var faulted = await driver.Train($"als-fault-{Guid.NewGuid():N}", start, HalfSweeps, async step =>
            {
                seen.Add(step);
                if (step != 2) return;
                // A silo that holds shards (the first only if no other does: the client may well use its gateway).
                var before = driver.Silos;
                bool Holds(HostProcess s) => before.Any(id => id.Contains($":{s.Port}:", StringComparison.Ordinal));
                victim = silos.Skip(1).FirstOrDefault(Holds) ?? silos[0];
                Assert.True(Holds(victim), $"no silo holds a shard: {string.Join(", ", before)}");
                output.WriteLine($"half-sweep 2: shards on {string.Join(", ", before)}; killing the silo on port {victim.Port}, starting a replacement");
                victim.Kill();
                silos.Add(await HostProcess.Silo(cluster, cancel.Token));
            }).WaitAsync(cancel.Token);
            output.WriteLine($"after the kill: shards on {string.Join(", ", driver.Silos)}; restored from the checkpoint {driver.Restores} time(s)");
            Assert.NotNull(victim);
            Assert.DoesNotContain(driver.Silos, id => id.Contains($":{victim.Port}:", StringComparison.Ordinal));
            Assert.True(driver.Restores >= 1, "no restore: the killed silo's shards were never missed");
            Assert.Equal(Enumerable.Range(1, HalfSweeps), seen);
            Assert.Equal(HalfSweeps, faulted.Step);
            // Each half-sweep reads only checkpointed state and sums μ in shard order: the uninterrupted run's bits.
            foreach (var (a, b) in faulted.Theta.ToFactors().Arrays().Zip(clean.Theta.ToFactors().Arrays())) Assert.Equal(b, a);
        }
        finally
        {
            foreach (var s in silos) s.Dispose();
        }
    }

    [Fact(Timeout = 90_000)]
    public async Task A_provider_that_is_down_at_start_is_named_within_seconds()
    {
        int closed = HostProcess.FreePort();
        using var silo = HostProcess.Run("silo", "--redis", $"127.0.0.1:{closed}", "--cluster", NewCluster(), "--port", $"{HostProcess.FreePort()}", "--gateway", $"{HostProcess.FreePort()}");
        Assert.Equal(1, await silo.Exit(TimeSpan.FromSeconds(60)));
        Assert.Contains($"DistributedHost: the provider Redis at 127.0.0.1:{closed} is not reachable", silo.Output);
    }

    [RedisFact(seconds: 90)]
    public async Task A_silo_that_cannot_join_ends_with_an_error_naming_its_port()
    {
        var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port, gateway = HostProcess.FreePort();
            var cluster = NewCluster();
            using var silo = HostProcess.Run("silo", "--redis", Redis.Address!, "--cluster", cluster, "--port", $"{port}", "--gateway", $"{gateway}", "--join-timeout", "20");
            Assert.Equal(1, await silo.Exit(TimeSpan.FromSeconds(60)));
            Assert.Contains($"DistributedHost: the silo on port {port} (gateway {gateway}) did not join cluster '{cluster}' through Redis at {Redis.Address} within 20 s: ", silo.Output);
        }
        finally
        {
            taken.Stop();
        }
    }

    [RedisFact(seconds: 90)]
    public async Task A_driver_with_no_silo_to_join_is_an_error_naming_the_cluster()
    {
        var cluster = NewCluster();
        using var driver = HostProcess.Run("train", "--redis", Redis.Address!, "--cluster", cluster, "--shards", "2", "--join-timeout", "5");
        Assert.Equal(1, await driver.Exit(TimeSpan.FromSeconds(60)));
        Assert.Contains($"DistributedHost: no silo of cluster '{cluster}' answered through Redis at {Redis.Address} within 5 s", driver.Output);
    }
}
