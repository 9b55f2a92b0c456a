using System.Diagnostics;
using AutoDiff.Functional.Properties.Ops;
using Xunit;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>The same bits whatever the JIT does: every row of the op table (but the BLAS products) evaluated 10⁴ times
/// through a plan and 10³ times through the interpreter, in fresh processes where the code tiers up during the loop
/// (tiered compilation on, call counting without delay), with tiering off, and with AVX2 off; one bit pattern per row,
/// the same in every process. And a plan run from 16 threads equal to a sequential run.</summary>
/// <remarks>The transcendental kernels are the library's own (Ops/Kernels: one fixed sequence of IEEE operations and fused
/// multiply-adds at every vector width and in the scalar tail, Properties/Ops/Kernels/KernelBitsTests.cs), not
/// System.Numerics.Tensors' SIMD Sin, Cos, Exp and Sum, which take other paths, with other roundings or orders, as code
/// tiers up; the other SIMD kernels kept are exact IEEE operations (add, subtract, multiply, divide, negate, square
/// root, max), whose bits do not depend on the path.</remarks>
public class RepeatabilityTests
{
    const int PlanRuns = 10_000, InterpreterRuns = 1_000;

    /// <summary>Per row: its name, the number of distinct bit patterns seen, and a fingerprint of the first.</summary>
    public static IEnumerable<string> Fingerprints()
    {
        foreach (var entry in OpTable.Entries)
        {
            if (Instance(entry) is not var (output, at)) continue;
            if (Topology.Of([output]).Order.Any(n => n.Op is Functional.Ops.MatMul)) continue; // BLAS: its own threading
            var plan = Plan.Compile(output);
            var workspace = plan.NewWorkspace();
            var seen = new HashSet<ulong>();
            for (int r = 0; r < PlanRuns; r++) seen.Add(Fingerprint(plan.Run(at, workspace)[0]));
            for (int r = 0; r < InterpreterRuns; r++) seen.Add(Fingerprint(Evaluator.Evaluate(output, at)));
            yield return $"{entry.Name}\t{seen.Count}\t{Fingerprint(Evaluator.Evaluate(output, at)):x16}";
        }
    }

    /// <summary>The row built on fixed dimensions (two, one or three of them, as it takes) and fixed inputs from its
    /// domains; null when it takes none of those.</summary>
    static (Node Output, Bindings At)? Instance(OpEntry entry)
    {
        foreach (int[] dims in new[] { new[] { 5, 7 }, [37], [5, 7, 3] })
        {
            try
            {
                var inputs = entry.Inputs(dims);
                var x = inputs.Select((input, i) => Node.Variable($"x{i}", input.Shape)).ToArray();
                var at = Bindings.Empty;
                for (int i = 0; i < x.Length; i++)
                {
                    var domain = inputs[i].Domain;
                    at = at.Bind(x[i], Tensor.FromColumnMajor(inputs[i].Shape,
                        [.. Enumerable.Range(0, inputs[i].Shape.Size).Select(k => domain.At((37 * k + 11 * i + 5) % 1001))]));
                }
                return (entry.Build(x, dims, 3), at);
            }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException) { } // it takes other dimensions
        }
        return null;
    }

    // FNV-1a over the bits: stable across processes (HashCode is seeded per process).
    static ulong Fingerprint(Tensor t)
    {
        ulong h = 14695981039346656037;
        foreach (var v in t.ToFloat64().Values) h = (h ^ (ulong)BitConverter.DoubleToInt64Bits(v)) * 1099511628211;
        return h;
    }

    /// <summary>The child process's work: print the fingerprints.</summary>
    internal static int Child()
    {
        foreach (var line in Fingerprints()) Console.WriteLine(line);
        return 0;
    }

    static string[] RunChild(params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!, [typeof(RepeatabilityTests).Assembly.Location, "repeat"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync();
        var errors = child.StandardError.ReadToEndAsync();
        Assert.True(child.WaitForExit(TimeSpan.FromMinutes(3)), "the child process did not finish");
        Assert.True(child.ExitCode == 0, $"child exited with {child.ExitCode}: {errors.Result}");
        return output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void Every_op_gives_one_bit_pattern_in_fresh_processes_whatever_the_JIT_does()
    {
        var tiering = RunChild(("DOTNET_TieredCompilation", "1"), ("DOTNET_TC_CallCountingDelayMs", "0"), ("DOTNET_TieredPGO", "1"));
        var optimised = RunChild(("DOTNET_TieredCompilation", "0"));
        var noAvx2 = RunChild(("DOTNET_EnableAVX2", "0"), ("DOTNET_TC_CallCountingDelayMs", "0"));
        Assert.True(tiering.Length > 40, $"only {tiering.Length} rows");
        foreach (var line in tiering)
            Assert.True(line.Split('\t')[1] == "1", $"several bit patterns in one process: {line}");
        Assert.Equal(tiering, optimised);
        Assert.Equal(tiering, noAvx2);
    }

    [Fact]
    public void A_plan_run_from_16_threads_gives_the_bits_of_a_sequential_run()
    {
        // Large enough that fused passes split their blocks between the cores, small enough to be quick.
        const int n = 300_000;
        var x = Node.Variable("x", Shape.Vector(n));
        var y = x.Sin().Exp() * x.Cos() + x.Tanh().Sigmoid();
        var loss = y.Sum() + (x.Reshape(Shape.Matrix(600, 500)).Softmax(1).Log()).Mean();
        var plan = Plan.Compile([loss, y, .. Reverse.Grad(loss, [x])]);
        var at = Bindings.Empty.Bind(x, Tensor.FromColumnMajor(x.Shape, [.. Enumerable.Range(0, n).Select(k => Math.Sin(0.001 * k) * 3)]));
        long[] Bits(Tensor[] values) => [.. values.SelectMany(t => t.Values.ToArray()).Select(BitConverter.DoubleToInt64Bits)];
        var sequential = Bits(plan.Run(at));

        var results = new long[16][];
        var go = new Barrier(16);
        var threads = Enumerable.Range(0, 16).Select(t => new Thread(() =>
        {
            var workspace = plan.NewWorkspace();
            go.SignalAndWait();
            for (int r = 0; r < 3; r++) results[t] = Bits(plan.Run(at, workspace));
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        for (int t = 0; t < 16; t++) Assert.True(sequential.SequenceEqual(results[t]), $"thread {t} differs from the sequential run");
    }
}

/// <summary>The test assembly's entry point (the test SDK's is turned off): <c>repeat</c> runs the child side of
/// <see cref="RepeatabilityTests"/>; anything else does nothing, as the generated one did.</summary>
public static class Program
{
    /// <summary>Runs the child side of a test named by <paramref name="args"/>.</summary>
    public static int Main(string[] args) => args is ["repeat"] ? RepeatabilityTests.Child() : 0;
}
