using System.Diagnostics;
using AutoDiff.Functional.Models;
using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional.Bench;

/// <summary>The seed workloads as a new user runs them, one per process, without BenchmarkDotNet: each call timed
/// from the first, so the line shows the first call (graph building and compiling), the second (the warm-up cliff, if
/// any) and the median of the second half of the calls (after the runtime's tier-up, which recompiles hot methods
/// from their profile after about 30 calls and once made a model 2.5× slower: see the kernels' Map). <c>Bench/pytorch.sh</c> runs these alternating with the same workloads in PyTorch
/// (<c>Bench/pytorch_seeds.py</c>, which prints the same line).</summary>
/// <remarks><c>dotnet Bench.dll --seed NAME [CALLS]</c> prints <c>NAME first_ms second_ms median_ms</c>; <c>--seed
/// list</c> prints the names. Sizes are the performance issue's.</remarks>
static class Seeds
{
    static readonly Dictionary<string, Func<Func<object>>> Workloads = new()
    {
        // AD.ValueAndGrad on a prebuilt graph: the README's first path.
        ["regression"] = () => Regression(1_000_000),
        // Small enough that the JIT's warm-up, not memory, would dominate the first calls.
        ["regression-10000"] = () => Regression(10_000),
        // The memory-bound seeds again in float32 (the same graphs on float32 variables and data, Graph.Retyped).
        ["regression-f32"] = () => Regression(1_000_000, DType.Float32),
        ["softmax-f32"] = () => Softmax(DType.Float32),
        ["factorisation-5000-1000-50-f32"] = () => Factorisation(5000, 1000, 50, DType.Float32),
        // A minibatch gradient of an MLP 784-512-512-10 (ReLU, cross-entropy on int32 labels), batch 256.
        ["mlp-784-512-512-10"] = () => Mlp(DType.Float64),
        ["mlp-784-512-512-10-f32"] = () => Mlp(DType.Float32),
        ["softmax"] = () => Softmax(DType.Float64),
        // The forward-mode Jacobian (a row: the output is a scalar) of the sigmoid net, d = 1000.
        ["jacfwd-sigmoid-1000"] = () =>
        {
            var (net, x) = Net(1000);
            return () => AD.JacFwd(net.Output, net.At(x), net.X);
        },
        ["sigmoid-reverse-4000"] = () =>
        {
            var (net, x) = Net(4000);
            return () => AD.ValueAndGrad(net.Output, net.At(x), net.X);
        },
        // The floor of the reverse gradient: the four products it needs, on the same OpenBLAS.
        ["gemv4-4000"] = () =>
        {
            const int d = 4000;
            var (net, x) = Net(d);
            double[] a = net.A.Values, b = net.B.Values, xv = x.Values;
            double[] y1 = new double[d], y3 = new double[d], u2 = new double[d], g = new double[d];
            return () =>
            {
                Blas.Gemm(false, false, 1, a, d, d, xv, d, 1, 0, y1);
                Blas.Gemm(false, false, 1, b, d, d, y1, d, 1, 0, y3);
                Blas.Gemm(true, false, 1, b, d, d, y3, d, 1, 0, u2);
                Blas.Gemm(true, false, 1, a, d, d, u2, d, 1, 0, g);
                return g;
            };
        },
        ["factorisation-1000-100-10"] = () => Factorisation(1000, 100, 10),
        ["factorisation-5000-1000-50"] = () => Factorisation(5000, 1000, 50),
        // What repeatable bits cost: sin over 10⁶ elements by the op's scalar Math kernel (one result whatever the JIT
        // tier or vector width) and by the System.Numerics.Tensors SIMD kernel it replaced; likewise exp.
        ["kernel-sin"] = () => Kernel(v => v.Sin()),
        ["kernel-sin-simd"] = () => Simd(System.Numerics.Tensors.TensorPrimitives.Sin<double>),
        ["kernel-exp"] = () => Kernel(v => v.Exp()),
        ["kernel-exp-simd"] = () => Simd(System.Numerics.Tensors.TensorPrimitives.Exp<double>),
        // Heron builds its graph on every call (a new x each time, as a user would).
        ["heron-10000"] = () => () => Heron.Reverse(2, 10_000),
    };

    static double[] KernelInput()
    {
        var rng = new Random(1);
        return [.. Enumerable.Range(0, 1_000_000).Select(_ => 0.5 + 2 * rng.NextDouble())];
    }

    static Func<object> Kernel(Func<Node, Node> op)
    {
        var v = Node.Variable("v", Shape.Vector(1_000_000));
        var plan = Plan.Compile([op(v)]);
        var workspace = plan.NewWorkspace();
        var at = Bindings.Empty.Bind(v, Tensor.Vector(KernelInput()));
        return () => plan.Run(at, workspace);
    }

    static Func<object> Simd(Action<ReadOnlySpan<double>, Span<double>> kernel)
    {
        double[] x = KernelInput(), y = new double[x.Length];
        return () =>
        {
            kernel(x, y);
            return y;
        };
    }

    static Func<object> Regression(int m, DType type = DType.Float64)
    {
        var rng = new Random(m);
        var model = NonlinearRegression.Build(m);
        var at = model.Bind(Tensor.Vector(0.5, -0.3, 0.8, 0.2, 0.4), Tensor.FromColumnMajor(Shape.Matrix(m, 2), Data.Normal(rng, 2 * m)),
            Tensor.FromColumnMajor(Shape.Vector(m), Data.Normal(rng, m)));
        return Gradient(model.Loss, at, type, model.W);
    }

    static Func<object> Softmax(DType type)
    {
        const int n = 100_000, features = 100, classes = 10;
        var rng = new Random(n);
        var labels = Enumerable.Range(0, n).Select(_ => rng.Next(classes)).ToArray();
        var model = SoftmaxClassifier.BuildLinear(features, classes, labels);
        var at = model.Bind(Tensor.FromColumnMajor(Shape.Matrix(n, features), Data.Normal(rng, n * features)),
            Tensor.FromColumnMajor(Shape.Matrix(features, classes), Data.Normal(rng, features * classes, 0.1)),
            Tensor.FromColumnMajor(Shape.Vector(classes), Data.Normal(rng, classes, 0.1)));
        return Gradient(model.Loss, at, type, model.W, model.B);
    }

    static Func<object> Mlp(DType type)
    {
        const int batch = 256;
        int[] widths = [784, 512, 512, 10];
        var rng = new Random(784);
        var X = Node.Variable("X", Shape.Matrix(batch, widths[0]));
        var labels = Node.Variable("labels", Shape.Vector(batch), DType.Int32);
        var at = Bindings.Empty.Bind(X, Tensor.FromColumnMajor(X.Shape, Data.Normal(rng, batch * widths[0])))
            .Bind(labels, Tensor.Indices([.. Enumerable.Range(0, batch).Select(_ => rng.Next(widths[^1]))]));
        Node h = X;
        var parameters = new List<Node>();
        for (int l = 0; l + 1 < widths.Length; l++)
        {
            var W = Node.Variable($"W{l}", Shape.Matrix(widths[l], widths[l + 1]));
            var b = Node.Variable($"b{l}", Shape.Vector(widths[l + 1]));
            at = at.Bind(W, Tensor.FromColumnMajor(W.Shape, Data.Normal(rng, W.Shape.Size, 1 / Math.Sqrt(widths[l])))).Bind(b, Tensor.Zeros(b.Shape));
            h = SoftmaxClassifier.Linear(h, W, b);
            if (l + 2 < widths.Length) h = h.Relu();
            parameters.AddRange([W, b]);
        }
        return Gradient(h.CrossEntropy(labels), at, type, [.. parameters]);
    }

    /// <summary>AD.ValueAndGrad of <paramref name="loss"/>, in float32 on the same graph retyped (the data rounded once,
    /// before timing) when asked.</summary>
    static Func<object> Gradient(Node loss, Bindings at, DType type, params Node[] wrt)
    {
        return type == DType.Float64 ? () => AD.ValueAndGrad(loss, at, wrt) : Retyped(loss, at, type, wrt);
    }

    // Its own method, so that the float32 closure does not hold the float64 data (one display class per scope).
    static Func<object> Retyped(Node loss, Bindings at, DType type, Node[] wrt)
    {
        var (outputs, twins) = Graph.Retyped([loss], type);
        var at32 = Bindings.Empty;
        foreach (var v in at.Variables) at32 = twins.TryGetValue(v, out var twin) ? at32.Bind(twin, at[v].ToFloat32()) : at32.Bind(v, at[v]);
        Node[] wrt32 = [.. wrt.Select(w => twins[w])];
        return () => AD.ValueAndGrad(outputs[0], at32, wrt32);
    }

    static (SigmoidNet Net, DenseVector X) Net(int d)
    {
        var net = SigmoidNet.Random(d, d, d, seed: d, scale: 1 / Math.Sqrt(d));
        var rng = new Random(d + 1);
        return (net, DenseVector.Create(d, _ => 2 * rng.NextDouble() - 1));
    }

    static Func<object> Factorisation(int m, int n, int k, DType type = DType.Float64)
    {
        var rng = new Random(m + n + k);
        var model = MatrixFactorisation.Build(m, n, k, 1);
        var at = model.Bind(Tensor.FromColumnMajor(Shape.Matrix(m, n), Data.Normal(rng, m * n)),
            Tensor.FromColumnMajor(Shape.Matrix(m, k), Data.Normal(rng, m * k)), Tensor.FromColumnMajor(Shape.Matrix(k, n), Data.Normal(rng, k * n)));
        return Gradient(model.Loss, at, type, model.U, model.V);
    }

    static bool TryWrite(string path, string text)
    {
        try { File.WriteAllText(path, text); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>VmHWM, the peak resident set since the last reset (Linux), else the process's peak working set.</summary>
    static long PeakBytes() => Status("VmHWM:") ?? Process.GetCurrentProcess().PeakWorkingSet64;

    /// <summary>VmRSS, the resident set now (Linux), else the working set.</summary>
    static long ResidentBytes() => Status("VmRSS:") ?? Process.GetCurrentProcess().WorkingSet64;

    static long? Status(string field)
    {
        var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal)) : null;
        return line is null ? null : 1024 * long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static int Run(string[] args)
    {
        if (args.Length < 2 || args[1] == "list" || !Workloads.TryGetValue(args[1], out var make))
        {
            Console.WriteLine(string.Join(Environment.NewLine, Workloads.Keys));
            return args.Length >= 2 && args[1] == "list" ? 0 : 2;
        }
        int calls = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 80;
        // The runtime's own resident set before any data is made: what a float32 run cannot halve.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        long runtime = ResidentBytes();
        var call = make();
        // The peak resident memory of the calls, not of the set-up (which made float64 data before rounding it): the
        // heap compacted and returned, then Linux's peak (VmHWM) reset to the current resident set.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        bool peakReset = TryWrite("/proc/self/clear_refs", "5");
        var times = new double[calls];
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            GC.KeepAlive(call());
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        var rest = times.Skip(Math.Max(2, calls / 2)).Order().ToArray();
        double median = rest.Length == 0 ? double.NaN : rest[rest.Length / 2];
        Console.WriteLine(FormattableString.Invariant($"{args[1]} {times[0]:F3} {(calls > 1 ? times[1] : double.NaN):F3} {median:F3}"));
        // The calls' peak resident memory, for the float32 ÷ float64 memory figures (stderr: pytorch.sh reads stdout).
        long peak = PeakBytes();
        Console.Error.WriteLine(FormattableString.Invariant($"{args[1]} peak {(peakReset ? "of the calls" : "of the process")} {peak / 1e6:F0} MB, {(peak - runtime) / 1e6:F0} MB above the runtime's {runtime / 1e6:F0} MB before the data"));
        return 0;
    }
}
