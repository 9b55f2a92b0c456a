using System.Globalization;
using System.Numerics.Tensors;
using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Bench;

/// <summary>Long reductions against the scalar paths they replaced (issue #25 item 2):
/// <c>dotnet Bench.dll --reductions [REPEATS] [N …]</c> (10⁶ and 10⁷ elements by default). Per size, the old paths
/// (rewritten here as they were: a scalar max fold, one exp and one addition at a time in order, four running sums for
/// Sum) and the new (the ops' forward rules into a kept buffer; value and gradient rows through a compiled plan whose
/// workspace keeps its outputs) run in alternation after a warm-up; medians of REPEATS runs (15 by default),
/// the old ÷ new ratio, and the floor of each new row: the bytes it must move ÷ 28 GB/s, this machine's measured memory
/// bandwidth (/proc/loadavg printed before and after: the figures are only as quiet as the machine).</summary>
static class ReductionTiming
{
    const double Bandwidth = 28e9;

    public static int Run(string[] args)
    {
        int repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
        int[] sizes = args.Length > 2 ? [.. args[2..].Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [1_000_000, 10_000_000];
        Console.WriteLine($"load average before: {Timing.Load()}; {repeats} runs each, medians; {Environment.ProcessorCount} cores");
        Console.WriteLine("| n | what | old path (ms) | new (ms) | old ÷ new | bytes moved | floor at 28 GB/s (ms) | new ÷ floor |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (int n in sizes)
        {
            var values = new double[n];
            ulong state = 0x5EED;
            for (int i = 0; i < n; i++)
            {
                state = state * 6364136223846793005 + 1442695040888963407;   // a fixed LCG stream: the same inputs each run
                values[i] = -20 + 40 * ((state >> 11) * (1.0 / (1UL << 53)));
            }
            var x = Node.Variable("x", Shape.Vector(n));
            var at = Bindings.Empty.Bind(x, Tensor.Vector(values));
            var y = new double[n];
            var ct = Enumerable.Repeat(1.0 / n, n).ToArray();
            // The ops' forward rules into a buffer kept between runs, as the old paths write theirs.
            var input = Tensor.Vector(values);
            var one = new double[1];
            Row(n, "Σ x", () => OldSum(values), () => new Ops.Sum().Forward([input], one), 8.0 * n, repeats);
            Row(n, "max x", () => OldMax(values), () => new Ops.MaxAxis(0).Forward([input], one), 8.0 * n, repeats);
            Row(n, "log Σ exp x", () => OldLogSumExp(values), () => new Ops.LogSumExp(0).Forward([input], one), 16.0 * n, repeats);
            Row(n, "softmax x", () => OldSoftmax(values, y), () => new Ops.Softmax(0).Forward([input], y), 40.0 * n, repeats);
            // The gradient of log Σ exp is the softmax; with the value: the old op's two passes and the softmax's three.
            var lse = x.LogSumExp(0);
            Row(n, "log Σ exp x and its gradient", () => { OldLogSumExp(values); OldSoftmax(values, y); },
                Compiled([lse, .. Reverse.Grad(lse, [x])], at), 56.0 * n, repeats);
            // softmax's VJP ct ⊙ y − y Σ(ct ⊙ y): with the forward, the old softmax and then the old sum of ct ⊙ y.
            var s = x.Softmax(0);
            var c = Node.Constant(Tensor.Vector(ct));
            Row(n, "softmax x and its VJP", () =>
            {
                OldSoftmax(values, y);
                var cy = new double[n];
                TensorPrimitives.Multiply(ct, y, cy);
                double sum = OldSum(cy);
                for (int i = 0; i < n; i++) cy[i] = y[i] * (ct[i] - sum);
            }, Compiled([s, .. Reverse.Grad((s * c).Sum(), [x])], at), 88.0 * n, repeats);
        }
        Console.WriteLine($"load average after: {Timing.Load()}");
        return 0;
    }

    static Action Compiled(Node[] outputs, Bindings at)
    {
        var plan = Plan.Compile(outputs);
        var workspace = plan.NewWorkspace(keepOutputs: true);
        return () => plan.Run(at, workspace);
    }

    static void Row(int n, string what, Action old, Action @new, double bytes, int repeats)
    {
        var ms = Timing.Medians(3, repeats, old, @new);
        double mOld = ms[0], mNew = ms[1], floor = bytes / Bandwidth * 1e3;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {n:E0} | {what} | {mOld:F2} | {mNew:F2} | {mOld / mNew:F2} | {bytes / 1e6:F0} MB | {floor:F2} | {mNew / floor:F2} |"));
    }

    // ---- The old paths, as the ops ran them before this change. ----

    static double OldSum(double[] x)
    {
        double total = 0;
        for (int start = 0; start < x.Length; start += 1024)
        {
            int end = Math.Min(start + 1024, x.Length), i = start;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (; i + 4 <= end; i += 4) (s0, s1, s2, s3) = (s0 + x[i], s1 + x[i + 1], s2 + x[i + 2], s3 + x[i + 3]);
            for (; i < end; i++) s0 += x[i];
            total += (s0 + s1) + (s2 + s3);
        }
        return total;
    }

    static double OldMax(double[] x)
    {
        double max = double.NegativeInfinity;
        foreach (var v in x) max = Math.Max(max, v);
        return max;
    }

    static double OldLogSumExp(double[] x)
    {
        double max = OldMax(x), s = 0;
        foreach (var v in x) s += VectorMath.Exp(v - max);
        return max + VectorMath.Log(s);
    }

    static void OldSoftmax(double[] x, double[] e)
    {
        double max = OldMax(x);
        TensorPrimitives.Subtract(x, max, e);
        VectorMath.Exp(e, e);
        double sum = 0;
        foreach (var v in e) sum += v;
        TensorPrimitives.Divide(e, sum, e);
    }
}
