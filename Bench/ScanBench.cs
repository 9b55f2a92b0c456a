using System.Globalization;

namespace AutoDiff.Functional.Bench;

/// <summary>Issue #28's loop targets without BenchmarkDotNet (<c>dotnet Bench.dll --scan [STEPS] [REPEATS] [carries|sequence]</c>), each
/// way timed in alternation after a warm-up, medians and ratios from the same run:
/// (1) a loop of two carries against one carry doing the same work (target ≤ 1.05×): one carry holding both halves,
/// which the body cuts apart and joins again (the same kernels, as a user had to write it before loops had several
/// carries), and one carry of twice the length (half the kernel calls, each twice as long); against the former cost,
/// one loop node per carry (each read separately, so the loop runs twice);
/// (2) a scan over a sequence of 10⁶ steps: value, then value and gradient with each step's residuals recorded by the forward pass
/// (the default, <c>Checkpointing.StoreAll</c>) and under <c>Checkpointing.Binomial(2000)</c> (target ≤ 3× the
/// forward scan), with the bytes each allocates.</summary>
static class ScanBench
{
    public static int Run(string[] args)
    {
        int steps = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
        int repeats = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 11;
        // One part per process when named: the JIT compiles the register programs' shared loop for what it ran first,
        // so the scalar scan runs slower after the vector loops (up to 1.8× here) and the other way round.
        string part = args.Length > 3 ? args[3] : "both";
        if (part is "both" or "carries") Carries(Math.Max(1, steps / 100), repeats);
        if (part is "both" or "sequence") Sequence(steps, repeats);
        return 0;
    }

    // c ← sin(c)⊙p + c/2 on a vector of 2n, against the same on two carries of n.
    static void Carries(int steps, int repeats)
    {
        const int n = 64;
        var c = Node.Variable("c", Shape.Vector(2 * n));
        var p = Node.Variable("p", Shape.Vector(2 * n));
        var a = Node.Variable("a", Shape.Vector(n));
        var b = Node.Variable("b", Shape.Vector(n));
        var q = Node.Variable("q", Shape.Vector(n));
        var r = Node.Variable("r", Shape.Vector(n));
        static Node Step(Node x, Node w) => x.Sin() * w + x * 0.5;
        var one = Loop.Repeat(steps, c, x => Step(x, p));
        var two = Loop.Repeat(steps, [a, b], x => [Step(x[0], q), Step(x[1], r)]);
        var packed = Loop.Repeat(steps, c, x => Indexing.Concat(0, Step(x.Slice(0, n), p.Slice(0, n)), Step(x.Slice(n, n), p.Slice(n, n))));
        var separate = new[] { Loop.Repeat(steps, [a, b], x => [Step(x[0], q), Step(x[1], r)])[0], Loop.Repeat(steps, [a, b], x => [Step(x[0], q), Step(x[1], r)])[1] };
        var half = Tensor.Vector([.. Enumerable.Range(0, n).Select(i => Math.Cos(i))]);
        var whole = Tensor.Vector([.. Enumerable.Range(0, 2 * n).Select(i => Math.Cos(i % n))]);
        var oneAt = Bindings.Empty.Bind(c, whole).Bind(p, whole);
        var twoAt = Bindings.Empty.Bind(a, half).Bind(b, half).Bind(q, half).Bind(r, half);
        var (onePlan, twoPlan, separatePlan, packedPlan) = (Plan.Compile([one]), Plan.Compile(two), Plan.Compile(separate), Plan.Compile([packed]));
        var ms = Timing.Medians(1, repeats, () => packedPlan.Run(oneAt), () => onePlan.Run(oneAt), () => twoPlan.Run(twoAt), () => separatePlan.Run(twoAt));
        Console.WriteLine(FormattableString.Invariant($"loop of {steps} steps, {2 * n} elements: one carry holding both halves {ms[0],8:F3} ms; one carry of {2 * n} {ms[1],8:F3} ms"));
        Console.WriteLine(FormattableString.Invariant($"  two carries, one node {ms[2],8:F3} ms (× {ms[2] / ms[0]:F3} the halves, × {ms[2] / ms[1]:F3} the long carry); a node per carry {ms[3],8:F3} ms (× {ms[3] / ms[0]:F3}, × {ms[3] / ms[1]:F3})"));
    }

    // c ← sin(c·p + x_t), emitting c², over a sequence x of the given length.
    static void Sequence(int steps, int repeats)
    {
        var x = Node.Variable("x", Shape.Vector(steps));
        var p = Node.Variable("p", Shape.Scalar);
        Node Loss(Checkpointing policy)
        {
            var (carry, ys) = Loop.Scan(x, Node.Constant(0.0), (c, xt) => { var next = (c * p + xt).Sin(); return (next, next * next); }, policy);
            return carry + ys.Sum();
        }
        Plan ValueAndGradient(Node loss) => Plan.Compile([loss, .. Reverse.Grad(loss, [p, x])]);
        var (stored, binomial) = (Loss(Checkpointing.StoreAll), Loss(Checkpointing.Binomial(2000)));
        var (forward, recorded, checkpointed) = (Plan.Compile([stored]), ValueAndGradient(stored), ValueAndGradient(binomial));
        var at = Bindings.Empty.Bind(p, 0.9).Bind(x, Tensor.Vector([.. Enumerable.Range(0, steps).Select(i => Math.Cos(i))]));
        var ms = Timing.Medians(1, repeats, () => forward.Run(at), () => recorded.Run(at), () => checkpointed.Run(at));
        static double Allocated(Action run)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            run();
            return (GC.GetAllocatedBytesForCurrentThread() - before) / 1048576.0;
        }
        Console.WriteLine(FormattableString.Invariant($"scan of {steps} steps: value {ms[0],8:F1} ms ({Allocated(() => forward.Run(at)):F1} MB allocated)"));
        Console.WriteLine(FormattableString.Invariant($"  value and gradient, each step's residuals recorded by the forward pass {ms[1],8:F1} ms ({Allocated(() => recorded.Run(at)):F1} MB), × {ms[1] / ms[0]:F2} the value"));
        Console.WriteLine(FormattableString.Invariant($"  value and gradient, binomial checkpoints within 2000 carries {ms[2],8:F1} ms ({Allocated(() => checkpointed.Run(at)):F1} MB), × {ms[2] / ms[0]:F2} the value"));
    }
}
