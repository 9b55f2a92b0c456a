using AutoDiff.Functional.Bench;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project Bench -- --filter '*'   (all benchmarks, a few minutes with the short job)
// dotnet run -c Release --project Bench -- --list flat    (their names)
// dotnet Bench/bin/Release/net10.0/Bench.dll --seed NAME  (one seed workload, first calls and median; see Seeds.cs)
// dotnet Bench/bin/Release/net10.0/Bench.dll --loop [N] [REPEATS]  (Heron on the loop primitive against the hand-written loop)
// dotnet Bench/bin/Release/net10.0/Bench.dll --scan [STEPS] [REPEATS]  (two carries vs one, and a 10⁶-step scan's gradient vs its value)
// dotnet Bench/bin/Release/net10.0/Bench.dll --fpsg [RATINGS] [RANK] [EPOCHS]  (recommender Adam epochs on FPSG's grid, 1 vs 2 threads)
// dotnet Bench/bin/Release/net10.0/Bench.dll --recommender-plan [RATINGS] [RANK] [ROUNDS] [CHUNK]  (full batch: plans over index inputs vs hand-written gathers)
// dotnet Bench/bin/Release/net10.0/Bench.dll --kernels [N] [REPEATS]  (vector transcendental kernels against the Math.* loops)
// dotnet Bench/bin/Release/net10.0/Bench.dll --reductions [REPEATS] [N ...]  (long sums, max, log Σ exp, softmax and gradients against the old scalar paths)
// dotnet Bench/bin/Release/net10.0/Bench.dll --median-check  (the report's MedianMs skips a slow first call, by the clock)
// OPENBLAS_NUM_THREADS and AUTODIFF_BLAS are inherited from this process's environment.
if (args.Length > 0 && args[0] == "--seed") return Seeds.Run(args);
if (args.Length > 0 && args[0] == "--loop") return HeronLoopTiming.Run(args);
if (args.Length > 0 && args[0] == "--scan") return ScanBench.Run(args);
if (args.Length > 0 && args[0] == "--fpsg") return Fpsg.Run(args);
if (args.Length > 0 && args[0] == "--recommender-plan") return RecommenderPlanTiming.Run(args);
if (args.Length > 0 && args[0] == "--kernels") return KernelTiming.Run(args);
if (args.Length > 0 && args[0] == "--reductions") return ReductionTiming.Run(args);
if (args.Length > 0 && args[0] == "--float32-kernels") return Float32Kernels.Run(args);
if (args.Length > 0 && args[0] == "--median-check") return MedianCheck.Run();
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, new BenchConfig());
return 0;
