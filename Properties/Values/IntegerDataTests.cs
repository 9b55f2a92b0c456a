using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Values;

/// <summary>Int32 data (indices and labels) bound at run time: types checked when nodes are built and values bound,
/// no derivatives through data, bounds checked on every run, and one graph (or compiled plan) serving every batch of
/// indices. References are plain loops written here; the fixed-array ops, checked by the op laws, serve as a second
/// reference for the data-bound ones.</summary>
public class IntegerDataTests
{
    static Node V(string name, params int[] dims) => Node.Variable(name, Shape.Of(dims));
    static Node Ids(string name, params int[] dims) => Node.Variable(name, Shape.Of(dims), DType.Int32);
    static double[] Of(Tensor t) => t.Values.ToArray();

    // ── types, when nodes are built and values bound (ERRORS.md, "Int32 data")

    [Fact]
    public void A_binding_of_the_other_element_type_is_an_error_naming_both()
    {
        var labels = Ids("labels", 3);
        Assert.Equal("variable 'labels' holds int32 but is bound to float64 values (no silent conversion: bind a tensor of int32, or declare the variable so)",
            Assert.Throws<BindingException>(() => Bindings.Empty.Bind(labels, Tensor.Vector(0, 1, 2))).Message);
        Assert.Equal("variable 'x' holds float64 but is bound to int32 data (no silent conversion: bind a tensor of float64, or declare the variable so)",
            Assert.Throws<BindingException>(() => Bindings.Empty.Bind(V("x", 3), Tensor.Indices(0, 1, 2))).Message);
    }

    [Fact]
    public void A_float_op_on_int32_data_names_the_op_the_input_and_the_cast()
    {
        var ids = Ids("ids", 3);
        Assert.Equal("Sin: input 0 ids(3 int32) is int32 data, and Sin takes float64 values (cast it with ToFloat64())",
            Assert.Throws<ShapeException>(() => ids.Sin()).Message);
        Assert.Equal("Add: input 1 ids(3 int32) is int32 data, and Add takes float64 values (cast it with ToFloat64())",
            Assert.Throws<ShapeException>(() => V("x", 3) + ids).Message);
        var x = V("x", 3);
        Assert.Equal(3.5, Evaluator.Evaluate((x + ids.ToFloat64()).Sum(),
            Bindings.Empty.Bind(x, Tensor.Vector(0.5, 0, 0)).Bind(ids, [0, 1, 2])).ToScalar());
    }

    [Fact]
    public void Indices_that_are_not_int32_data_are_an_error_naming_the_op()
    {
        Assert.Equal("Take(axis 0): indices x(3) is float64, not int32 data (declare it with Node.Variable(name, shape, DType.Int32), or make it from Tensor.Indices)",
            Assert.Throws<ShapeException>(() => V("E", 4, 2).Take(V("x", 3))).Message);
        Assert.Equal("PickPerRow: labels y(2) is float64, not int32 data (declare it with Node.Variable(name, shape, DType.Int32), or make it from Tensor.Indices)",
            Assert.Throws<ShapeException>(() => V("logits", 2, 3).CrossEntropy(V("y", 2))).Message);
        // A cast to the type a value already has is the value itself (float32 made ToFloat64 a cast between float types).
        var x = V("x", 3);
        Assert.Same(x, x.ToFloat64());
    }

    [Fact]
    public void Differentiating_with_respect_to_int32_data_says_it_has_no_derivatives()
    {
        var (E, ids) = (V("E", 4, 2), Ids("ids", 3));
        var loss = E.Take(ids).Sum();
        var b = Bindings.Empty.Bind(E, Tensor.Zeros(Shape.Matrix(4, 2))).Bind(ids, [0, 1, 1]);
        Assert.Equal("Grad: variable 'ids' holds int32 data, which has no derivatives (differentiate with respect to float64 variables only)",
            Assert.Throws<ArgumentException>(() => AD.Grad(loss, b, ids)).Message);
        Assert.Equal("Jvp: variable 'ids' holds int32 data, which has no derivatives (differentiate with respect to float64 variables only)",
            Assert.Throws<ArgumentException>(() => AD.Jvp([loss], b, (ids, Tensor.Indices(1, 1, 1)))).Message);
        // GradCheck's default set of variables is the float64 ones.
        Assert.True(GradCheck.Check(loss, b).Passed);
    }

    [Fact]
    public void A_loop_that_would_carry_or_capture_int32_data_says_so()
    {
        var ids = Ids("ids", 3);
        Assert.Equal("Loop.Repeat: initial carry 0 ids(3 int32) is int32 data; a loop carries float64 values (cast with ToFloat64())",
            Assert.Throws<ArgumentException>(() => Loop.Repeat(3, ids, c => c)).Message);
        Assert.Equal("Loop.Repeat: the body reads ids(3 int32), int32 data from outside the loop; a loop body may read float64 values only (cast with ToFloat64())",
            Assert.Throws<ArgumentException>(() => Loop.Repeat(3, V("h", 3, 3), h => h.Take(ids) * 0.5)).Message);
        // A take that does not depend on the carry is computed outside the loop, so it is fine.
        var (E, h0) = (V("E", 4, 3), V("h", 3, 3));
        var y = Loop.Repeat(2, h0, h => h * 0.5 + E.Take(ids));
        var b = Bindings.Empty.Bind(E, Tensor.Filled(Shape.Matrix(4, 3), 1)).Bind(h0, Tensor.Zeros(Shape.Matrix(3, 3))).Bind(ids, [3, 0, 3]);
        Assert.All(Of(Evaluator.Evaluate(y, b)), v => Assert.Equal(1.5, v));
    }

    // ── bounds, on every run

    [Fact]
    public void An_index_out_of_bounds_at_run_time_names_the_op_the_position_the_index_and_the_bound()
    {
        var (E, ids) = (V("E", 4, 2), Ids("ids", 3));
        var y = E.Take(ids);
        var b = Bindings.Empty.Bind(E, Tensor.Zeros(Shape.Matrix(4, 2)));
        const string message = "Take(axis 0): index 4 at position 1 is outside the 4 rows of (4×2)";
        Assert.Equal(message, Assert.Throws<IndexException>(() => Evaluator.Evaluate(y, b.Bind(ids, [0, 4, 1]))).Message);
        Assert.Equal(message, Assert.Throws<IndexException>(() => Plan.Compile(y).Run(b.Bind(ids, [0, 4, 1]))).Message);
        Assert.Equal("Take(axis 0): index -1 at position 2 is outside the 4 rows of (4×2)",
            Assert.Throws<IndexException>(() => Evaluator.Evaluate(y, b.Bind(ids, [0, 1, -1]))).Message);
        // The scatter in the gradient checks its own bound too (here it cannot fail once the take has passed).
        var u = V("u", 3);
        Assert.Equal("ScatterAdd(axis 0, into 2): index 2 at position 2 is outside 0..1, the 2 slices of the result",
            Assert.Throws<IndexException>(() => Evaluator.Evaluate(u.SegmentSum(ids, 2),
                Bindings.Empty.Bind(u, Tensor.Vector(1, 2, 3)).Bind(ids, [0, 1, 2]))).Message);
        var (logits, labels) = (V("logits", 2, 3), Ids("labels", 2));
        Assert.Equal("PickPerRow: label 3 of row 1 is outside the 3 classes 0..2 of (2×3)",
            Assert.Throws<IndexException>(() => Evaluator.Evaluate(logits.CrossEntropy(labels),
                Bindings.Empty.Bind(logits, Tensor.Zeros(Shape.Matrix(2, 3))).Bind(labels, [0, 3]))).Message);
    }

    // ── values and derivatives: data-bound indices against plain loops and against the fixed-array ops

    /// <summary>A table (n×d), indices into its rows, and a cotangent for the gathered rows.</summary>
    public sealed record TakeCase(int N, int D, int[] Rows, double[] Table, double[] Cotangent)
    {
        public override string ToString() => $"({N}×{D}) rows [{string.Join(", ", Rows)}]";
    }

    static Arbitrary<TakeCase> TakeCases() =>
        (from n in Gen.Choose(1, 9)
         from d in Gen.Choose(1, 70)   // past a SIMD width and a cache line of doubles
         from k in Gen.Choose(0, 12)
         from rows in Gen.ArrayOf(Gen.Choose(0, n - 1), k)
         from table in Gen.ArrayOf(Gen.Choose(-1000, 1000).Select(v => v / 64.0), n * d)
         from ct in Gen.ArrayOf(Gen.Choose(-1000, 1000).Select(v => v / 64.0), k * d)
         select new TakeCase(n, d, rows, table, ct)).ToArbitrary();

    [Property]
    public Property Take_by_bound_rows_is_the_rows_and_its_gradient_adds_the_cotangents_of_repeats() =>
        Prop.ForAll(TakeCases(), c =>
        {
            var (E, ids) = (V("E", c.N, c.D), Ids("ids", c.Rows.Length));
            var ct = Node.Constant(Tensor.FromColumnMajor(Shape.Matrix(c.Rows.Length, c.D), c.Cotangent));
            var taken = E.Take(ids);
            var loss = (taken * ct).Sum();
            var b = Bindings.Empty.Bind(E, Tensor.FromColumnMajor(Shape.Matrix(c.N, c.D), c.Table)).Bind(ids, c.Rows);

            // Plain loops: row p of the result is row Rows[p]; the gradient's row i adds the cotangent rows p with Rows[p] = i.
            var value = new double[c.Rows.Length * c.D];
            var gradient = new double[c.N * c.D];
            for (int p = 0; p < c.Rows.Length; p++)
                for (int j = 0; j < c.D; j++)
                {
                    value[p + j * c.Rows.Length] = c.Table[c.Rows[p] + j * c.N];
                    gradient[c.Rows[p] + j * c.N] += c.Cotangent[p + j * c.Rows.Length];
                }
            Assert.Equal(value, Of(Evaluator.Evaluate(taken, b)));
            Assert.Equal(gradient, Of(AD.Grad(loss, b, E)[0]));
            Assert.Equal(value, Of(Plan.Compile(taken).Run(b)[0]));
            // The fixed-array op gives the same bits, value and gradient.
            var fixedLoss = (E.GatherRows(c.Rows) * ct).Sum();
            Assert.Equal(Of(AD.Grad(fixedLoss, b, E)[0]), Of(AD.Grad(loss, b, E)[0]));
            // Forward mode: the take of the tangent.
            var t = Tensor.FromColumnMajor(Shape.Matrix(c.N, c.D), [.. c.Table.Select(v => v * 0.5 + 1)]);
            var jvp = AD.Jvp([taken], b, (E, t)).Tangents[0];
            Assert.Equal(Of(Evaluator.Evaluate(E.GatherRows(c.Rows), Bindings.Empty.Bind(E, t))), Of(jvp));
        });

    [Fact]
    public void An_index_matrix_takes_the_axis_place_a_batch_of_sequences_of_embeddings()
    {
        // E (5×3) taken by a (2×4) index matrix: (2×4×3), element (b, t, j) = E[ids(b, t), j].
        var (E, ids) = (V("E", 5, 3), Ids("ids", 2, 4));
        int[] idx = [4, 0, 1, 1, 2, 3, 0, 4];   // column-major (2×4)
        var table = Enumerable.Range(0, 15).Select(i => i * 1.5 - 4).ToArray();
        var b = Bindings.Empty.Bind(E, Tensor.FromColumnMajor(Shape.Matrix(5, 3), table)).Bind(ids, Tensor.Indices(Shape.Matrix(2, 4), idx));
        var y = E.Take(ids);
        Assert.Equal(Shape.Of(2, 4, 3), y.Shape);
        var got = Of(Evaluator.Evaluate(y, b));
        for (int bt = 0; bt < 8; bt++)
            for (int j = 0; j < 3; j++) Assert.Equal(table[idx[bt] + j * 5], got[bt + j * 8]);
        // Each row's gradient under Σ y counts its uses, times 1 per column.
        var counts = new double[15];
        foreach (var i in idx) for (int j = 0; j < 3; j++) counts[i + j * 5]++;
        Assert.Equal(counts, Of(AD.Grad(y.Sum(), b, E)[0]));
    }

    /// <summary>Logits (n×c) and labels in 0 … c − 1.</summary>
    public sealed record LabelCase(int N, int C, int[] Labels, double[] Logits)
    {
        public override string ToString() => $"({N}×{C}) labels [{string.Join(", ", Labels)}]";
    }

    static Arbitrary<LabelCase> LabelCases() =>
        (from n in Gen.Choose(1, 12)
         from c in Gen.Choose(1, 8)
         from labels in Gen.ArrayOf(Gen.Choose(0, c - 1), n)
         from logits in Gen.ArrayOf(Gen.Choose(-4000, 4000).Select(v => v / 512.0), n * c)
         select new LabelCase(n, c, labels, logits)).ToArbitrary();

    [Property]
    public Property CrossEntropy_with_bound_labels_matches_the_formula_and_the_fixed_labels_to_the_bit() =>
        Prop.ForAll(LabelCases(), c =>
        {
            var (logits, labels) = (V("logits", c.N, c.C), Ids("labels", c.N));
            var b = Bindings.Empty.Bind(logits, Tensor.FromColumnMajor(Shape.Matrix(c.N, c.C), c.Logits)).Bind(labels, c.Labels);
            var loss = logits.CrossEntropy(labels);
            var (value, gradient) = AD.ValueAndGrad(loss, b, logits);

            // The formula, written out: L = −(1/N) Σᵢ (zᵢ,yᵢ − log Σⱼ exp zᵢⱼ); ∂L/∂zᵢⱼ = (softmax(zᵢ)ⱼ − [j = yᵢ]) / N.
            double reference = 0;
            var expected = new double[c.N * c.C];
            for (int i = 0; i < c.N; i++)
            {
                double max = Enumerable.Range(0, c.C).Max(j => c.Logits[i + j * c.N]);
                double sum = Enumerable.Range(0, c.C).Sum(j => Math.Exp(c.Logits[i + j * c.N] - max));
                reference -= (c.Logits[i + c.Labels[i] * c.N] - max - Math.Log(sum)) / c.N;
                for (int j = 0; j < c.C; j++)
                    expected[i + j * c.N] = (Math.Exp(c.Logits[i + j * c.N] - max) / sum - (j == c.Labels[i] ? 1 : 0)) / c.N;
            }
            Assert.Equal(reference, value.ToScalar(), 1e-13 * Math.Max(1, Math.Abs(reference)));
            for (int k = 0; k < expected.Length; k++) Assert.Equal(expected[k], gradient[0][k], 1e-15 + 1e-13 * Math.Abs(expected[k]));

            // The fixed-label graph is the same maths along the same summation order: the same bits.
            var fixedLoss = logits.CrossEntropy(c.Labels);
            var (fixedValue, fixedGradient) = AD.ValueAndGrad(fixedLoss, b, logits);
            Assert.Equal(fixedValue.ToScalar(), value.ToScalar());
            Assert.Equal(Of(fixedGradient[0]), Of(gradient[0]));
            // Second order through the label pick: forward over reverse against the fixed labels.
            var hv = AD.Hvp(loss, b, (logits, Tensor.FromColumnMajor(Shape.Matrix(c.N, c.C), [.. c.Logits.Select(Math.Sin)])));
            var fixedHv = AD.Hvp(fixedLoss, b, (logits, Tensor.FromColumnMajor(Shape.Matrix(c.N, c.C), [.. c.Logits.Select(Math.Sin)])));
            Assert.Equal(Of(fixedHv[0]), Of(hv[0]));
        });

    [Property]
    public Property SegmentSum_by_bound_ids_matches_a_loop_and_its_gradient_gathers_back() =>
        Prop.ForAll(
            (from n in Gen.Choose(0, 15)
             from segments in Gen.Choose(1, 6)
             from ids in Gen.ArrayOf(Gen.Choose(0, segments - 1), n)
             from x in Gen.ArrayOf(Gen.Choose(-100, 100).Select(v => v / 8.0), n)
             from w in Gen.ArrayOf(Gen.Choose(-100, 100).Select(v => v / 8.0), segments)
             select (ids, x, w, segments)).ToArbitrary(),
            c =>
            {
                var (x, ids) = (V("x", c.ids.Length), Ids("ids", c.ids.Length));
                var b = Bindings.Empty.Bind(x, Tensor.Vector(c.x)).Bind(ids, c.ids);
                var sums = new double[c.segments];
                for (int p = 0; p < c.ids.Length; p++) sums[c.ids[p]] += c.x[p];
                var y = x.SegmentSum(ids, c.segments);
                Assert.Equal(sums, Of(Evaluator.Evaluate(y, b)));
                var g = AD.Grad((y * Node.Constant(Tensor.Vector(c.w))).Sum(), b, x)[0];
                Assert.Equal(c.ids.Select(i => c.w[i]).ToArray(), Of(g));
            });

    [Fact]
    public void One_compiled_plan_serves_every_batch_of_indices()
    {
        var (E, ids) = (V("E", 6, 2), Ids("ids", 3));
        var loss = E.Take(ids).Square().Sum();
        var plan = Plan.Compile([loss, .. Reverse.Grad(loss, [E])]);
        var ws = plan.NewWorkspace();
        var table = Tensor.FromColumnMajor(Shape.Matrix(6, 2), [.. Enumerable.Range(0, 12).Select(i => (double)i)]);
        foreach (int[] batch in new[] { new[] { 0, 1, 2 }, [5, 5, 0], [3, 2, 3] })
        {
            var b = Bindings.Empty.Bind(E, table).Bind(ids, batch);
            var run = plan.Run(b, ws);
            double expected = batch.Sum(i => i * i + (i + 6) * (i + 6));
            Assert.Equal(expected, run[0].ToScalar());
            Assert.Equal(Of(Evaluator.Evaluate(Reverse.Grad(loss, [E])[0], b)), Of(run[1]));
        }
    }

    [Fact]
    public void Two_different_fixed_index_arrays_are_two_constants_in_a_plan()
    {
        // Int32 constants merge only when they share storage: x[0] + x[1] must not become 2·x[0].
        var x = V("x", 3);
        var y = (x.GatherRows([0]) + x.GatherRows([1])).Sum();
        var b = Bindings.Empty.Bind(x, Tensor.Vector(1, 10, 100));
        Assert.Equal(11.0, Plan.Compile(y).Run(b)[0].ToScalar());
    }

    [Fact]
    public void The_checking_mode_and_pictures_read_int32_data_as_data()
    {
        // A NaN in the table reached through a take is named; the indices themselves are never "non-finite".
        var (E, ids) = (V("E", 3, 2), Ids("ids", 2));
        var b = Bindings.Empty.Bind(E, Tensor.Matrix(new double[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } })).Bind(ids, [2, 0]);
        var y = (E.Take(ids).Log() * Node.Constant(Tensor.Indices(1, 2)).ToFloat64().BroadcastRows(2)).Sum();
        Assert.Equal(Math.Log(5) + 2 * Math.Log(6) + Math.Log(1) + 2 * Math.Log(2), FiniteCheck.Evaluate([y], b)[0].ToScalar(), 1e-14);
        var bad = Bindings.Empty.Bind(E, Tensor.Matrix(new double[,] { { -1, 2 }, { 3, 4 }, { 5, 6 } })).Bind(ids, [2, 0]);
        Assert.Contains("Log (2×2) produced 1 NaN of 4 element(s)", Assert.Throws<NonFiniteException>(() => FiniteCheck.Evaluate([y], bad)).Message);
        Assert.Contains("int32 data (2)", Dot.Of(y));
    }

    [Fact]
    public void Transforms_trace_int32_inputs_as_data_and_differentiate_the_float64_ones()
    {
        // f(W, labels) = CrossEntropy(X·W, labels) for a fixed X: the gradient with respect to W, with labels as data,
        // equals AD's on the same graph; a second call with other labels reuses the trace (one per shape and type).
        var X = Node.Constant(Tensor.Matrix(new double[,] { { 1, 2 }, { -1, 0.5 }, { 0.3, -2 } }));
        Func<Node[], Node> f = xs => X.MatMul(xs[0]).CrossEntropy(xs[1]);
        var grad = Transforms.Grad(f, 0);
        var W0 = Tensor.Matrix(new double[,] { { 0.1, -0.2, 0.3 }, { 0.5, 0, -0.4 } });
        var (W, labels) = (V("W", 2, 3), Ids("labels", 3));
        foreach (int[] batch in new[] { new[] { 0, 2, 1 }, [1, 1, 0] })
        {
            var expected = AD.Grad(X.MatMul(W).CrossEntropy(labels), Bindings.Empty.Bind(W, W0).Bind(labels, batch), W)[0];
            Assert.Equal(Of(expected), Of(grad([W0, Tensor.Indices(batch)])[0]));
        }
        // Vmap batches the int32 input too (it was an error before issue #24's batching rules): each member's labels.
        // The labels (2×3) along axis 0 are rows [0, 2, 1] and [1, 0, 2]; member c's gradient is every other element.
        var perExample = Of(Transforms.Vmap(grad, [0, 0], [0])([Tensor.Zeros(Shape.Of(2, 2, 3)), Tensor.Indices(Shape.Matrix(2, 3), [0, 1, 2, 0, 1, 2])])[0]);
        Assert.Equal(Of(grad([Tensor.Zeros(Shape.Matrix(2, 3)), Tensor.Indices(0, 2, 1)])[0]), perExample.Where((_, p) => p % 2 == 0));
        Assert.Equal(Of(grad([Tensor.Zeros(Shape.Matrix(2, 3)), Tensor.Indices(1, 0, 2)])[0]), perExample.Where((_, p) => p % 2 == 1));
    }

    [Fact]
    public void Int32_tensors_say_what_they_hold()
    {
        var t = Tensor.Indices(3, 1, 2);
        Assert.Equal(DType.Int32, t.DType);
        Assert.Equal([3, 1, 2], t.Ints.ToArray());
        Assert.Equal("Tensor(3) int32 [3, 1, 2]", t.ToString());
        Assert.Equal("Values: tensor (3) holds int32 data (read Ints, or cast the node with ToFloat64())",
            Assert.Throws<InvalidOperationException>(() => t.Values.Length).Message);
        Assert.Equal("Ints: tensor (2) holds float64 values (read Values)",
            Assert.Throws<InvalidOperationException>(() => Tensor.Vector(1, 2).Ints.Length).Message);
        Assert.Equal([1.0, 3, 2], Of(Evaluator.Evaluate(Node.Constant(Tensor.Indices(1, 3, 2)).ToFloat64(), Bindings.Empty)));
    }
}
