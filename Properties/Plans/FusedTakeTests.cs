using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Plans;

/// <summary>A take (a gather by int32 indices) read by element-wise ops joins their fused pass and is computed a block
/// at a time, never stored. The reference is the plain interpreter, which runs the take alone over whole arrays, and a
/// loop over the definition written here; a take copies numbers and the ops here round once each, so the bits agree.</summary>
public class FusedTakeTests
{
    /// <summary>A value of rank 1–4, an axis, and two index tensors of one shape (rank 1–2) within the axis, repeats
    /// and all; sizes from a single block to several, with runs that cross the blocks' edges.</summary>
    public sealed record Case(int[] Dims, int Axis, int[] IndexDims, int[] First, int[] Second, bool Float32, int Seed)
    {
        public override string ToString() =>
            $"x ({string.Join("×", Dims)}){(Float32 ? " float32" : "")}, axis {Axis}, indices ({string.Join("×", IndexDims)}), seed {Seed}";
    }

    static Gen<Case> Cases() =>
        from rank in Gen.Choose(1, 4)
        from dims in Gen.ArrayOf(Gen.Choose(1, 13), rank)
        from axis in Gen.Choose(0, rank - 1)
        from indexRank in Gen.Choose(1, 2)
        from indexDims in Gen.ArrayOf(Gen.Choose(1, 40), indexRank)
        from seed in Gen.Choose(0, 1 << 20)
        from float32 in Gen.Elements(false, true)
        let count = indexDims.Aggregate(1, (a, b) => a * b)
        let random = new Random(seed)
        select new Case(dims, axis, indexDims, Draw(random, count, dims[axis]), Draw(random, count, dims[axis]), float32, seed);

    static int[] Draw(Random random, int count, int bound) => [.. Enumerable.Range(0, count).Select(_ => random.Next(bound))];

    static Tensor Values(Shape shape, int seed, bool float32)
    {
        var random = new Random(seed);
        var v = Enumerable.Range(0, shape.Size).Select(_ => Math.Round(random.NextDouble() * 200 - 100, 3)).ToArray();
        return float32 ? Tensor.FromColumnMajor32(shape, [.. v.Select(a => (float)a)]) : Tensor.FromColumnMajor(shape, v);
    }

    /// <summary>Take along <paramref name="axis"/> by the definition: output (a, p, b) is x's (a, indices[p], b).</summary>
    static double[] Taken(Tensor x, int axis, int[] indices)
    {
        int inner = 1, outer = 1, length = x.Shape[axis];
        for (int d = 0; d < axis; d++) inner *= x.Shape[d];
        for (int d = axis + 1; d < x.Shape.Rank; d++) outer *= x.Shape[d];
        var a = x.Values;
        var y = new double[inner * indices.Length * outer];
        for (int b = 0; b < outer; b++)
            for (int p = 0; p < indices.Length; p++)
                for (int i = 0; i < inner; i++)
                    y[i + (p + b * indices.Length) * inner] = a[i + (indices[p] + b * length) * inner];
        return y;
    }

    [Property(MaxTest = 100)]
    public Property Takes_fused_into_a_pass_give_the_interpreters_bits_and_the_definitions() => Prop.ForAll(Cases().ToArbitrary(), c =>
    {
        var type = c.Float32 ? DType.Float32 : DType.Float64;
        var x = Node.Variable("x", Shape.Of(c.Dims), type);
        var (first, second) = (Node.Variable("i", Shape.Of(c.IndexDims), DType.Int32), Node.Variable("j", Shape.Of(c.IndexDims), DType.Int32));
        var y = x.Take(first, c.Axis) * 2.0 - x.Take(second, c.Axis);
        var value = Values(x.Shape, c.Seed, c.Float32);
        var at = Bindings.Empty.Bind(x, value).Bind(first, Tensor.Indices(first.Shape, c.First)).Bind(second, Tensor.Indices(second.Shape, c.Second));

        var plan = Plan.Compile([y]);
        if (y.Shape.Size >= 2) Assert.Equal(4, plan.Statistics.FusedOps);   // both takes inside the pass
        var expected = Evaluator.Evaluate(y, at).Values.ToArray();
        Assert.Equal(expected, plan.Run(at)[0].Values.ToArray());
        var (p, q) = (Taken(value, c.Axis, c.First), Taken(value, c.Axis, c.Second));
        var definition = p.Select((v, k) => c.Float32 ? (double)(float)(2 * v - q[k]) : 2 * v - q[k]).ToArray();
        Assert.Equal(definition, expected);
    });

    /// <summary>The per-member form the batching rule makes for indices that differ per member (x and the indices both
    /// end in a member axis; member c takes from its own slice by its own indices), fused the same way.</summary>
    [Property(MaxTest = 100)]
    public Property Per_member_takes_fused_into_a_pass_take_each_members_own_slices() => Prop.ForAll(Cases().ToArbitrary(), Gen.Choose(1, 4).ToArbitrary(), (c, members) =>
    {
        var shape = Shape.Of([.. c.Dims, members]);
        var x = Node.Variable("x", shape);
        var ids = Node.Variable("i", Shape.Of([.. c.IndexDims, members]), DType.Int32);
        var random = new Random(c.Seed);
        var indices = Enumerable.Range(0, members).Select(_ => Draw(random, c.First.Length, c.Dims[c.Axis])).ToArray();
        var y = Node.Apply(new AutoDiff.Functional.Ops.Take(c.Axis, PerMember: true), x, ids) * 2.0 + 0.5;
        var value = Values(shape, c.Seed, false);
        var at = Bindings.Empty.Bind(x, value).Bind(ids, Tensor.Indices(ids.Shape, [.. indices.SelectMany(i => i)]));

        var expected = Evaluator.Evaluate(y, at).Values.ToArray();
        Assert.Equal(expected, Plan.Compile([y]).Run(at)[0].Values.ToArray());
        var memberShape = Shape.Of(c.Dims);
        var definition = Enumerable.Range(0, members).SelectMany(m => Taken(
            Tensor.FromColumnMajor(memberShape, value.Values.Slice(m * memberShape.Size, memberShape.Size).ToArray()), c.Axis, indices[m]));
        Assert.Equal([.. definition.Select(v => v * 2.0 + 0.5)], expected);
    });

    /// <summary>Past the size at which a pass splits its blocks between threads: rows of a (3000 × 40) matrix, picked by
    /// indices bound per call, give the interpreter's bits on every run of one workspace.</summary>
    [Fact]
    public void A_large_pass_split_between_threads_takes_the_rows_bound_for_each_run()
    {
        var x = Node.Variable("x", Shape.Matrix(3000, 40));
        var rows = Node.Variable("rows", Shape.Vector(9000), DType.Int32);
        var u = Node.Variable("u", Shape.Vector(9000));
        var y = x.GatherRows(rows) * u.BroadcastColumns(40) + x.GatherRows(rows);
        var plan = Plan.Compile([y]);
        Assert.True(y.Shape.Size >= Plan.ParallelSize);
        var workspace = plan.NewWorkspace(keepOutputs: true);
        var random = new Random(5);
        var at = Bindings.Empty.Bind(x, Values(x.Shape, 1, false)).Bind(u, Values(u.Shape, 2, false));
        for (int run = 0; run < 3; run++)
        {
            var bound = at.Bind(rows, Tensor.Indices(rows.Shape, Draw(random, 9000, 3000)));
            Assert.Equal(Evaluator.Evaluate(y, bound).Values.ToArray(), plan.Run(bound, workspace)[0].Values.ToArray());
        }
    }

    /// <summary>A take that something outside its pass reads leaves the pass; a sum of it that came before the pass's
    /// element-wise members must still run over the take's size (found by the random-graph properties: the pass ran
    /// over one element).</summary>
    [Fact]
    public void A_sum_of_a_take_that_left_its_pass_still_runs_over_the_takes_size()
    {
        var x = Node.Variable("x", Shape.Matrix(50, 30));
        var rows = Node.Variable("rows", Shape.Vector(70), DType.Int32);
        var taken = x.GatherRows(rows);
        var total = taken.Sum();
        var scaled = taken * 3.0 + 1.0;
        var columns = taken.Sum(0);   // read outside the pass: the take leaves it
        var at = Bindings.Empty.Bind(x, Values(x.Shape, 3, false)).Bind(rows, Tensor.Indices(rows.Shape, Draw(new Random(4), 70, 50)));
        var expected = Evaluator.Evaluate([total, scaled, columns], at);
        var actual = Plan.Compile([total, scaled, columns]).Run(at);
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i].Values.ToArray(), actual[i].Values.ToArray());
    }

    /// <summary>An index out of bounds in a fused take is the take's own error, raised before the pass's threads start,
    /// not an AggregateException from one of them.</summary>
    [Fact]
    public void An_index_out_of_bounds_in_a_fused_take_names_the_op_the_position_and_the_bound()
    {
        var x = Node.Variable("x", Shape.Matrix(3000, 40));
        var rows = Node.Variable("rows", Shape.Vector(9000), DType.Int32);
        var y = x.GatherRows(rows) * 2.0 + 1.0;
        var indices = new int[9000];
        indices[8123] = 3000;
        var at = Bindings.Empty.Bind(x, Values(x.Shape, 1, false)).Bind(rows, Tensor.Indices(rows.Shape, indices));
        var error = Assert.Throws<IndexException>(() => Plan.Compile([y]).Run(at));
        Assert.Equal("Take(axis 0): index 3000 at position 8123 is outside the 3000 rows of (3000×40)", error.Message);
    }
}
