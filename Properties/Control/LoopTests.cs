using AutoDiff.Functional.Models;
using AutoDiff.Functional.Ops;
using Xunit;

namespace AutoDiff.Functional.Properties.Control;

/// <summary>Loops against hand-written references: Heron's iteration and its seed derivative, every checkpointing
/// policy, the documented evaluation counts, and loops composed with loops, Hessians and plans.</summary>
public class LoopTests
{
    static readonly Node X = Node.Variable("x", Shape.Scalar);
    static Node Heron(int n, Checkpointing? policy = null) => Loop.Repeat(n, Node.Constant(1.0), y => (y + X / y) * 0.5, policy);

    [Theory]
    [InlineData(2.0, 1)]
    [InlineData(2.0, 7)]
    [InlineData(0.3, 40)]
    public void Heron_value_and_derivatives_match_the_hand_written_reference(double x, int n)
    {
        var at = Bindings.Empty.Bind(X, x);
        var y = Heron(n);
        Assert.Equal(HeronReference.Iterate(x, n), Evaluator.Evaluate(y, at).ToScalar());
        double reference = HeronReference.TotalDerivative(x, n);
        Assert.Equal(reference, AD.Grad(y, at, X)[0].ToScalar(), 1e-13);
        Assert.Equal(reference, AD.Jvp([y], at, (X, Tensor.Scalar(1))).Tangents[0].ToScalar(), 1e-13);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(1e-6)]
    [InlineData(12345.678)]
    public void The_adaptive_rule_as_a_while_loop_takes_the_numeric_steps_and_differentiates_in_reverse(double x)
    {
        var numeric = Functional.Models.Heron.IterateAdaptive(x);
        foreach (var policy in new[] { Checkpointing.StoreAll, Checkpointing.Sqrt, Checkpointing.Binomial(3) })
        {
            var looped = Functional.Models.Heron.LoopReverseAdaptive(x, checkpointing: policy);
            Assert.Equal(numeric.Steps, looped.Steps);
            Assert.Equal(numeric.Y, looped.Value);
            Assert.Equal(HeronReference.TotalDerivative(x, numeric.Steps), looped.Derivative, 1e-13 * Math.Max(1, Math.Abs(looped.Derivative)));
            Assert.Equal(0.5 / Math.Sqrt(x), looped.Derivative, 1e-12 * Math.Abs(looped.Derivative));
        }
    }

    [Fact]
    public void A_while_loop_stops_at_its_step_limit()
    {
        var at = Bindings.Empty.Bind(X, 2.0);
        var (y, steps) = Functional.Models.Heron.LoopedAdaptive(X, tolerance: 0, maxSteps: 3);
        Assert.Equal([HeronReference.Iterate(2.0, 3), 3.0], Evaluator.Evaluate([y, steps], at).Select(t => t.ToScalar()));
    }

    /// <summary>The second derivative of f(x) = x·y_N(x) against the hand-derived recurrence for d²y/dx²: differentiating
    /// y' = ½(y + x/y) twice gives y'' = ½(1 − x/y²)·ÿ + x·ẏ²/y³ − ẏ/y² (dots: d/dx of the previous iterate), with
    /// f'' = 2·ẏ_N + x·ÿ_N.</summary>
    [Theory]
    [InlineData(2.0, 5)]
    [InlineData(0.7, 12)]
    public void The_Hessian_through_a_loop_matches_the_hand_derived_recurrence(double x, int n)
    {
        double y = 1, dy = 0, ddy = 0;
        for (int k = 0; k < n; k++)
        {
            (y, dy, ddy) = ((y + x / y) / 2,
                0.5 * (1 - x / (y * y)) * dy + 0.5 / y,
                0.5 * (1 - x / (y * y)) * ddy + 0.5 * (2 * x * dy * dy / (y * y * y) - 2 * dy / (y * y)));
        }
        double expected = 2 * dy + x * ddy;
        var at = Bindings.Empty.Bind(X, x);
        var f = X * Heron(n);
        Assert.Equal(expected, AD.Hessian(f, at, X)[0, 0], 1e-12 * Math.Max(1, Math.Abs(expected)));
        foreach (var policy in new[] { Checkpointing.Sqrt, Checkpointing.Binomial(2) })
            Assert.Equal(expected, AD.Hessian(X * Heron(n, policy), at, X)[0, 0], 1e-12 * Math.Max(1, Math.Abs(expected)));
        // Reverse over reverse: the gradient of the gradient.
        var gradient = Reverse.Grad(f, [X])[0];
        Assert.Equal(expected, AD.Grad(gradient, at, X)[0].ToScalar(), 1e-12 * Math.Max(1, Math.Abs(expected)));
    }

    [Fact]
    public void A_loop_in_a_loop_body_equals_the_unrolled_nest()
    {
        var p = Node.Variable("p", Shape.Vector(2));
        var at = Bindings.Empty.Bind(p, Tensor.Vector(0.3, -0.8));
        Node Inner(Node c, Node q) => c.Sin() * q + c * 0.5;
        var looped = Loop.Repeat(3, p, c => Loop.Repeat(4, c, d => Inner(d, c), Checkpointing.Sqrt) * p, Checkpointing.Binomial(2)).Sum();
        var unrolled = p;
        for (int i = 0; i < 3; i++)
        {
            var d = unrolled;
            for (int j = 0; j < 4; j++) d = Inner(d, unrolled);
            unrolled = d * p;
        }
        var loss = unrolled.Sum();
        Assert.Equal(Evaluator.Evaluate(loss, at).ToScalar(), Evaluator.Evaluate(looped, at).ToScalar());
        var (g, h) = (AD.Grad(looped, at, p)[0], AD.Hessian(looped, at, p));
        var (gu, hu) = (AD.Grad(loss, at, p)[0], AD.Hessian(loss, at, p));
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(gu[i], g[i], 1e-13 * Math.Max(1, Math.Abs(gu[i])));
            for (int j = 0; j < 2; j++) Assert.Equal(hu[i, j], h[i, j], 1e-12 * Math.Max(1, Math.Abs(hu[i, j])));
        }
        Assert.True(GradCheck.Check(looped, at).Passed);
    }

    [Fact]
    public void Loops_compile_into_plans_and_transforms()
    {
        var grad = Transforms.Grad(x => Loop.Repeat(20, Node.Constant(1.0), y => (y + x / y) * 0.5));
        Assert.Equal(HeronReference.TotalDerivative(3.0, 20), grad(3.0).ToScalar(), 1e-13);
        var hvp = Transforms.Hvp(x => Loop.Repeat(6, x, c => c.Sin() + x.Square()).Sum());
        var v = Tensor.Vector(1, 0);
        var plan = Plan.Compile(Loop.Repeat(5, X, c => c.Cos() * X));
        Assert.Equal(Evaluator.Evaluate(plan.Outputs[0], Bindings.Empty.Bind(X, 0.4)).ToScalar(), plan.Run(Bindings.Empty.Bind(X, 0.4))[0].ToScalar());
        var x0 = Tensor.Vector(0.2, -0.4);
        var hessian = Transforms.Hessian(x => Loop.Repeat(6, x, c => c.Sin() + x.Square()).Sum())(x0);
        Assert.Equal(hessian[0, 0], hvp(x0, v)[0], 1e-12);
        Assert.Equal(hessian[1, 0], hvp(x0, v)[1], 1e-12);
    }

    /// <summary>Nested differentiation: gradient descent on f(c, θ) = ½(c − θ)² + ¼c⁴, its step built with
    /// <see cref="Reverse.Grad"/> inside the body, stopped when the gradient is small, differentiated in θ. At the
    /// minimiser c − θ + c³ = 0, so dc/dθ = 1/(1 + 3c²) (the implicit function theorem, written out).</summary>
    [Fact]
    public void Gradient_descent_with_a_stopping_rule_differentiates_through_its_own_gradient_steps()
    {
        var theta = Node.Variable("θ", Shape.Scalar);
        Node Gradient(Node c) => Reverse.Grad((c - theta).Square() * 0.5 + c.Pow(4) * 0.25, [c])[0];
        var c = Loop.While(Node.Constant(0.0), c => Gradient(c).Square() - 1e-28, c => c - 0.2 * Gradient(c), 500, Checkpointing.Binomial(4));
        var at = Bindings.Empty.Bind(theta, 1.3);
        double cStar = Evaluator.Evaluate(c, at).ToScalar();
        Assert.Equal(0, cStar - 1.3 + cStar * cStar * cStar, 1e-13);
        Assert.Equal(1 / (1 + 3 * cStar * cStar), AD.Grad(c, at, theta)[0].ToScalar(), 1e-12);
        Assert.Equal(1 / (1 + 3 * cStar * cStar), AD.Jvp([c], at, (theta, Tensor.Scalar(1))).Tangents[0].ToScalar(), 1e-12);
    }

    [Fact]
    public void Loop_errors_name_the_loop_and_the_carry()
    {
        var e = Assert.Throws<ShapeException>(() => Loop.Repeat(3, Node.Constant(1.0), c => c.Fill(Shape.Vector(2))));
        Assert.Contains("Loop.Repeat: the body returned carry 0 of shape (2); it enters as ()", e.Message);
        var r = Assert.Throws<ShapeException>(() => Loop.While(X, c => c.Fill(Shape.Vector(2)), c => c, 5));
        Assert.Contains("Loop.While: the stopping rule must be a scalar, not (2)", r.Message);
        var n = Assert.Throws<ArgumentOutOfRangeException>(() => Loop.Repeat(-1, X, c => c));
        Assert.Contains("Loop.Repeat: -1 steps", n.Message);
        var k = Assert.Throws<ArgumentException>(() => Loop.Repeat(2, [X, X], c => [c[0]]));
        Assert.Contains("Loop.Repeat: the body returned 1 carries for 2", k.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Checkpointing.Binomial(0));
    }

    [Fact]
    public void Zero_steps_give_the_initial_carry_and_an_identity_derivative()
    {
        var at = Bindings.Empty.Bind(X, 1.5);
        var y = Loop.Repeat(0, X, c => c.Sin());
        Assert.Equal(1.5, Evaluator.Evaluate(y, at).ToScalar());
        Assert.Equal(1.0, AD.Grad(y, at, X)[0].ToScalar());
        Assert.Equal(1.0, AD.Jvp([y], at, (X, Tensor.Scalar(1))).Tangents[0].ToScalar());
    }
}

/// <summary>Checkpointing: every policy gives the same bits, and the body evaluations and stored carries are the
/// figures <see cref="Checkpointing"/> documents.</summary>
public class CheckpointingTests
{
    static readonly Node X = Node.Variable("x", Shape.Scalar);
    static readonly Bindings At = Bindings.Empty.Bind(X, 2.0);
    static Node Heron(int n, Checkpointing policy) => Loop.Repeat(n, Node.Constant(1.0), y => (y + X / y) * 0.5, policy);

    static (double Gradient, LoopCounter Count) Reverse(int n, Checkpointing policy)
    {
        var gradient = Functional.Reverse.Grad(Heron(n, policy), [X])[0];
        var count = LoopCounter.Start();
        try { return (Evaluator.Evaluate(gradient, At).ToScalar(), count); }
        finally { LoopCounter.Stop(); }
    }

    public static TheoryData<int> Lengths => [1, 2, 3, 7, 16, 50, 101];

    [Theory, MemberData(nameof(Lengths))]
    public void Every_policy_gives_the_same_gradient_bit_for_bit(int n)
    {
        var expected = Reverse(n, Checkpointing.StoreAll).Gradient;
        Assert.Equal(HeronReference.TotalDerivative(2.0, n), expected, 1e-13);
        foreach (var policy in new[] { Checkpointing.Sqrt, Checkpointing.Binomial(1), Checkpointing.Binomial(2), Checkpointing.Binomial(3), Checkpointing.Binomial(10) })
            Assert.Equal(expected, Reverse(n, policy).Gradient);
    }

    /// <summary>A counted loop under StoreAll records its carries as its forward pass runs, and its reverse pass reads
    /// them: N body runs for the gradient, and N for the value and the gradient compiled together (the plan runs the
    /// recording loop in the primal one's place; the interpreter runs both, 2N).</summary>
    [Theory, MemberData(nameof(Lengths))]
    public void Store_all_records_N_carries_in_one_forward_pass(int n)
    {
        var (_, count) = Reverse(n, Checkpointing.StoreAll);
        Assert.Equal((n, n, n), (count.BodyRuns, count.ReverseRuns, count.PeakStored));

        var value = Heron(n, Checkpointing.StoreAll);
        var gradient = Functional.Reverse.Grad(value, [X])[0];
        var plan = Plan.Compile([value, gradient]);
        var counted = LoopCounter.Start();
        try
        {
            var both = plan.Run(At);
            Assert.Equal((n, n), (counted.BodyRuns, counted.ReverseRuns));
            Assert.Equal(Evaluator.Evaluate(value, At).ToScalar(), both[0].ToScalar());
            Assert.Equal(Evaluator.Evaluate(gradient, At).ToScalar(), both[1].ToScalar());
            counted = LoopCounter.Start();
            Evaluator.Evaluate([value, gradient], At);
            Assert.Equal((2 * n, n), (counted.BodyRuns, counted.ReverseRuns));
        }
        finally { LoopCounter.Stop(); }
    }

    /// <summary>One segment is stored whole from c₀ (N − 1 evaluations); more, and the loop's forward pass records the
    /// checkpoints (N), then each segment is stepped again (N − segments).</summary>
    [Theory, MemberData(nameof(Lengths))]
    public void Sqrt_checkpoints_cost_what_the_docs_say(int n)
    {
        var (_, count) = Reverse(n, Checkpointing.Sqrt);
        int s = (int)Math.Ceiling(Math.Sqrt(n)), segments = (n + s - 1) / s;
        Assert.Equal(segments == 1 ? n - 1 : 2 * n - segments, count.BodyRuns);
        Assert.Equal(n, count.ReverseRuns);
        Assert.True(count.PeakStored <= segments + s - 1, $"{count.PeakStored} stored carries");
    }

    /// <summary>Checkpoints recorded by the loop's forward pass: compiled with the value, the plan runs the recording
    /// twin in the loop's place, so the value's sweep is the reverse pass's first (2N − segments evaluations, where the
    /// interpreter, which runs both loops, takes 3N − segments), within the same stored carries, every value with the
    /// interpreter's bits. Binomial checkpointing records them when they and one segment fit in its carries (21 for
    /// 101 steps: 10 checkpoints and a segment of 11), and keeps to Revolve otherwise (20).</summary>
    [Theory]
    [InlineData(7, 0)]
    [InlineData(101, 0)]
    [InlineData(101, 21)]
    [InlineData(101, 20)]
    [InlineData(1000, 63)]
    public void A_value_and_gradient_plan_shares_the_value_sweep_with_the_checkpoints(int n, int carries)
    {
        var policy = carries == 0 ? Checkpointing.Sqrt : Checkpointing.Binomial(carries);
        var value = Heron(n, policy);
        var gradient = Functional.Reverse.Grad(value, [X])[0];
        var plan = Plan.Compile([value, gradient]);
        int s = (int)Math.Ceiling(Math.Sqrt(n)), segments = (n + s - 1) / s;
        bool recorded = carries == 0 || segments - 1 + s <= carries;
        var counted = LoopCounter.Start();
        try
        {
            var both = plan.Run(At);
            if (recorded) Assert.Equal((2 * n - segments, n), (counted.BodyRuns, counted.ReverseRuns));
            else Assert.True(counted.BodyRuns > 2 * n, $"{counted.BodyRuns} evaluations: Revolve's sweep is its own");
            Assert.True(counted.PeakStored <= (carries == 0 ? segments + s - 1 : carries), $"{counted.PeakStored} stored carries");
            Assert.Equal(Evaluator.Evaluate(value, At).ToScalar(), both[0].ToScalar());
            Assert.Equal(Evaluator.Evaluate(gradient, At).ToScalar(), both[1].ToScalar());
            Assert.Equal(Reverse(n, Checkpointing.StoreAll).Gradient, both[1].ToScalar());
        }
        finally { LoopCounter.Stop(); }
    }

    [Theory]
    [InlineData(101, 1)]
    [InlineData(101, 2)]
    [InlineData(101, 4)]
    [InlineData(1000, 10)]
    [InlineData(5000, 30)]
    [InlineData(101, 21)]
    [InlineData(1000, 63)]
    public void Binomial_checkpoints_stay_within_the_carries_and_t_times_N_evaluations(int n, int carries)
    {
        var (_, count) = Reverse(n, Checkpointing.Binomial(carries));
        int t = Checkpointing.Repetitions(carries - 1, n);
        Assert.True(count.PeakStored <= carries, $"{count.PeakStored} stored carries for {carries}");
        Assert.True(count.BodyRuns <= t * n, $"{count.BodyRuns} evaluations, t·N = {t * n}");
        Assert.Equal(n, count.ReverseRuns);
    }

    [Fact]
    public void A_million_steps_within_2000_carries_need_two_repetitions() => Assert.Equal(2, Checkpointing.Repetitions(1999, 1_000_000));
}
