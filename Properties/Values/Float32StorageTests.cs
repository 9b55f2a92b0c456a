using AutoDiff.Functional.Models;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using Single = MathNet.Numerics.LinearAlgebra.Single;

namespace AutoDiff.Functional.Properties.Values;

/// <summary>Float32 values are stored as float32 (half the memory): MathNet's single-precision types go in and come out
/// without a copy, and evaluating or differentiating a float32 graph reads its float32 data without ever making a
/// float64 copy of it, while the results keep <see cref="DType.Float32"/>'s promise (the float64 result at the same
/// inputs, rounded once; for a matrix product, within the bound of float32 accumulation).</summary>
public class Float32StorageTests
{
    [Fact]
    public void MathNet_single_precision_values_go_in_and_come_out_without_a_copy()
    {
        var m = Single.DenseMatrix.OfArray(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var t = Tensor.Wrap(m);
        Assert.Equal(DType.Float32, t.DType);
        Assert.Same(m.Values, t.AsMatrix32().Values);
        Assert.Same(m.Values, t.AsVector32().Values);
        Assert.Equal(6f, t.Values32[5]);
        Assert.Equal(4.0, t[1, 0]);
        Assert.True(t.HoldsSingles);   // reading elements one by one made no float64 copy

        var x = Node.Variable("x", Shape.Matrix(2, 3), DType.Float32);
        var same = Evaluator.Evaluate(x.Reshape(Shape.Vector(6)), Bindings.Empty.Bind(x, m));
        Assert.Same(m.Values, same.AsVector32().Values);
    }

    [Fact]
    public void Reading_float32_storage_from_another_type_names_the_reader()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Tensor.Vector(1, 2).Values32.Length);
        Assert.Equal("Values32: tensor (2) holds float64 (read Values, or cast with ToFloat32())", e.Message);
        e = Assert.Throws<InvalidOperationException>(() => Tensor.Indices(1, 2).AsVector32());
        Assert.Equal("AsVector32: tensor (2) holds int32 (read Ints, or cast with ToFloat32())", e.Message);
        e = Assert.Throws<InvalidOperationException>(() => Tensor.Vector32(1, 2).AsMatrix32());
        Assert.Equal("AsMatrix32: tensor of shape (2) is not a matrix", e.Message);
    }

    /// <summary>The seed models' gradients in float32 (the float32 variables bound to float32 data): the data is read
    /// as float32 throughout (no float64 twin is ever made of it), the plan's values are float32 buffers, and
    /// the results are float32 within the float32 law's bound of the float64 gradient at the same inputs.</summary>
    [Theory]
    [InlineData("regression")]
    [InlineData("softmax")]
    [InlineData("factorisation")]
    public void A_float32_gradient_reads_its_data_as_float32_and_stores_float32(string model)
    {
        var (loss, wrt, at64) = Seed(model);
        var (loss32, wrt32, at32) = Float32Twin(loss, wrt, at64);
        var outputs32 = (Node[])[loss32, .. Reverse.Grad(loss32, wrt32)];
        var plan32 = Plan.Compile(outputs32);
        var results = plan32.Run(at32);

        AD.ValueAndGrad(loss32, at32, wrt32);   // the facade a user calls, over its cached plan
        foreach (var v in at32.Variables) Assert.True(at32[v].HoldsSingles, $"{model}: a float64 copy of {v} was made");
        Assert.All(results, r => Assert.Equal(DType.Float32, r.DType));
        var plan64 = Plan.Compile([loss, .. Reverse.Grad(loss, wrt)]);
        // The float64 plan's slots at half the bytes each; the float32 graph's extra slots hold the casts of the rules'
        // scalar constants to float32 (4 bytes each).
        Assert.All(results, r => Assert.True(r.HoldsSingles));
        var (s32, s64) = (plan32.Statistics, plan64.Statistics);
        Assert.InRange(s32.Slots - s64.Slots, 0, 5);
        Assert.True(2 * s32.SlotBytes <= s64.SlotBytes + 8 * (s32.Slots - s64.Slots), $"{model}: float32 slots {s32.SlotBytes:N0} bytes, float64 {s64.SlotBytes:N0}");

        // The loss against the float64 evaluation at the float32-rounded inputs, within the float32 law's derived bound
        // (1.5 · 2⁻²⁴ · Σₖ|∂y/∂zₖ|·|zₖ| over every value zₖ the graph makes); the products' own check is below.
        var at64Rounded = Bindings.Empty;
        foreach (var v in at64.Variables) at64Rounded = at64Rounded.Bind(v, at64[v].ToFloat32().ToFloat64());
        double y64 = Evaluator.Evaluate(loss, at64Rounded).ToScalar();
        double bound = 1.5 * Rounding.Float32Roundoff * Rounding.Sensitivity([loss], at64Rounded)[0][0];
        Assert.True(Math.Abs(results[0].ToScalar() - y64) <= bound, $"{model}: float32 loss {results[0].ToScalar()}, float64 {y64}, bound {bound}");
    }

    /// <summary>A float32 product runs sgemm on the factors' singles, accumulating in float32: each element is within
    /// k·2⁻²⁴·(|op(A)|·|op(B)|)ᵢⱼ of the exact product (γₖ, Higham §3.1), the bound <c>MatMul.RoundingBound</c> states;
    /// the exact product and |op(A)|·|op(B)| are summed here in plain double loops. Every transpose; a dot product, a
    /// matrix times a vector's shape, and long inner dimensions, where float32 accumulation is furthest from one
    /// rounding. Run in both CI passes, so native OpenBLAS and the managed fallback are both held to it.</summary>
    [Theory]
    [InlineData(300, 40, 30)]
    [InlineData(30, 40, 300)]
    [InlineData(30, 6000, 20)]
    [InlineData(1, 50_000, 1)]
    [InlineData(5000, 30, 1)]
    public void A_float32_product_is_within_the_bound_of_float32_accumulation(int m, int k, int n)
    {
        var rng = new Random(m + 7 * k + 13 * n);
        foreach (var (ta, tb) in new[] { (false, false), (true, false), (false, true), (true, true) })
        {
            Shape a = ta ? Shape.Matrix(k, m) : Shape.Matrix(m, k), b = tb ? Shape.Matrix(n, k) : Shape.Matrix(k, n);
            var A = Tensor.FromColumnMajor32(a, [.. Enumerable.Range(0, a.Size).Select(_ => (float)(rng.NextDouble() * 2 - 1))]);
            var B = Tensor.FromColumnMajor32(b, [.. Enumerable.Range(0, b.Size).Select(_ => (float)(rng.NextDouble() * 2 - 1))]);
            var x = Node.Variable("A", a, DType.Float32);
            var y = Node.Variable("B", b, DType.Float32);
            var product = ta ? (tb ? x.T().MatMul(y.T()) : x.T().MatMul(y)) : (tb ? x.MatMul(y.T()) : x.MatMul(y));
            var at = Bindings.Empty.Bind(x, A).Bind(y, B);
            var c32 = Evaluator.Evaluate(product, at);
            Assert.True(c32.HoldsSingles);
            Assert.Equal(c32.Values32.ToArray(), Plan.Compile(product).Run(at)[0].Values32.ToArray());
            float[] av = A.Values32.ToArray(), bv = B.Values32.ToArray();
            double u = Math.Pow(2, -24), γ = k * u / (1 - k * u); // and the double reference's own k roundings
            double OpA(int i, int l) => ta ? av[l + i * k] : av[i + l * m];
            double OpB(int l, int j) => tb ? bv[j + l * n] : bv[l + j * k];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double exact = 0, magnitude = 0;
                    for (int l = 0; l < k; l++) { exact += OpA(i, l) * OpB(l, j); magnitude += Math.Abs(OpA(i, l) * OpB(l, j)); }
                    double got = c32.Values32[i + j * m], bound = (γ + k * Math.Pow(2, -52)) * magnitude;
                    Assert.True(Math.Abs(got - exact) <= bound,
                        $"({m}×{k})·({k}×{n}), transposes {ta}/{tb}, element ({i}, {j}): {got} against {exact}, bound {bound}");
                }
        }
    }

    /// <summary>A batched float32 product (rank 3, every transpose) runs sgemm member by member on packed float32
    /// copies: its factors keep no float64 copy, and each element is within k·2⁻²⁴·(|op(A)|·|op(B)|) of the exact
    /// product, summed here in plain double loops.</summary>
    [Fact]
    public void A_batched_float32_product_reads_singles_within_the_bound()
    {
        const int batch = 3, m = 4, k = 700, n = 2;
        var rng = new Random(5);
        foreach (var (ta, tb) in new[] { (false, false), (true, false), (false, true), (true, true) })
        {
            Shape a = ta ? Shape.Of(batch, k, m) : Shape.Of(batch, m, k), b = tb ? Shape.Of(batch, n, k) : Shape.Of(batch, k, n);
            var A = Tensor.FromColumnMajor32(a, [.. Enumerable.Range(0, a.Size).Select(_ => (float)(rng.NextDouble() * 2 - 1))]);
            var B = Tensor.FromColumnMajor32(b, [.. Enumerable.Range(0, b.Size).Select(_ => (float)(rng.NextDouble() * 2 - 1))]);
            var x = Node.Variable("A", a, DType.Float32);
            var y = Node.Variable("B", b, DType.Float32);
            var c = Evaluator.Evaluate(Node.Apply(new Functional.Ops.MatMul(ta, tb), x, y), Bindings.Empty.Bind(x, A).Bind(y, B));
            Assert.True(A.HoldsSingles && B.HoldsSingles && c.HoldsSingles);
            float[] av = A.Values32.ToArray(), bv = B.Values32.ToArray(), cv = c.Values32.ToArray();
            // Column-major with the batch axis first: element (s, i, j) of a (batch×r×q) tensor is at s + batch·(i + r·j).
            double OpA(int s, int i, int l) => ta ? av[s + batch * (l + k * i)] : av[s + batch * (i + m * l)];
            double OpB(int s, int l, int j) => tb ? bv[s + batch * (j + n * l)] : bv[s + batch * (l + k * j)];
            double u = Math.Pow(2, -24), γ = k * u / (1 - k * u);
            for (int s = 0; s < batch; s++)
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                    {
                        double exact = 0, magnitude = 0;
                        for (int l = 0; l < k; l++) { exact += OpA(s, i, l) * OpB(s, l, j); magnitude += Math.Abs(OpA(s, i, l) * OpB(s, l, j)); }
                        double got = cv[s + batch * (i + m * j)];
                        Assert.True(Math.Abs(got - exact) <= (γ + k * Math.Pow(2, -52)) * magnitude, $"transposes {ta}/{tb}, member {s}, ({i}, {j}): {got} against {exact}");
                    }
        }
    }

    /// <summary>A float32 sum along an axis works in pooled scratch: a plan's second run allocates its output and little
    /// else. It used to allocate float64 sums and widened runs as large as the input's rows on every call, large-object
    /// garbage that held the float32 softmax classifier's steady-state peak at 378 MB against float64's 162 MB.</summary>
    [Fact]
    public void A_float32_sum_along_an_axis_allocates_only_its_output()
    {
        var x = Node.Variable("x", Shape.Matrix(100_000, 10), DType.Float32);
        var at = Bindings.Empty.Bind(x, Tensor.FromColumnMajor32(x.Shape, new float[1_000_000]));
        foreach (int axis in new[] { 0, 1 })
        {
            var plan = Plan.Compile(x.Sum(axis));
            plan.Run(at);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var y = plan.Run(at)[0];
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 4L * y.Shape.Size + 64_000, $"sum along axis {axis}: {allocated} bytes allocated for an output of {y.Shape.Size} float32 numbers");
        }
    }

    /// <summary>The vector conversions every float32 path runs (<c>Tensor.Widen</c>, <c>Narrow</c>, <c>Round32</c>)
    /// give the scalar casts' bits, element by element, at every length and offset (the vector body and the scalar tail):
    /// values of every kind, halfway cases between float32 numbers, float32's subnormals and overflow, ±0, ±∞, NaN.</summary>
    [Property]
    public Property Vector_conversions_give_the_scalar_casts_bits() =>
        Prop.ForAll(Gen.Choose(0, 3).SelectMany(offset => Gen.Choose(0, 41).SelectMany(n => Gen.ArrayOf(Element(), n)).Select(v => (Offset: offset, Values: v))).ToArbitrary(), c =>
        {
            var from = c.Values.AsSpan(Math.Min(c.Offset, c.Values.Length));
            var narrowed = new float[from.Length + 1];
            Tensor.Narrow(from, narrowed);
            var rounded = from.ToArray();
            Tensor.Round32(rounded);
            var widened = new double[from.Length];
            Tensor.Widen(narrowed.AsSpan(0, from.Length), widened);
            for (int i = 0; i < from.Length; i++)
            {
                float cast = (float)from[i];
                Assert.Equal(BitConverter.SingleToInt32Bits(cast), BitConverter.SingleToInt32Bits(narrowed[i]));
                Assert.Equal(BitConverter.DoubleToInt64Bits((double)cast), BitConverter.DoubleToInt64Bits(rounded[i]));
                Assert.Equal(BitConverter.DoubleToInt64Bits((double)narrowed[i]), BitConverter.DoubleToInt64Bits(widened[i]));
            }
            Assert.Equal(0f, narrowed[^1]); // nothing written past the span
        });

    static Gen<double> Element() => Gen.OneOf(
        Gen.Choose(-1_000_000, 1_000_000).Select(k => k / 997.0),
        Gen.Elements(0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, double.MaxValue, double.Epsilon,
            float.MaxValue * 1.0000001, -float.MaxValue * 1.0000001, float.Epsilon * 0.5, float.Epsilon * 1.5, 1.4e-45, 1e-40, 3e-39),
        // halfway between two float32 numbers, and just either side
        Gen.Choose(1, 1 << 22).SelectMany(k => Gen.Elements(0.0, 1e-12, -1e-12).Select(e => (1 + (2 * k + 1) * Math.Pow(2, -24)) * (1 + e))),
        Gen.Choose(-1074, 1023).Select(p => Math.Pow(2, p) * 1.2345678901234));

    /// <summary>Graph.Retyped: float variables get twins of the new type, float constants are rounded, weak literals
    /// adapt, a cast that no longer casts is dropped; retyping back gives the float64 graph at the rounded constants.</summary>
    [Fact]
    public void Retyped_rebuilds_a_model_in_float32_and_back()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        var a = Tensor.Matrix(new double[,] { { 0.1, 0.2, 0.3 }, { 1.0 / 3, 0.5, 0.7 } });
        var f = (Node.Constant(a).MatMul(x).Sin() * 0.5).Sum();
        var g = x.ToFloat32().Square().Sum();
        var (outputs, twins) = Functional.Graph.Retyped([f, g], DType.Float32);
        var x32 = twins[x];
        Assert.Equal((DType.Float32, DType.Float32, "x"), (outputs[0].DType, x32.DType, ((Variable)x32.Op).Name));
        Assert.Single(twins);

        var value = Tensor.Vector32(0.25f, -1.5f, 2f);
        var at = Bindings.Empty.Bind(x32, value);
        var byHand = (Node.Constant(a.ToFloat32()).MatMul(x32).Sin() * 0.5).Sum();
        Assert.Equal(Evaluator.Evaluate(byHand, at).Values32[0], Evaluator.Evaluate(outputs[0], at).Values32[0]);
        Assert.Equal(Evaluator.Evaluate(x32.Square().Sum(), at).Values32[0], Evaluator.Evaluate(outputs[1], at).Values32[0]);

        var (back, twins64) = Functional.Graph.Retyped([outputs[0]], DType.Float64);
        var x64 = twins64[x32];
        var at64 = Bindings.Empty.Bind(x64, value.ToFloat64());
        var rounded = (Node.Constant(a.ToFloat32().ToFloat64()).MatMul(x64).Sin() * 0.5).Sum();
        Assert.Equal(DType.Float64, back[0].DType);
        Assert.Equal(Evaluator.Evaluate(rounded, at64).ToScalar(), Evaluator.Evaluate(back[0], at64).ToScalar());
        Assert.Throws<ArgumentException>(() => Functional.Graph.Retyped([f], DType.Int32));

        // Int32 data cast to float64 (labels as weights, say) is cast to float32 instead.
        var counts = Node.Constant(Tensor.Indices(3, 0, 7));
        var (weighted, twinsW) = Functional.Graph.Retyped([(x * counts.ToFloat64()).Sum()], DType.Float32);
        var atW = Bindings.Empty.Bind(twinsW[x], value);
        Assert.Equal(Evaluator.Evaluate((twinsW[x] * counts.ToFloat32()).Sum(), atW).Values32[0], Evaluator.Evaluate(weighted[0], atW).Values32[0]);
    }

    /// <summary>One float32 value read as float64 by many threads at once gets one float64 copy, and one float32 plan
    /// run on many threads (a workspace each) gives every thread the same bits.</summary>
    [Fact]
    public void Float32_values_and_plans_serve_many_threads_with_the_same_bits()
    {
        var value = Tensor.FromColumnMajor32(Shape.Vector(100_000), [.. Enumerable.Range(0, 100_000).Select(i => MathF.Sin(i))]);
        var copies = new double[]?[8];
        Parallel.For(0, copies.Length, t => copies[t] = value.Storage);
        Assert.All(copies, c => Assert.Same(copies[0], c));
        Assert.Equal(value.Values32.ToArray().Select(v => (double)v), copies[0]!);

        var (loss, wrt, at64) = Seed("softmax");
        var (loss32, wrt32, at32) = Float32Twin(loss, wrt, at64);
        var plan = Plan.Compile([loss32, .. Reverse.Grad(loss32, wrt32)]);
        var expected = plan.Run(at32).Select(r => r.Values32.ToArray()).ToArray();
        var results = new float[4][][];
        Parallel.For(0, results.Length, t =>
        {
            var workspace = plan.NewWorkspace();
            results[t] = [.. plan.Run(at32, workspace).Select(r => r.Values32.ToArray())];
        });
        foreach (var r in results)
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], r[i]);
    }

    public sealed record ReductionCase(int[] Dims, int Axis, int Op, float[] Values);

    // One op each: a float32 graph rounds after every op, so a chain is not one rounding of its float64 value.
    static readonly string[] OpNames = ["Softmax", "LogSoftmax", "LogSumExp", "Sum(axis)", "Sum", "Exp", "x + broadcast b"];

    static Node Apply(int op, Node x, int axis) => op switch
    {
        0 => x.Softmax(axis),
        1 => x.LogSoftmax(axis),
        2 => x.LogSumExp(axis),
        3 => x.Sum(axis),
        4 => x.Sum(),
        5 => x.Exp(),
        // b is the first slice of x along the axis, as its own variable: the broadcast read inside a fused pass.
        _ => x + Functional.Ops.Broadcast.Along(Node.Variable("b", Functional.Ops.Axis.Remove(new Functional.Ops.Sum(), x.Shape, axis), x.DType), axis, x.Shape[axis]),
    };

    /// <summary>Shapes of rank 1–3 whose runs cross the float32 paths' chunk sizes (512 strided runs, 1,024-element tiles).</summary>
    static Arbitrary<ReductionCase> ReductionCases() =>
        (from rank in Gen.Choose(1, 3)
         from dims in Gen.ArrayOf(Gen.OneOf(Gen.Choose(1, 9), Gen.Choose(500, 1300)), rank)
         where dims.Aggregate(1L, (a, b) => a * b) <= 400_000
         from axis in Gen.Choose(0, rank - 1)
         from op in Gen.Choose(0, OpNames.Length - 1)
         from seed in Gen.Choose(0, int.MaxValue)
         select new ReductionCase(dims, axis, op, Draw(dims.Aggregate(1, (a, b) => a * b), seed))).ToArbitrary();

    static float[] Draw(int n, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 40 - 20))];
    }

    /// <summary>The float32 paths that read singles (the softmax family and the sums a run or a chunk at a time, the
    /// fused passes a block at a time) give exactly what <see cref="DType.Float32"/> promises: the float64 result at the
    /// same float32 inputs, rounded once, bit for bit; by the evaluator and by a compiled plan.</summary>
    [Property]
    public Property Float32_reductions_are_the_float64_results_rounded_bit_for_bit() =>
        Prop.ForAll(ReductionCases(), c =>
        {
            var shape = Shape.Of(c.Dims);
            var x32 = Node.Variable("x", shape, DType.Float32);
            var x64 = Node.Variable("x", shape);
            var value = Tensor.FromColumnMajor32(shape, c.Values);
            Node f32 = Apply(c.Op, x32, c.Axis), f64 = Apply(c.Op, x64, c.Axis);
            Bindings at32 = Bindings.Empty.Bind(x32, value), at64 = Bindings.Empty.Bind(x64, value.ToFloat64());
            if (Topology.Of([f32]).Order.ToArray().FirstOrDefault(n => n.IsVariable && n != x32) is { } b32)
            {
                var b = Tensor.FromColumnMajor32(b32.Shape, c.Values[..b32.Shape.Size]);
                var b64 = Topology.Of([f64]).Order.ToArray().First(n => n.IsVariable && n != x64);
                (at32, at64) = (at32.Bind(b32, b), at64.Bind(b64, b.ToFloat64()));
            }
            var y32 = Evaluator.Evaluate(f32, at32);
            var planned = Plan.Compile(f32).Run(at32)[0];
            var y64 = Evaluator.Evaluate(f64, at64);
            Assert.True(y32.HoldsSingles && planned.HoldsSingles);
            for (int e = 0; e < y64.Shape.Size; e++)
            {
                Assert.True(y32.Values32[e].Equals((float)y64[e]), $"{OpNames[c.Op]} of {shape} along {c.Axis}, element {e}: {y32.Values32[e]} is not {y64[e]} rounded");
                Assert.True(planned.Values32[e].Equals((float)y64[e]), $"{OpNames[c.Op]} of {shape} along {c.Axis}, element {e}, planned: {planned.Values32[e]} is not {y64[e]} rounded");
            }
        });

    static (Node Loss, Node[] Wrt, Bindings At) Seed(string model)
    {
        var rng = new Random(model.Length);
        double[] Normal(int n) => [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1)];
        switch (model)
        {
            case "regression":
                var r = NonlinearRegression.Build(5000);
                return (r.Loss, [r.W], r.Bind(Tensor.Vector(0.5, -0.3, 0.8, 0.2, 0.4), Tensor.FromColumnMajor(Shape.Matrix(5000, 2), Normal(10_000)),
                    Tensor.FromColumnMajor(Shape.Vector(5000), Normal(5000))));
            case "softmax":
                var labels = Enumerable.Range(0, 3000).Select(i => i * 7 % 10).ToArray();
                var s = SoftmaxClassifier.BuildLinear(40, 10, labels);
                return (s.Loss, [s.W, s.B], s.Bind(Tensor.FromColumnMajor(Shape.Matrix(3000, 40), Normal(120_000)),
                    Tensor.FromColumnMajor(Shape.Matrix(40, 10), Normal(400)), Tensor.FromColumnMajor(Shape.Vector(10), Normal(10))));
            default:
                var f = MatrixFactorisation.Build(600, 900, 20, 1);
                return (f.Loss, [f.U, f.V], f.Bind(Tensor.FromColumnMajor(Shape.Matrix(600, 900), Normal(540_000)),
                    Tensor.FromColumnMajor(Shape.Matrix(600, 20), Normal(12_000)), Tensor.FromColumnMajor(Shape.Matrix(20, 900), Normal(18_000))));
        }
    }

    /// <summary>The loss rebuilt on float32 twins of its variables (<see cref="Functional.Graph.Retyped"/>), bound to the values
    /// rounded to float32.</summary>
    static (Node Loss, Node[] Wrt, Bindings At) Float32Twin(Node loss, Node[] wrt, Bindings at)
    {
        var (outputs, twins) = Functional.Graph.Retyped([loss], DType.Float32);
        var bound = Bindings.Empty;
        foreach (var v in at.Variables) bound = bound.Bind(twins[v], at[v].ToFloat32());
        return (outputs[0], [.. wrt.Select(w => twins[w])], bound);
    }

    /// <summary>Takes and scatter-adds of float32 values outside a fused pass (by the interpreter: their own float32
    /// rules, reading the singles with no widened copy) give the float64 results at the same inputs, rounded, bit for
    /// bit: a take copies float32 numbers; a scatter-add is the float64 sums, in the same order, rounded once. Rows or
    /// columns of (rows × cols), indices with repeats, into a few slices or many.</summary>
    [Property(MaxTest = 100)]
    public Property Float32_takes_and_scatter_adds_are_the_float64_results_rounded_bit_for_bit() =>
        Prop.ForAll(
            (from rows in Gen.Choose(1, 40)
             from cols in Gen.Choose(1, 40)
             from axis in Gen.Choose(0, 1)
             from count in Gen.Choose(1, 12)
             from n in Gen.Choose(1, 60)
             from seed in Gen.Choose(0, int.MaxValue)
             select (rows, cols, axis, count, n, seed)).ToArbitrary(),
            c =>
            {
                var rng = new Random(c.seed);
                int along = c.axis == 0 ? c.rows : c.cols;
                var x = Tensor.FromColumnMajor32(Shape.Matrix(c.rows, c.cols), [.. Enumerable.Range(0, c.rows * c.cols).Select(_ => (float)(rng.NextDouble() * 200 - 100))]);
                var takeAt = Tensor.Indices([.. Enumerable.Range(0, c.n).Select(_ => rng.Next(along))]);
                var scatterAt = Tensor.Indices([.. Enumerable.Range(0, along).Select(_ => rng.Next(c.count))]);
                var into = c.axis == 0 ? Shape.Matrix(c.count, c.cols) : Shape.Matrix(c.rows, c.count);
                var (x32, x64) = (Node.Variable("x", x.Shape, DType.Float32), Node.Variable("x", x.Shape));
                var (i1, i2) = (Node.Variable("take", takeAt.Shape, DType.Int32), Node.Variable("scatter", scatterAt.Shape, DType.Int32));
                var at32 = Bindings.Empty.Bind(x32, x).Bind(i1, takeAt).Bind(i2, scatterAt);
                // Doubles of their own: x.ToFloat64() would give x a float64 twin, which the float32 rules would then read.
                var doubles = Tensor.FromColumnMajor(x.Shape, [.. x.Values32.ToArray().Select(v => (double)v)]);
                var at64 = Bindings.Empty.Bind(x64, doubles).Bind(i1, takeAt).Bind(i2, scatterAt);
                var y32 = Evaluator.Evaluate([x32.Take(i1, c.axis), x32.ScatterAdd(i2, into, c.axis)], at32);
                var y64 = Evaluator.Evaluate([x64.Take(i1, c.axis), x64.ScatterAdd(i2, into, c.axis)], at64);
                for (int o = 0; o < 2; o++)
                {
                    Assert.Equal(DType.Float32, y32[o].DType);
                    for (int e = 0; e < y64[o].Shape.Size; e++)
                        Assert.True(y32[o].Values32[e].Equals((float)y64[o][e]), $"output {o}, element {e}: {y32[o].Values32[e]} is not {y64[o][e]} rounded");
                }
            });
}
