using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;
using Xunit;

namespace AutoDiff.Functional.Distributed.Tests;

/// <summary>The Redis these tests use: <c>AUTODIFF_REDIS</c> (host:port), set by <c>Distributed/scripts/redis.sh
/// start</c> and by .ci/run. Without it the tests that need it are skipped, with the reason, never hung.</summary>
public static class Redis
{
    /// <summary>host:port, or null.</summary>
    public static string? Address => Environment.GetEnvironmentVariable("AUTODIFF_REDIS") is { Length: > 0 } a ? a : null;

    /// <summary>Null when <see cref="Address"/> is set, else how to set it.</summary>
    public static string? Missing => Address is null
        ? "needs a Redis: AUTODIFF_REDIS is not set (eval \"$(Distributed/scripts/redis.sh start)\" sets it; .ci/run does)" : null;
}

/// <summary>A fact that needs <see cref="Redis"/>; skipped with the reason when <c>AUTODIFF_REDIS</c> is not set.</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when there is no Redis; <paramref name="seconds"/> is the test's limit.</summary>
    public RedisFactAttribute(int seconds)
    {
        Skip = Redis.Missing;
        Timeout = seconds * 1000;
    }
}

/// <summary>DistributedHost started as a separate process (<c>dotnet DistributedHost.dll …</c>), its output kept.
/// Disposing kills it (and its children) if it still runs.</summary>
public sealed class HostProcess : IDisposable
{
    readonly Process process;
    readonly List<string> lines = [];
    readonly TaskCompletionSource up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The program the build put beside this project's (a ProjectReference builds it first).</summary>
    public static string Program => typeof(HostProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DistributedHost").Value!;

    HostProcess(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Program);
        foreach (var a in args) start.ArgumentList.Add(a);
        // Ends with this process even if it dies without disposing (a test timed out, the runner killed).
        if (args[0] == "silo") foreach (var a in new[] { "--exit-with", $"{Environment.ProcessId}" }) start.ArgumentList.Add(a);
        process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.Exited += (_, _) => up.TrySetException(new InvalidOperationException($"DistributedHost {string.Join(' ', args)} exited ({process.ExitCode}) before its silo was up:\n{Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    void Read(string? line)
    {
        if (line is null) return;
        lock (lines) lines.Add(line);
        if (line.StartsWith("silo up", StringComparison.Ordinal)) up.TrySetResult();
    }

    /// <summary>Everything it printed so far.</summary>
    public string Output { get { lock (lines) return string.Join('\n', lines); } }

    /// <summary>The silo's port (for a silo).</summary>
    public int Port { get; private init; }

    /// <summary>Starts <c>DistributedHost</c> with <paramref name="args"/> (not waiting).</summary>
    public static HostProcess Run(params string[] args) => new(args);

    /// <summary>Starts a silo of <paramref name="cluster"/> on free loopback ports and waits until it has joined.</summary>
    public static async Task<HostProcess> Silo(string cluster, CancellationToken cancel)
    {
        int port = FreePort(), gateway = FreePort();
        var silo = new HostProcess("silo", "--redis", Redis.Address!, "--cluster", cluster, "--port", $"{port}", "--gateway", $"{gateway}", "--join-timeout", "90") { Port = port };
        try { await silo.up.Task.WaitAsync(cancel); }
        catch
        {
            silo.Dispose();
            throw;
        }
        return silo;
    }

    /// <summary>Waits for the exit, at most <paramref name="limit"/>; returns the exit code (the process is killed and
    /// the test fails if it takes longer).</summary>
    public async Task<int> Exit(TimeSpan limit)
    {
        using var cancel = new CancellationTokenSource(limit);
        try { await process.WaitForExitAsync(cancel.Token); }
        catch (OperationCanceledException)
        {
            Dispose();
            Assert.Fail($"DistributedHost did not exit within {limit.TotalSeconds} s:\n{Output}");
        }
        process.WaitForExit(); // the output's last lines
        return process.ExitCode;
    }

    /// <summary>A real kill (SIGKILL): no shutdown, no goodbye to the cluster.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit(10_000);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try { if (!process.HasExited) Kill(); }
        catch (InvalidOperationException) { } // never started, or already gone
        process.Dispose();
    }

    /// <summary>A loopback port free at the moment of asking.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>An Orleans client in this process that finds the silos of <paramref name="Cluster"/> through Redis.</summary>
public sealed record RedisClient(string Cluster) : IAsyncDisposable
{
    IHost? host;

    /// <summary>The grains.</summary>
    public IClusterClient Grains => host!.Services.GetRequiredService<IClusterClient>();

    /// <summary>Connects, within <paramref name="cancel"/>'s limit.</summary>
    public async Task<RedisClient> Connect(CancellationToken cancel)
    {
        host = Host.CreateDefaultBuilder()
            // Errors only: the fault test's refused connections to the killed silo are expected warnings.
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Error))
            .UseOrleansClient(c => c
                .UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(Redis.Address!))
                .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (Cluster, "recommender"))
                .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2))
                .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(30)))
            .Build();
        await host.StartAsync(cancel);
        return this;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (host is null) return;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await host.StopAsync(limit.Token); }
        catch (OperationCanceledException) { } // a client whose gateways died: nothing left to say goodbye to
        host.Dispose();
    }
}
