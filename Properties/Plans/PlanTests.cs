using AutoDiff.Functional.Properties.Support;
using MathNet.Numerics.LinearAlgebra.Double;
using Xunit;

namespace AutoDiff.Functional.Properties.Plans;

/// <summary>What compiling buys, checked on graphs whose plans are known: fused passes (across blocks and threads),
/// in-place and reused slots, merged subexpressions; and the errors a plan gives.</summary>
public class PlanTests
{
    static Tensor Random(Shape shape, int seed, double scale = 1)
    {
        var rng = new Random(seed);
        return Tensor.FromColumnMajor(shape, [.. Enumerable.Range(0, shape.Size).Select(_ => scale * (2 * rng.NextDouble() - 1))]);
    }

    static void SameAsInterpreter(Node[] outputs, Bindings at, double tolerance = 1e-13)
    {
        var expected = Evaluator.Evaluate(outputs, at);
        var actual = Plan.Compile(outputs).Run(at);
        for (int i = 0; i < outputs.Length; i++) PlanProperties.AssertClose(expected[i], actual[i], $"output {i}", tolerance);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(511)]
    [InlineData(513)]
    [InlineData(5000)]
    [InlineData(300_001)]   // above the size where a fused pass splits its blocks between threads
    public void An_element_wise_chain_is_one_pass_at_every_size(int n)
    {
        var x = Node.Variable("x", Shape.Vector(n));
        var y = ((2.0 * x).Sin() + x).Exp() * x.Sigmoid() - x.Square().Sqrt();
        var loss = y.Sum();
        var at = Bindings.Empty.Bind(x, Random(x.Shape, n));
        SameAsInterpreter([loss, y, .. Reverse.Grad(loss, [x])], at);

        var plan = Plan.Compile(y);
        if (n > 1) Assert.Equal((1, 1), (plan.Statistics.FusedPasses, plan.Statistics.Steps));
    }

    [Fact]
    public void Broadcasts_and_fills_fuse_into_the_pass_that_reads_them()
    {
        var v = Node.Variable("v", Shape.Vector(700));
        var T = Node.Variable("T", Shape.Matrix(700, 900));
        var c = Node.Variable("c", Shape.Scalar);
        var rows = Node.Variable("r", Shape.Vector(900));
        var y = T * v.BroadcastColumns(900).Sigmoid() + rows.BroadcastRows(700) * c;
        var at = Bindings.Empty.Bind(v, Random(v.Shape, 1)).Bind(T, Random(T.Shape, 2)).Bind(c, 0.7).Bind(rows, Random(rows.Shape, 3));
        // ∂/∂c is a sum of 630,000 terms of either sign (|terms| summing to ~10⁵), added block by block in the plan and
        // pairwise by the interpreter: the orders differ by ~1e-11 of that magnitude.
        SameAsInterpreter([y, .. Reverse.Grad(y.Sum(), [v, T, c, rows])], at, tolerance: 1e-11);

        var plan = Plan.Compile(y);
        Assert.Equal(1, plan.Statistics.Steps);
        Assert.Equal(1, plan.Statistics.Slots);   // only the output is stored: no broadcast matrix, no temporaries
    }

    [Fact]
    public void An_element_wise_op_writes_over_an_input_that_dies()
    {
        // σ(A·x) for a matrix x: the product's buffer is dead once σ has read it, so σ writes into it; the chain of
        // products reuses two buffers however long it is.
        var A = Node.Variable("A", Shape.Matrix(40, 40));
        Node x = Node.Variable("x", Shape.Matrix(40, 30));
        var h = x;
        for (int layer = 0; layer < 8; layer++) h = A.MatMul(h).Sigmoid();
        var at = Bindings.Empty.Bind(A, Random(A.Shape, 4, 0.3)).Bind(x, Random(x.Shape, 5));
        SameAsInterpreter([h], at);
        var plan = Plan.Compile(h);
        Assert.Equal(16, plan.Statistics.Steps);
        Assert.Equal(2, plan.Statistics.Slots);
    }

    [Fact]
    public void A_sum_of_two_fuses_and_a_sum_of_more_never_overwrites_an_input_it_still_needs()
    {
        var x = Node.Variable("x", Shape.Vector(1000));
        var two = Node.Apply(new AddN(), x.Sin(), x.Cos()).Exp();
        var three = Node.Apply(new AddN(), x.Sin() * 2.0, x.Cos() * 3.0, x.Exp() * 4.0).Square();
        var at = Bindings.Empty.Bind(x, Random(x.Shape, 9));
        SameAsInterpreter([two], at);
        SameAsInterpreter([three], at);
        Assert.Equal((1, 1), (Plan.Compile(two).Statistics.FusedPasses, Plan.Compile(two).Statistics.Steps));
        Assert.True(Plan.Compile(three).Statistics.Steps > 1);
    }

    [Fact]
    public void The_sigmoid_nets_forward_chain_keeps_two_tangent_buffers()
    {
        // The memory target of the 8000 net, at a size a test can run: beyond A and B, the compiled chain stores two
        // (d₁×d₀) matrices (T₂, and T₃ = B·T₂ with T₄ written over it), not one per element-wise step.
        const int d = 60;
        var net = AutoDiff.Functional.Models.SigmoidNet.Random(d, d, d, seed: 3, scale: 0.2);
        long matrix = 8L * d * d;
        Assert.InRange(net.ForwardChainPlan.Statistics.SlotBytes, 2 * matrix, 2 * matrix + 64L * d);
        var x = MathNet.Numerics.LinearAlgebra.Double.DenseVector.Create(d, i => Math.Sin(i));
        var (value, gradient) = net.GradientForwardChain(x, net.ForwardChainPlan.NewWorkspace());
        var reverse = net.GradientReverseChain(x);
        Assert.Equal(reverse.Value, value, 1e-12);
        Assert.True((gradient - reverse.Gradient).AbsoluteMaximum() <= 1e-12 * reverse.Gradient.AbsoluteMaximum());
    }

    [Fact]
    public void The_factorisation_gradient_keeps_one_residual_sized_buffer()
    {
        // UV, then X − UV over it, then the backward pass's (m×n) cotangent over that: one (m×n) buffer in all.
        const int m = 70, n = 50, k = 4;
        var gradient = AutoDiff.Functional.Models.MatrixFactorisation.Gradient(AutoDiff.Functional.Models.MatrixFactorisation.Build(m, n, k, 1));
        long residual = 8L * m * n;
        Assert.InRange(gradient.Plan.Statistics.SlotBytes, residual, residual + 8L * 4 * (m * k + k * n) + 1024);
    }

    [Fact]
    public void The_regression_value_and_gradient_are_one_pass_that_stores_no_vector()
    {
        // The backward pass reads sums of the forward pass only through scalars that run after it, so the plan may
        // pull the whole backward pass into the forward one: nothing of size m is ever stored.
        const int m = 3000;
        var model = AutoDiff.Functional.Models.NonlinearRegression.Build(m);
        Node[] outputs = [model.Loss, .. Reverse.Grad(model.Loss, [model.W])];
        var plan = Plan.Compile(outputs);
        Assert.Equal(1, plan.Statistics.FusedPasses);
        Assert.True(plan.Statistics.SlotBytes < 8 * m, $"{plan.Statistics.SlotBytes} bytes of slots{Environment.NewLine}{plan}");
        var at = model.Bind(Tensor.Vector(0.5, -0.3, 0.8, 0.2, 0.4), Random(Shape.Matrix(m, 2), 11), Random(Shape.Vector(m), 12));
        SameAsInterpreter(outputs, at, tolerance: 1e-12);
    }

    [Fact]
    public void Common_subexpressions_are_computed_once()
    {
        var x = Node.Variable("x", Shape.Vector(10));
        var y = x.Sin() * x.Sin() + x.Pow(2) * x.Pow(2) + x.Sin().Exp();
        var plan = Plan.Compile(y);
        // sin(x) and x² once each: x, sin, pow, sin·sin, pow·pow, add, exp, add.
        Assert.Equal(8, plan.Statistics.DistinctNodes);
        Assert.Equal(11, plan.Statistics.GraphNodes);
        SameAsInterpreter([y], Bindings.Empty.Bind(x, Random(x.Shape, 6)));
    }

    [Fact]
    public void Views_keep_their_storage_alive_and_outputs_are_never_overwritten()
    {
        var x = Node.Variable("x", Shape.Matrix(30, 20));
        var e = x.Exp();
        var r = e.Reshape(Shape.Matrix(20, 30));     // a view of e's storage
        var y = (r * 2.0).Reshape(Shape.Matrix(30, 20)) + e;
        var at = Bindings.Empty.Bind(x, Random(x.Shape, 7));
        SameAsInterpreter([y, e, r], at);
        SameAsInterpreter([y], at);
    }

    [Fact]
    public void A_million_deep_chain_compiles_and_runs()
    {
        var x = Node.Variable("x", Shape.Scalar);
        var y = x;
        for (int k = 0; k < 333_334; k++) y = y.Sin() * 0.999 + x;
        var plan = Plan.Compile(y);
        Assert.True(plan.Statistics.GraphNodes > 1_000_000);
        double expected = 0.3;
        for (int k = 0; k < 333_334; k++) expected = Math.Sin(expected) * 0.999 + 0.3;
        Assert.Equal(expected, plan.Run(Bindings.Empty.Bind(x, 0.3))[0].ToScalar(), 12);
    }

    [Fact]
    public void A_workspace_serves_its_own_plan_one_run_at_a_time()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        Plan p = Plan.Compile(x.Exp()), q = Plan.Compile(x.Sin());
        var at = Bindings.Empty.Bind(x, Tensor.Vector(1, 2, 3));
        var e = Assert.Throws<ArgumentException>(() => p.Run(at, q.NewWorkspace()));
        Assert.Equal("Plan.Run: this workspace belongs to another plan", e.Message);

        var busy = p.NewWorkspace();
        busy.Enter(p);   // as if another thread were running in it
        var f = Assert.Throws<InvalidOperationException>(() => p.Run(at, busy));
        Assert.Equal("Plan.Run: this workspace is in use by another run; give each thread its own (Plan.NewWorkspace)", f.Message);
        busy.Leave();
        Assert.Equal(Math.Exp(2), p.Run(at, busy)[0][1], 1e-15 * Math.Exp(2));
    }

    [Fact]
    public void Errors_name_the_variable()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        var plan = Plan.Compile(x.Exp());
        var e = Assert.Throws<BindingException>(() => plan.Run(Bindings.Empty));
        Assert.Equal("variable 'x' (3) is not bound", e.Message);

        var twin = Node.Variable("x", Shape.Scalar);
        var f = Assert.Throws<BindingException>(() => Plan.Compile(x.Sum() + twin));
        Assert.Equal("two different variables are named 'x' ((3) and ())", f.Message);
    }

    [Fact]
    public void Large_inputs_are_read_in_place_never_copied()
    {
        var m = DenseMatrix.Create(500, 400, (i, j) => Math.Sin(i + 2.0 * j));
        var X = Node.Variable("X", Shape.Matrix(500, 400));
        var plan = Plan.Compile(X.Square().Sum());
        var at = Bindings.Empty.Bind(X, m);
        var workspace = plan.NewWorkspace();
        double s = double.NaN;
        long allocated = Allocations.Least(() => s = plan.Run(at, workspace)[0].ToScalar());
        Assert.True(allocated < 100_000, $"a run allocated {allocated} bytes for a 1.6 MB input");
        double reference = m.Values.Sum(v => v * v);
        Assert.True(Math.Abs(reference - s) <= 1e-12 * reference, $"sum of squares {s:R}, reference {reference:R}");
    }
}
