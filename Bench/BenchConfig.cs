using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace AutoDiff.Functional.Bench;

/// <summary>A short job (one launch, 3 warm-up and 7 measured iterations) so a full run takes minutes; the workloads
/// are large and few, so BenchmarkDotNet's default dozens of iterations buy little precision here.</summary>
public sealed class BenchConfig : ManualConfig
{
    /// <summary>The short job with the environment the figures in docs/BENCHMARKS.md were taken with.</summary>
    public BenchConfig()
    {
        // The 512-bit Exp/Sigmoid paths of TensorPrimitives are slow and unstable on the AVX-512 machines we measured;
        // the variable must be set at process start, hence a job environment variable rather than code.
        var job = Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(7)
            .WithEnvironmentVariable("DOTNET_PreferredVectorBitWidth", "256")
            .WithId("short-256bit");
        if (Environment.GetEnvironmentVariable("OPENBLAS_NUM_THREADS") is { Length: > 0 } threads)
            job = job.WithEnvironmentVariable("OPENBLAS_NUM_THREADS", threads);
        AddJob(job);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(CategoriesColumn.Default, StatisticColumn.Median);
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams);
        WithOptions(ConfigOptions.DisableLogFile);
        // The defaults (console logger, exporters, standard columns) come from here.
        foreach (var logger in DefaultConfig.Instance.GetLoggers()) AddLogger(logger);
        foreach (var exporter in DefaultConfig.Instance.GetExporters()) AddExporter(exporter);
        foreach (var provider in DefaultConfig.Instance.GetColumnProviders()) AddColumnProvider(provider);
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
    }
}
