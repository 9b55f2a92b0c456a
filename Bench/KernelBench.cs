using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoDiff.Functional.Bench;

/// <summary>What repeatable bits cost: the element-wise ops run scalar <see cref="Math"/> loops (one result whatever
/// the JIT tier or vector width) where System.Numerics.Tensors' SIMD kernels gave different bits as code tiered up.
/// Each op's compiled plan on 10⁶ elements against the SIMD kernel it replaced (the baseline, same run).</summary>
[BenchmarkCategory("kernels")]
public class KernelBench
{
    const int N = 1_000_000;
    double[] x = [], y = [];
    Plan plan = null!;
    Workspace workspace = null!;
    Bindings at = null!;

    /// <summary>The op.</summary>
    [Params("Sin", "Exp", "Log", "Tanh")]
    public string Op { get; set; } = "Sin";

    /// <summary>Inputs in (0.5, 2.5): inside every op's domain, away from special cases.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(N);
        x = [.. Enumerable.Range(0, N).Select(_ => 0.5 + 2 * rng.NextDouble())];
        y = new double[N];
        var v = Node.Variable("x", Shape.Vector(N));
        plan = Plan.Compile([Op switch { "Sin" => v.Sin(), "Exp" => v.Exp(), "Log" => v.Log(), _ => v.Tanh() }]);
        workspace = plan.NewWorkspace();
        at = Bindings.Empty.Bind(v, Tensor.Vector(x));
    }

    /// <summary>System.Numerics.Tensors' SIMD kernel.</summary>
    [Benchmark(Baseline = true)]
    public double[] Simd()
    {
        switch (Op)
        {
            case "Sin": TensorPrimitives.Sin<double>(x, y); break;
            case "Exp": TensorPrimitives.Exp<double>(x, y); break;
            case "Log": TensorPrimitives.Log<double>(x, y); break;
            default: TensorPrimitives.Tanh<double>(x, y); break;
        }
        return y;
    }

    /// <summary>The op as the library runs it: a one-op plan, its scalar kernel.</summary>
    [Benchmark]
    public Tensor[] Ours() => plan.Run(at, workspace);
}
