using System.Diagnostics;
using System.Globalization;
using AutoDiff.Functional.Distributed;
using AutoDiff.Functional.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

// silo  --redis HOST:PORT [--cluster ID] [--port 11111] [--gateway 30000] [--join-timeout SECONDS] [--exit-with PID]
//       a silo process: Redis membership and Redis grain state (the runs' checkpoints); runs until killed or stopped,
//       or until process PID has exited.
// train --redis HOST:PORT [--cluster ID] --shards S [--users m --items n --ratings R | --movielens ratings.csv]
//       [--rank k --steps T --rate η --momentum β --lambda λ --attempts A --timeout SECONDS --join-timeout SECONDS
//       --run NAME --batches B]
//       synchronous full-batch steps over S shards on whatever silos have joined, checkpointed to Redis after each
//       step under the run's name (a run restarted under that name resumes; with --batches, minibatch steps in a fixed
//       seeded order of B batches an epoch); prints the gradient's agreement with
//       the single process, the step times beside the single process's, and the final factors' hash.
// train --method als [same options] [--sweeps N --biased true|false]
//       distributed ALS over S user shards and S item shards: N sweeps (2N half-sweeps), checkpointed to Redis after
//       each half-sweep under the run's name (a restarted run resumes; a lost silo's shards restart from the
//       checkpoint); prints each half-sweep's time and row traffic, the factors' agreement with the single-process
//       Als from the same start, and the final factors' hash.
// Exit 0, or 1 with an error that names the part (the provider, the cluster, a shard). Every wait is bounded.
if (args.Length == 0 || args[0] is not ("silo" or "train"))
{
    Console.Error.WriteLine("usage: DistributedHost silo --redis HOST:PORT [--cluster ID] [--port P] [--gateway G] | train --redis HOST:PORT [--cluster ID] --shards S [...]");
    return 2;
}
string Option(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
int Count(string name, int fallback) => int.Parse(Option(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
double Real(string name, double fallback) => double.Parse(Option(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
var redis = Option("--redis", "localhost:6379");
var cluster = Option("--cluster", "autodiff-recommender");
var joinTimeout = TimeSpan.FromSeconds(Count("--join-timeout", 30));
const string ServiceId = "recommender";
ConfigurationOptions Redis() => ConfigurationOptions.Parse(redis);

try
{
    // A provider that is down at start is an error within seconds, naming it, not a silo that waits for ever.
    using var probe = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { redis }, ConnectTimeout = 3000, AbortOnConnectFail = true });
    await probe.GetDatabase().PingAsync();
}
catch (RedisConnectionException e)
{
    Console.Error.WriteLine($"DistributedHost: the provider Redis at {redis} is not reachable: {e.Message}");
    return 1;
}

if (args[0] == "silo")
{
    int port = Count("--port", 11111), gateway = Count("--gateway", 30000);
    var host = Host.CreateDefaultBuilder()
        .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
        .UseOrleans(silo => silo
            .UseRedisClustering(o => o.ConfigurationOptions = Redis())
            .AddRedisGrainStorage(CheckpointGrain.Storage, o => o.ConfigurationOptions = Redis())
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster, ServiceId))
            .Configure<MessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(5))
            // A killed silo is declared dead in seconds (probes of 2 s, two missed, one vote), not the default minute,
            // so its grains are reactivated elsewhere while the driver waits to retry its step.
            .Configure<ClusterMembershipOptions>(o =>
            {
                (o.ProbeTimeout, o.NumMissedProbesLimit, o.NumVotesForDeathDeclaration) = (TimeSpan.FromSeconds(2), 2, 1);
                (o.TableRefreshTimeout, o.MaxJoinAttemptTime) = (TimeSpan.FromSeconds(2), joinTimeout);
            })
            .ConfigureEndpoints(System.Net.IPAddress.Loopback, port, gateway))
        .Build();
    if (Count("--exit-with", 0) is > 0 and var parent)
        _ = Task.Run(async () =>
        {
            // A silo started by a test ends with it, even when the test process is killed and never says so.
            while (Alive(parent)) await Task.Delay(1000);
            Console.Error.WriteLine($"DistributedHost: the silo on port {port} stops: its parent process {parent} has exited");
            Process.GetCurrentProcess().Kill(); // no graceful leave: the cluster it belonged to is gone with its test
        });
    using (var joined = new CancellationTokenSource(joinTimeout))
    {
        try { await host.StartAsync(joined.Token); }
        catch (Exception e) // the join timed out, its ports are taken, the cluster refused it: all end the process
        {
            Console.Error.WriteLine($"DistributedHost: the silo on port {port} (gateway {gateway}) did not join cluster '{cluster}' through Redis at {redis} within {joinTimeout.TotalSeconds} s: {e.Message}");
            return 1;
        }
    }
    Console.WriteLine($"silo up: port {port}, gateway {gateway}, pid {Environment.ProcessId}");
    await host.WaitForShutdownAsync();
    return 0;
}

int shards = Count("--shards", 2), users = Count("--users", 10_000), items = Count("--items", 100_000), rank = Count("--rank", 32);
int count = Count("--ratings", 1_000_000), steps = Count("--steps", 3), attempts = Count("--attempts", 1);
double rate = Real("--rate", 1e-6), momentum = Real("--momentum", 0.9), lambda = Real("--lambda", 3);
var client = Host.CreateDefaultBuilder()
    .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
    .UseOrleansClient(c => c
        .UseRedisClustering(o => o.ConfigurationOptions = Redis())
        .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster, ServiceId))
        .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2))
        .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(5)))
    .Build();
using (var joined = new CancellationTokenSource(joinTimeout))
{
    try { await client.StartAsync(joined.Token); }
    catch (Exception e) when (e is OperationCanceledException or Orleans.Runtime.OrleansException or TimeoutException)
    {
        Console.Error.WriteLine($"DistributedHost: no silo of cluster '{cluster}' answered through Redis at {redis} within {joinTimeout.TotalSeconds} s: {e.Message}");
        return 1;
    }
}
var grains = client.Services.GetRequiredService<IClusterClient>();
var source = Option("--movielens", "") is { Length: > 0 } path ? RatingSource.MovieLensFile(path, shards) : RatingSource.Planted(users, items, rank, count, seed: 15, shards);
var clock = Stopwatch.StartNew();
if (Option("--method", "fullbatch") == "als")
{
    try { return await TrainAls(); }
    catch (Exception e) when (e is InvalidOperationException or TimeoutException)
    {
        Console.Error.WriteLine(e.Message);
        return 1;
    }
}
var driver = new DistributedFullBatch(grains, source, lambda, TimeSpan.FromSeconds(Count("--timeout", 120))) { Attempts = attempts };
int[] counts;
try { counts = await driver.Load(); }
catch (Exception e) when (e is InvalidOperationException or TimeoutException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
Console.WriteLine($"{source}: shards loaded {string.Join(", ", counts)} ratings in {clock.Elapsed.TotalSeconds:F1} s; load average {Load()}");
var ratings = source.ReadAll();
var theta = RecommenderFactors.Random(rank, ratings.Users, ratings.Items, true, 16, mean: ratings.Mean());
var single = new RecommenderFullBatch(ratings, rank, lambda, biased: true);
var (oneLoss, oneGradient) = single.ValueAndGradient(theta);
var bestSingle = double.PositiveInfinity;
for (int s = 0; s < Math.Min(steps, 3); s++)
{
    clock.Restart();
    single.ValueAndGradient(theta);
    bestSingle = Math.Min(bestSingle, clock.Elapsed.TotalSeconds);
}
var (loss, gradient) = await driver.ValueAndGradient(theta);
double error = gradient.Arrays().Zip(oneGradient.Arrays(), (a, b) =>
{
    double diff = 0, scale = 0;
    for (int x = 0; x < a.Length; x++) (diff, scale) = (Math.Max(diff, Math.Abs(a[x] - b[x])), Math.Max(scale, Math.Abs(b[x])));
    return scale == 0 ? diff : diff / scale;
}).Max();
Console.WriteLine($"gradient over {shards} shards vs one process: loss {Math.Abs(loss - oneLoss) / oneLoss:E2}, gradient {error:E2} relative");
// What a step moves: each shard gets a Load (the source) and a gradient call (all the factors) and answers each; the
// checkpoint is one call carrying θ and v, written by its grain to Redis. Sizes as Orleans serialises them.
var serializer = client.Services.GetRequiredService<Orleans.Serialization.Serializer>();
long request = serializer.SerializeToArray(FactorsMessage.Of(theta)).Length, load = serializer.SerializeToArray(source).Length;
long answer = serializer.SerializeToArray(new ShardGradient { Gradient = FactorsMessage.Of(gradient), Silo = driver.Silos[0] }).Length;
long checkpoint = serializer.SerializeToArray(new TrainingCheckpoint { Theta = FactorsMessage.Of(theta), Velocity = FactorsMessage.Of(gradient), Losses = new double[steps] }).Length;
Console.WriteLine($"per step: {4 * shards + 2} messages ({2 * shards + 1} calls and their answers); {shards} × ({request:N0} + {answer:N0} + {load:N0}) bytes to and from the shards = {shards * (request + answer + load):N0}, and a checkpoint of {checkpoint:N0} bytes; dense factors are 8·((k + 1)(m + n) + 1) = {8L * ((rank + 1) * (long)(ratings.Users + ratings.Items) + 1):N0} bytes");
double bestGradient = double.PositiveInfinity;
for (int s = 0; s < Math.Min(steps, 3); s++)
{
    clock.Restart();
    await driver.ValueAndGradient(theta);
    bestGradient = Math.Min(bestGradient, clock.Elapsed.TotalSeconds);
}
Console.WriteLine($"best distributed gradient {bestGradient:F3} s against the single process's {bestSingle:F3} s (2 threads): {bestGradient / bestSingle:F2}×; load average {Load()}");
// --batches B: minibatch steps in a fixed, seeded order of B batches an epoch instead of full-batch steps.
var training = new DistributedTraining(grains, driver, Option("--run", $"run-{Guid.NewGuid():N}"), rate, momentum)
{
    Minibatches = Count("--batches", 0) is > 0 and var batches ? new MinibatchOrder(batches, Seed: 17) : null,
};
var resumed = await training.Last();
if (resumed is not null) Console.WriteLine($"run '{training.Run}': resuming from its checkpoint at step {resumed.Step}");
double best = double.PositiveInfinity;
clock.Restart();
var final = await training.Train(theta, steps, (step, l) =>
{
    best = Math.Min(best, clock.Elapsed.TotalSeconds);
    Console.WriteLine($"step {step}: L {l:G8}, {clock.Elapsed.TotalSeconds:F3} s (with its checkpoint)");
    clock.Restart();
    return Task.CompletedTask;
});
Console.WriteLine($"best distributed step with its checkpoint {best:F3} s against the single process's gradient {bestSingle:F3} s (2 threads): {best / bestSingle:F2}×; load average {Load()}");
// The final factors' bits, to compare a run interrupted by a silo's death with an uninterrupted one.
using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
foreach (var a in final.Theta.ToFactors().Arrays()) hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()));
Console.WriteLine($"final factors SHA-256 {Convert.ToHexString(hash.GetHashAndReset())[..16]}; steps retried {driver.Retries}");
await client.StopAsync();
return 0;

// Distributed ALS from a start drawn as the full-batch run draws it, against the single process's sweeps from it.
async Task<int> TrainAls()
{
    bool biased = Option("--biased", "true") != "false";
    int sweeps = Count("--sweeps", 3);
    var all = source.ReadAll();
    var start = RecommenderFactors.Random(rank, all.Users, all.Items, biased, 16, mean: all.Mean());
    var als = new DistributedAls(grains, source, lambda, TimeSpan.FromSeconds(Count("--timeout", 120))) { Attempts = attempts, RetryPause = TimeSpan.FromSeconds(2) };
    var run = Option("--run", $"run-{Guid.NewGuid():N}");
    if (await als.Last(run) is { } resumed) Console.WriteLine($"ALS run '{run}': resuming from its checkpoint at half-sweep {resumed.Step}");
    clock.Restart();
    var final = await als.Train(run, start, 2 * sweeps, step =>
    {
        Console.WriteLine($"half-sweep {step} ({(step % 2 == 1 ? "users" : "items")}): {clock.Elapsed.TotalSeconds:F3} s with its checkpoint; {als.LastPull.Rows:N0} rows pulled ({als.LastPull.Bytes:N0} bytes of values); shards on {als.Silos.Distinct().Count()} silos");
        clock.Restart();
        return Task.CompletedTask;
    });
    var single = DistributedTraining.Copy(start);
    var one = new Als(all, lambda);
    var best = (Users: double.PositiveInfinity, Items: double.PositiveInfinity);
    for (int sweep = 0; sweep < sweeps; sweep++)
    {
        clock.Restart();
        one.SolveUsers(single);
        best.Users = Math.Min(best.Users, clock.Elapsed.TotalSeconds);
        clock.Restart();
        one.SolveItems(single);
        best.Items = Math.Min(best.Items, clock.Elapsed.TotalSeconds);
    }
    var theta = final.Theta.ToFactors();
    var names = new[] { "P", "Q", "b", "c", "μ" };
    var differences = names.Zip(theta.Arrays(), single.Arrays()).Select(t =>
    {
        double diff = 0, scale = 0;
        for (int x = 0; x < t.Second.Length; x++) (diff, scale) = (Math.Max(diff, Math.Abs(t.Second[x] - t.Third[x])), Math.Max(scale, Math.Abs(t.Third[x])));
        return $"{t.First} {(diff == 0 ? "0" : (diff / scale).ToString("E2", CultureInfo.InvariantCulture))}";
    });
    bool identical = theta.Arrays().Zip(single.Arrays(), (a, b) => a.AsSpan().SequenceEqual(b)).All(same => same);
    Console.WriteLine($"ALS after {sweeps} sweeps over {shards} + {shards} shards vs one process: {(identical ? "identical bits" : "relative differences " + string.Join(", ", differences))}");
    Console.WriteLine($"single process (2 threads): best users' half-sweep {best.Users:F3} s, items' {best.Items:F3} s; load average {Load()}");
    using var alsHash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
    foreach (var a in theta.Arrays()) alsHash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()));
    Console.WriteLine($"final factors SHA-256 {Convert.ToHexString(alsHash.GetHashAndReset())[..16]}; restored from the checkpoint {als.Restores} time(s)");
    await client.StopAsync();
    return 0;
}

static bool Alive(int pid)
{
    try
    {
        using var process = Process.GetProcessById(pid);
        return !process.HasExited;
    }
    catch (ArgumentException) { return false; } // no such process
}

static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
