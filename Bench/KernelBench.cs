using System.Globalization;
using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Bench;

/// <summary>The vector kernels against the scalar <see cref="Math"/> loops the ops ran before (issue #25):
/// <c>dotnet Bench.dll --kernels [N] [REPEATS]</c>. Per function, N elements (10⁶ by default) drawn once from a fixed
/// stream over the range models use; the old loop and the kernel run in alternation after a warm-up, and the medians of
/// REPEATS runs (31 by default) and their ratio are printed, with the load average before and after (the figures are
/// only as quiet as the machine).</summary>
static class KernelTiming
{
    /// <summary>The element loops the ops had (Math.Exp, Math.Log, Math.Tanh, the stable σ with Math.Exp, Math.Sin,
    /// Goldberg's log1p with Math.Log), and the kernel at 256 bits and at the machine's width.</summary>
    static readonly (string Name, double Low, double High, Action<double[], double[]> Old, Action<double[], double[]> At256, Action<double[], double[]> New)[] Functions =
    [
        Row<VectorMath.ExpKernel>("exp", -20, 20, (x, y) => { for (int i = 0; i < x.Length; i++) y[i] = Math.Exp(x[i]); }, (x, y) => VectorMath.Exp(x, y)),
        Row<VectorMath.LogKernel>("log", 1e-3, 1e3, (x, y) => { for (int i = 0; i < x.Length; i++) y[i] = Math.Log(x[i]); }, (x, y) => VectorMath.Log(x, y)),
        Row<VectorMath.TanhKernel>("tanh", -5, 5, (x, y) => { for (int i = 0; i < x.Length; i++) y[i] = Math.Tanh(x[i]); }, (x, y) => VectorMath.Tanh(x, y)),
        Row<VectorMath.SigmoidKernel>("sigmoid", -20, 20, (x, y) =>
        {
            for (int i = 0; i < x.Length; i++)
            {
                double v = x[i];
                if (v >= 0) y[i] = 1 / (1 + Math.Exp(-v));
                else { double e = Math.Exp(v); y[i] = e / (1 + e); }
            }
        }, (x, y) => VectorMath.Sigmoid(x, y)),
        Row<VectorMath.SinKernel>("sin", -10, 10, (x, y) => { for (int i = 0; i < x.Length; i++) y[i] = Math.Sin(x[i]); }, (x, y) => VectorMath.Sin(x, y)),
        Row<VectorMath.Log1pKernel>("log1p", -0.5, 10, (x, y) =>
        {
            for (int i = 0; i < x.Length; i++) { double u = 1 + x[i]; y[i] = u == 1 ? x[i] : Math.Log(u) * (x[i] / (u - 1)); }
        }, (x, y) => VectorMath.Log1p(x, y)),
    ];

    static (string, double, double, Action<double[], double[]>, Action<double[], double[]>, Action<double[], double[]>) Row<K>(
        string name, double low, double high, Action<double[], double[]> old, Action<double[], double[]> kernel) where K : VectorMath.IKernel =>
        (name, low, high, old, (x, y) => VectorMath.Map<K, Lanes256>(x, y), kernel);

    public static int Run(string[] args)
    {
        int n = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
        int repeats = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 31;
        Console.WriteLine($"load average before: {Timing.Load()}; {n} elements, {repeats} runs each, medians");
        Console.WriteLine($"| function | Math.* loop (ms) | kernel, 256 bits (ms) | kernel, {Width()} bits (ms) | Math.* ÷ 256 bits | Math.* ÷ {Width()} bits |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var (name, low, high, old, at256, kernel) in Functions)
        {
            var x = new double[n];
            ulong state = 0x5EED;
            for (int i = 0; i < n; i++)
            {
                state = state * 6364136223846793005 + 1442695040888963407;   // a fixed LCG stream: the same inputs each run
                x[i] = low + (high - low) * ((state >> 11) * (1.0 / (1UL << 53)));
            }
            var y = new double[n];
            var ms = Timing.Medians(5, repeats, () => old(x, y), () => at256(x, y), () => kernel(x, y));
            double mOld = ms[0], m256 = ms[1], mNew = ms[2];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {mOld:F2} | {m256:F2} | {mNew:F2} | {mOld / m256:F2} | {mOld / mNew:F2} |"));
        }
        Console.WriteLine($"load average after: {Timing.Load()}");
        return 0;
    }

    static int Width() => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 512
        : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 256 : System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? 128 : 64;
}
