using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace AutoDiff.Functional.Bench;

/// <summary>A short job (one launch, 3 warm-up and 7 measured iterations) so a full run takes minutes; the workloads
/// are large and few, so BenchmarkDotNet's default dozens of iterations buy little precision here.</summary>
public sealed class BenchConfig : ManualConfig
{
    /// <summary>The short job the figures in docs/BENCHMARKS.md were taken with.</summary>
    public BenchConfig()
    {
        // No vector-width setting: re-measured, the default (512-bit on AVX-512) is as fast or faster than 256-bit for
        // our kernels (docs/BENCHMARKS.md, "Environment settings").
        var job = Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(7)
            .WithId("short");
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
