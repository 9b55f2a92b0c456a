using AutoDiff.Functional.Bench;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project Bench -- --filter '*'   (all benchmarks, a few minutes with the short job)
// dotnet run -c Release --project Bench -- --list flat    (their names)
// The job (BenchConfig) sets DOTNET_PreferredVectorBitWidth=256 in the benchmark processes; OPENBLAS_NUM_THREADS and
// AUTODIFF_BLAS are inherited from this process's environment.
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, new BenchConfig());
