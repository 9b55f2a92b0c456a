using System.Diagnostics;
using AutoDiff.Functional.Distributed;
using AutoDiff.Functional.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

// silo  --redis HOST:PORT [--port 11111] [--gateway 30000]          a silo process; runs until killed
// train --redis HOST:PORT --shards S [--users m --items n --rank k --ratings R --steps T --rate η --lambda λ
//       --attempts A --timeout SECONDS]
//       synchronous full-batch steps over S shards on whatever silos have joined; prints the step times, and the
//       single-process full batch on this machine for comparison. Exit 0, or 1 with the error (naming the part).
if (args.Length == 0 || args[0] is not ("silo" or "train"))
{
    Console.Error.WriteLine("usage: DistributedHost silo --redis HOST:PORT [--port P] [--gateway G] | train --redis HOST:PORT --shards S [...]");
    return 2;
}
string Option(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
int Count(string name, int fallback) => int.Parse(Option(name, fallback.ToString(System.Globalization.CultureInfo.InvariantCulture)), System.Globalization.CultureInfo.InvariantCulture);
double Real(string name, double fallback) => double.Parse(Option(name, fallback.ToString(System.Globalization.CultureInfo.InvariantCulture)), System.Globalization.CultureInfo.InvariantCulture);
var redis = Option("--redis", "localhost:6379");
const string ClusterId = "autodiff-recommender", ServiceId = "recommender";

try
{
    // A provider that is down at start is an error within seconds, naming it, not a silo that waits for ever.
    using (var probe = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { redis }, ConnectTimeout = 3000, AbortOnConnectFail = true }))
        await probe.GetDatabase().PingAsync();
}
catch (RedisConnectionException e)
{
    Console.Error.WriteLine($"DistributedHost: the membership provider Redis at {redis} is not reachable: {e.Message}");
    return 1;
}

if (args[0] == "silo")
{
    int port = Count("--port", 11111), gateway = Count("--gateway", 30000);
    var host = Host.CreateDefaultBuilder()
        .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
        .UseOrleans(silo => silo
            .UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis))
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ServiceId))
            .Configure<MessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(5))
            .ConfigureEndpoints(System.Net.IPAddress.Loopback, port, gateway))
        .Build();
    await host.StartAsync();
    Console.WriteLine($"silo up: port {port}, gateway {gateway}, pid {Environment.ProcessId}");
    await host.WaitForShutdownAsync();
    return 0;
}

int shards = Count("--shards", 2), users = Count("--users", 10_000), items = Count("--items", 100_000), rank = Count("--rank", 32);
int count = Count("--ratings", 1_000_000), steps = Count("--steps", 3), attempts = Count("--attempts", 1);
double rate = Real("--rate", 1e-6), lambda = Real("--lambda", 3);
var client = Host.CreateDefaultBuilder()
    .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
    .UseOrleansClient(c => c
        .UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis))
        .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ServiceId))
        .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(5)))
    .Build();
using (var joined = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
{
    try { await client.StartAsync(joined.Token); }
    catch (Exception e) when (e is OperationCanceledException or Orleans.Runtime.OrleansException or TimeoutException)
    {
        Console.Error.WriteLine($"DistributedHost: no silo of cluster '{ClusterId}' answered through Redis at {redis} within 30 s: {e.Message}");
        return 1;
    }
}
var grains = client.Services.GetRequiredService<IClusterClient>();
var source = RatingSource.Planted(users, items, rank, count, seed: 15, shards);
var driver = new DistributedFullBatch(grains, source, lambda, TimeSpan.FromSeconds(Count("--timeout", 120))) { Attempts = attempts };
var clock = Stopwatch.StartNew();
var counts = await driver.Load();
Console.WriteLine($"{source}: shards loaded {string.Join(", ", counts)} ratings in {clock.Elapsed.TotalSeconds:F1} s; load average {Load()}");
var ratings = source.ReadAll();
var theta = RecommenderFactors.Random(rank, users, items, true, 16, mean: ratings.Mean());
var single = new RecommenderFullBatch(ratings, rank, lambda, biased: true);
var (oneLoss, oneGradient) = single.ValueAndGradient(theta);
var bestSingle = double.PositiveInfinity;
for (int s = 0; s < steps; s++)
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
double best = double.PositiveInfinity;
for (int s = 0; s < steps; s++)
{
    clock.Restart();
    double l = await driver.Step(theta, rate);
    best = Math.Min(best, clock.Elapsed.TotalSeconds);
    Console.WriteLine($"step {s + 1}: L {l:G8}, {clock.Elapsed.TotalSeconds:F3} s");
}
Console.WriteLine($"best distributed step {best:F3} s against the single process's full batch {bestSingle:F3} s (2 threads): {best / bestSingle:F2}×; load average {Load()}");
// The final factors' bits, to compare a run interrupted by a silo's death with an uninterrupted one.
using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
foreach (var a in theta.Arrays()) hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()));
hash.AppendData(BitConverter.GetBytes(theta.Mu));
Console.WriteLine($"final factors SHA-256 {Convert.ToHexString(hash.GetHashAndReset())[..16]}; steps retried {driver.Retries}");
await client.StopAsync();
return 0;

static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
