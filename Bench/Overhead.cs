using BenchmarkDotNet.Attributes;

namespace AutoDiff.Functional.Bench;

/// <summary>Per-operation overhead: a chain of <see cref="Nodes"/> scalar nodes y ← sin(y)·x + x (three nodes a step),
/// built, evaluated, differentiated. Each benchmark reports nanoseconds per node (OperationsPerInvoke), the figure
/// that bounds every graph of small tensors (Heron's loop is one).</summary>
[BenchmarkCategory("overhead")]
public class Overhead
{
    /// <summary>Nodes in the chain (three per step).</summary>
    public const int Nodes = 30_000;
    const int Steps = Nodes / 3;

    Node x = null!, y = null!, grad = null!;
    Bindings at = null!;

    static Node Chain(Node x)
    {
        var y = x;
        for (int k = 0; k < Steps; k++) y = y.Sin() * x + x;
        return y;
    }

    /// <summary>Builds the graph once for the evaluation benchmarks.</summary>
    [GlobalSetup]
    public void Setup()
    {
        x = Node.Variable("x", Shape.Scalar);
        y = Chain(x);
        grad = Reverse.Grad(y, [x])[0];
        at = Bindings.Empty.Bind(x, 0.3);
    }

    /// <summary>Building the graph: node construction and shape inference.</summary>
    [Benchmark(OperationsPerInvoke = Nodes)]
    public Node Build() => Chain(x);

    /// <summary>Evaluating the prebuilt graph (value only).</summary>
    [Benchmark(OperationsPerInvoke = Nodes)]
    public Tensor Evaluate() => Evaluator.Evaluate(y, at);

    /// <summary>The symbolic reverse transformation: building the gradient graph.</summary>
    [Benchmark(OperationsPerInvoke = Nodes)]
    public Node[] BuildGradient() => Reverse.Grad(y, [x]);

    /// <summary>Evaluating the prebuilt value and gradient graphs together.</summary>
    [Benchmark(OperationsPerInvoke = Nodes)]
    public Tensor[] EvaluateValueAndGradient() => Evaluator.Evaluate([y, grad], at);

    /// <summary>Evaluating the prebuilt value and gradient graphs as one compiled plan, its workspace kept: what each
    /// call costs once a function is compiled.</summary>
    [Benchmark(OperationsPerInvoke = Nodes)]
    public Tensor[] EvaluateValueAndGradientCompiled() => (plan ??= Plan.Compile([y, grad])).Run(at, workspace ??= plan.NewWorkspace());
    Plan? plan;
    Workspace? workspace;

    /// <summary>Everything a user pays per call: build, differentiate, evaluate (AD.ValueAndGrad on a fresh graph).</summary>
    [Benchmark(OperationsPerInvoke = Nodes)]
    public Tensor[] BuildAndValueAndGrad() => AD.ValueAndGrad(Chain(x), at, x).Gradients;

    /// <summary>Forward mode: JVP graph of the prebuilt chain, evaluated.</summary>
    [Benchmark(OperationsPerInvoke = Nodes)]
    public Tensor[] ForwardJvp() => AD.Jvp([y], at, (x, Tensor.Scalar(1.0))).Tangents;
}
