using AutoDiff.Functional.Properties.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using LoopCounter = AutoDiff.Functional.Ops.LoopCounter;

namespace AutoDiff.Functional.Properties.Control;

/// <summary>Scans over sequences (JAX's lax.scan): an RNN cell as one loop node agrees with the same cell unrolled step
/// by step into a plain graph (no loop machinery), in value, gradient and JVP; every checkpointing policy gives the
/// same bits; int32 sequences are read; the errors name the sequence.</summary>
public class ScanTests
{
    const int N = 3, D = 2;
    static readonly Node W = Node.Variable("W", Shape.Matrix(N, N)), U = Node.Variable("U", Shape.Matrix(N, D)),
        H0 = Node.Variable("h0", Shape.Vector(N));

    static Node Cell(Node h, Node x) => (W.MatMul(h) + U.MatMul(x)).Tanh();

    static Node Xs(int steps) => Node.Variable("xs", Shape.Matrix(D, steps));

    /// <summary>The cell unrolled: each step's column sliced out, the states stacked as columns.</summary>
    static (Node Carry, Node Ys) Unrolled(Node xs, bool reverse = false)
    {
        int steps = xs.Shape[1];
        var h = H0;
        var ys = new Node[steps];
        for (int k = 0; k < steps; k++)
        {
            int t = reverse ? steps - 1 - k : k;
            h = Cell(h, xs.Columns(t, 1).Reshape(Shape.Vector(D)));
            ys[t] = h.Reshape(Shape.Matrix(N, 1));
        }
        return (h, Indexing.Concat(1, ys));
    }

    static Bindings At(Node xs, int seed)
    {
        var rng = new Random(seed);
        Tensor Random(Shape s) => Tensor.FromColumnMajor(s, [.. Enumerable.Range(0, s.Size).Select(_ => rng.NextDouble() * 2 - 1)]);
        return Bindings.Empty.Bind(W, Random(W.Shape)).Bind(U, Random(U.Shape)).Bind(H0, Random(H0.Shape)).Bind(xs, Random(xs.Shape));
    }

    static void Close(Tensor expected, Tensor actual, double tolerance = 1e-13)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        for (int i = 0; i < expected.Shape.Size; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"element {i}: {expected[i]} vs {actual[i]}");
    }

    [Property(MaxTest = 30)]
    public void An_RNN_scan_equals_the_unrolled_cell_in_value_gradient_and_JVP(PositiveInt length, int seed, bool reverse)
    {
        int steps = 1 + length.Get % 9;
        var xs = Xs(steps);
        var (carry, ys) = Loop.Scan(xs, H0, (h, x) => { var next = Cell(h, x); return (next, next); }, reverse: reverse);
        var (uCarry, uYs) = Unrolled(xs, reverse);
        var at = At(xs, seed);
        var values = Evaluator.Evaluate([carry, ys], at);
        var expected = Evaluator.Evaluate([uCarry, uYs], at);
        Close(expected[0], values[0]);
        Close(expected[1], values[1]);

        // A loss reading both results; its gradient with respect to every input, the sequence included.
        Node[] wrt = [W, U, H0, xs];
        Node Loss(Node c, Node y) => c.Square().Sum() + (y * y.Sin()).Sum();
        var g = Evaluator.Evaluate(Reverse.Grad(Loss(carry, ys), wrt), at);
        var gu = Evaluator.Evaluate(Reverse.Grad(Loss(uCarry, uYs), wrt), at);
        for (int i = 0; i < wrt.Length; i++) Close(gu[i], g[i], 1e-12);

        // Forward mode along a random direction of every input.
        var rng = new Random(seed ^ 7);
        var tangents = wrt.Select(v => (v, Node.Constant(Tensor.FromColumnMajor(v.Shape, [.. Enumerable.Range(0, v.Shape.Size).Select(_ => rng.NextDouble() - 0.5)])))).ToArray();
        var jvp = Evaluator.Evaluate(ForwardMode.Jvp([Loss(carry, ys)], tangents), at)[0];
        var jvpu = Evaluator.Evaluate(ForwardMode.Jvp([Loss(uCarry, uYs)], tangents), at)[0];
        Close(jvpu, jvp, 1e-12);
    }

    [Fact]
    public void Every_checkpointing_policy_gives_the_same_gradient_bits_through_a_sequence()
    {
        var xs = Xs(37);
        var at = At(xs, 5);
        Tensor[] Gradient(Checkpointing policy)
        {
            var (carry, ys) = Loop.Scan(xs, H0, (h, x) => { var next = Cell(h, x); return (next, next.Sum()); }, policy);
            return Evaluator.Evaluate(Reverse.Grad(carry.Sum() + ys.Sin().Sum(), [W, U, H0, xs]), at);
        }
        var expected = Gradient(Checkpointing.StoreAll);
        foreach (var policy in new[] { Checkpointing.Sqrt, Checkpointing.Binomial(1), Checkpointing.Binomial(3), Checkpointing.Binomial(8) })
        {
            var actual = Gradient(policy);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i].Values.ToArray(), actual[i].Values.ToArray());
        }
    }

    /// <summary>A reverse scan reads its sequence from the last step to the first and emits y_t at t: the same bits as a
    /// forward scan over the sequence flipped by hand, its emitted values flipped back, for values and gradients, under
    /// every checkpointing policy.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(9)]
    [InlineData(17)]
    public void A_reverse_scan_is_a_forward_scan_of_the_flipped_sequence(int steps)
    {
        var xs = Xs(steps);
        var at = At(xs, 5);
        Node Flip(Node x) => x.Take(Node.Constant(Tensor.Indices([.. Enumerable.Range(0, steps).Reverse()])), 1);
        foreach (var policy in new[] { Checkpointing.StoreAll, Checkpointing.Sqrt, Checkpointing.Binomial(2) })
        {
            (Node Carry, Node Ys) Run(Node sequence, bool reverse)
            {
                var (c, y) = Loop.Scan(sequence, H0, (h, x) => { var next = Cell(h, x); return (next, next * x.Sum()); }, policy, reverse);
                return (c, y);
            }
            var (carry, ys) = Run(xs, true);
            var (flippedCarry, flippedYs) = Run(Flip(xs), false);
            Node[] reversed = [carry, ys, .. Reverse.Grad(carry.Sum() + ys.Sin().Sum(), [W, U, H0, xs])];
            var ysByHand = Flip(flippedYs);
            Node[] byHand = [flippedCarry, ysByHand, .. Reverse.Grad(flippedCarry.Sum() + ysByHand.Sin().Sum(), [W, U, H0, xs])];
            var (a, b) = (Evaluator.Evaluate(reversed, at), Evaluator.Evaluate(byHand, at));
            for (int i = 0; i < a.Length; i++) Assert.Equal(b[i].Values.ToArray(), a[i].Values.ToArray());
        }
    }

    /// <summary>A scan's value and gradient compiled together: the plan runs the loop's recording twin in the loop's
    /// place (its results a prefix of the twin's), so the body runs once a step, and every value has the interpreter's
    /// bits (which runs both loops).</summary>
    [Fact]
    public void A_compiled_value_and_gradient_of_a_scan_run_the_body_once_a_step()
    {
        const int steps = 23;
        var xs = Xs(steps);
        var (carry, ys) = Loop.Scan(xs, H0, (h, x) => { var next = Cell(h, x); return (next, next.Sum()); });
        var loss = carry.Square().Sum() + ys.Sin().Sum();
        Node[] outputs = [loss, carry, ys, .. Reverse.Grad(loss, [W, U, H0, xs])];
        var plan = Plan.Compile(outputs);
        var at = At(xs, 11);
        var counter = LoopCounter.Start();
        try
        {
            var compiled = plan.Run(at);
            Assert.Equal((steps, steps), (counter.BodyRuns, counter.ReverseRuns));
            var interpreted = Evaluator.Evaluate(outputs, at);
            for (int i = 0; i < outputs.Length; i++) Assert.Equal(interpreted[i].Values.ToArray(), compiled[i].Values.ToArray());
        }
        finally { LoopCounter.Stop(); }
    }

    [Fact]
    public void Binomial_checkpointing_of_a_scan_keeps_within_its_stored_carries()
    {
        var x = Node.Variable("x", Shape.Vector(1000));
        var p = Node.Variable("p", Shape.Scalar);
        var (carry, ys) = Loop.Scan(x, Node.Constant(0.0), (c, xt) => { var next = (c * p + xt).Sin(); return (next, next * next); }, Checkpointing.Binomial(10));
        var grad = Reverse.Grad(carry + ys.Sum(), [p, x]);
        var counter = LoopCounter.Start();
        try
        {
            var at = Bindings.Empty.Bind(p, 0.9).Bind(x, Tensor.FromColumnMajor(x.Shape, [.. Enumerable.Range(0, 1000).Select(i => Math.Cos(i))]));
            var g = Evaluator.Evaluate(grad, at);
            Assert.InRange(counter.PeakStored, 1, 10);
            Assert.Equal(1000, counter.ReverseRuns);
            // The same gradient as storing every carry, bit for bit.
            var (c2, ys2) = Loop.Scan(x, Node.Constant(0.0), (c, xt) => { var next = (c * p + xt).Sin(); return (next, next * next); });
            var stored = Evaluator.Evaluate(Reverse.Grad(c2 + ys2.Sum(), [p, x]), at);
            Assert.Equal(stored[0].ToScalar(), g[0].ToScalar());
            Assert.Equal(stored[1].Values.ToArray(), g[1].Values.ToArray());
        }
        finally { LoopCounter.Stop(); }
    }

    [Fact]
    public void A_scan_reads_an_int32_sequence_of_ids()
    {
        // Σ_t w[ids_t]·(t + 1) by a scan carrying the step count: ids select rows of w through Take.
        var w = Node.Variable("w", Shape.Vector(5));
        var ids = Node.Variable("ids", Shape.Matrix(1, 4), DType.Int32);
        var (carry, ys) = Loop.Scan([ids], [Node.Constant(0.0), Node.Constant(1.0)], (c, x) =>
        {
            var picked = w.Take(x[0]).Sum();
            return ([c[0] + picked * c[1], c[1] + 1], [picked]);
        });
        var at = Bindings.Empty.Bind(w, Tensor.Vector(10, 20, 30, 40, 50)).Bind(ids, Tensor.Indices(Shape.Matrix(1, 4), [4, 0, 4, 2]));
        Assert.Equal(50 * 1 + 10 * 2 + 50 * 3 + 30 * 4, Evaluator.Evaluate(carry[0], at).ToScalar());
        Assert.Equal([50.0, 10, 50, 30], Evaluator.Evaluate(ys[0], at).Values.ToArray());
        // ∂/∂w: each id's steps' weights summed; ids have no derivative.
        Assert.Equal([2.0, 0, 4, 0, 4], Evaluator.Evaluate(Reverse.Grad(carry[0], [w])[0], at).Values.ToArray());
    }

    /// <summary>A float32 scan gives the bits of the same cell unrolled in float32 (each op rounded once), and float32
    /// gradients; emitting another float type is an error that names the cast.</summary>
    [Fact]
    public void A_float32_scan_gives_the_unrolled_float32_bits()
    {
        var w = Node.Variable("w", Shape.Vector(3), DType.Float32);
        var xs = Node.Variable("xs32", Shape.Matrix(3, 6), DType.Float32);
        var h0 = Node.Variable("h32", Shape.Vector(3), DType.Float32);
        Node Step(Node h, Node x) => (h * w + x).Tanh() * 0.5;
        var (carry, ys) = Loop.Scan(xs, h0, (h, x) => { var next = Step(h, x); return (next, next.Square()); });
        var h = h0;
        var columns = new Node[6];
        for (int t = 0; t < 6; t++)
        {
            h = Step(h, xs.Columns(t, 1).Reshape(Shape.Vector(3)));
            columns[t] = h.Square().Reshape(Shape.Matrix(3, 1));
        }
        var at = Bindings.Empty.Bind(w, Tensor.Vector32(0.5f, -1.25f, 2f)).Bind(h0, Tensor.Vector32(0.1f, 0.2f, -0.3f))
            .Bind(xs, Tensor.Matrix(new float[,] { { 1, -2, 3, 0.5f, 0.25f, -1 }, { 0, 1, -1, 2, -0.5f, 0.75f }, { 3, 2, 1, 0, -1, -2 } }));
        var values = Evaluator.Evaluate([carry, ys], at);
        var unrolled = Evaluator.Evaluate([h, Indexing.Concat(1, columns)], at);
        Assert.Equal(DType.Float32, values[1].DType);
        Assert.Equal(unrolled[0].Values.ToArray(), values[0].Values.ToArray());
        Assert.Equal(unrolled[1].Values.ToArray(), values[1].Values.ToArray());
        var g = Evaluator.Evaluate(Reverse.Grad(ys.Sum(), [w])[0], at);
        Assert.Equal(DType.Float32, g.DType);
        var e = Assert.Throws<ArgumentException>(() => Loop.Scan(xs, h0, (c, x) => (c, c.ToFloat64())));
        Assert.Equal("Loop.Scan: the body emitted output 0 as float64; the carries are float32 (cast with ToFloat32())", e.Message);
    }

    [Fact]
    public void Scan_errors_name_the_sequence()
    {
        var a = Node.Variable("a", Shape.Matrix(2, 5));
        var b = Node.Variable("b", Shape.Matrix(2, 4));
        var e = Assert.Throws<ShapeException>(() => Loop.Scan([a, b], [H0], (c, x) => (c, [])));
        Assert.Equal("Loop.Scan: sequence 0 a(2×5) has 5 steps but sequence 1 b(2×4) has 4 (steps run along the last axis)", e.Message);
        var s = Assert.Throws<ShapeException>(() => Loop.Scan(Node.Variable("s", Shape.Scalar), H0, (c, x) => (c, c)));
        Assert.Equal("Loop.Scan: sequence 0 s() is a scalar; a sequence has its steps along its last axis", s.Message);
        var none = Assert.Throws<ArgumentException>(() => Loop.Scan([], [H0], (c, x) => (c, [])));
        Assert.StartsWith("Loop.Scan: no sequence to scan over (for a scan without one, give the number of steps)", none.Message);
        var ids = Node.Variable("ids", Shape.Vector(3), DType.Int32);
        var emitted = Assert.Throws<ArgumentException>(() => Loop.Scan([ids], [H0], (c, x) => (c, [x[0]])));
        Assert.Equal("Loop.Scan: the body emitted x0(int32), int32 data, as output 0; a scan emits float values (cast with ToFloat64())", emitted.Message);
    }
}
