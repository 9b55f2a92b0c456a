using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Transformations;

/// <summary>k members of (m × n), the batch axes in and out (0, 1 or 2: front, middle or back of a rank-3 batch), and
/// a seed for the values.</summary>
public sealed record VmapCase(int K, int M, int N, int InAxis, int OutAxis, int Seed)
{
    public override string ToString() => $"k = {K}, members ({M}×{N}), in axis {InAxis}, out axis {OutAxis}, seed {Seed}";
}

public static class VmapArbs
{
    // Mostly small, with a share of larger sizes so the batched kernels cross their block and vector widths.
    static Gen<int> Size(int large) => Gen.Frequency((5, Gen.Choose(1, 5)), (1, Gen.Choose(6, large)));

    public static Arbitrary<VmapCase> Cases() => Arb.From(
        from k in Size(40)
        from m in Size(9)
        from n in Size(70)
        from inAxis in Gen.Choose(0, 2)
        from outAxis in Gen.Choose(0, 2)
        from seed in Gen.Choose(0, 1 << 30)
        select new VmapCase(k, m, n, inAxis, outAxis, seed));
}

/// <summary><see cref="Transforms.Vmap(Func{Node[], Node[]}, int?[], int[])"/> against a loop over the members, each
/// run through a plan of its own. The loop's members are generated first and the batch assembled from them by
/// coordinates here, not by the library's axis moves. Bits are compared, not values: the batching rules of the
/// reductions and softmaxes walk each member's runs in the member's order, so only a product through another BLAS
/// kernel may differ, and that case is bounded separately.</summary>
[Properties(Arbitrary = [typeof(VmapArbs)], MaxTest = 100)]
public partial class VmapTests
{
    /// <summary>A per-example loss: w (n) shared, x (m×n) and labels y (m) per example, through the reductions and the
    /// softmax family along both axes, with sums whose values the gradient reads (tanh Σz, sin of column sums).</summary>
    static Node Loss(Node[] a)
    {
        Node w = a[0], x = a[1], y = a[2];
        var z = x * w.BroadcastRows(x.Shape[0]);
        return (-(y * z.Sum(1))).Softplus().Sum() + z.LogSumExp(1).Sum() + z.Softmax(0).Square().Sum()
             - (z.LogSoftmax(1) * x).Sum() + z.Max(1).Sum() + z.Max(0).Square().Sum() + z.LogSumExp(0).Sum() + z.LogSoftmax(0).Mean()
             + z.Sum().Tanh() + z.Sum(0).Sin().Sum();
    }

    [Property]
    public void Per_example_gradients_equal_a_loop_of_Grad_to_the_bit(VmapCase c)
    {
        var rng = new Random(c.Seed);
        var w = Random(rng, Shape.Vector(c.N));
        var xs = Members(rng, c.K, Shape.Matrix(c.M, c.N));
        var ys = Members(rng, c.K, Shape.Vector(c.M));
        int yAxis = Math.Min(c.InAxis, 1), wAxis = Math.Min(c.OutAxis, 1);

        var perExample = Transforms.Vmap(Transforms.Grad(Loss, 0, 1), [null, c.InAxis, yAxis], [wAxis, c.OutAxis]);
        var batched = perExample([w, Stack(xs, c.InAxis), Stack(ys, yAxis)]);

        var grad = Transforms.Grad(Loss, 0, 1);
        var loop = Enumerable.Range(0, c.K).Select(i => grad([w, xs[i], ys[i]])).ToList();
        SameBits(batched[0], [.. loop.Select(g => g[0])], wAxis, "∇w");
        SameBits(batched[1], [.. loop.Select(g => g[1])], c.OutAxis, "∇x");
        Batched(Transforms.GraphOf(Transforms.Grad(Loss, 0, 1)), [w.Shape, Stack(xs, c.InAxis).Shape, Stack(ys, yAxis).Shape], [null, c.InAxis, yAxis], [wAxis, c.OutAxis]);
    }

    /// <summary>Members longer than a plan's tile (1024): a plan sums a long vector tile by tile when it fuses the sum
    /// with the ops before it, and a lone sum the same way, so a batch of sums still has each sum's bits.</summary>
    [Fact]
    public void Per_example_gradients_of_long_members_equal_the_loop_to_the_bit()
    {
        var rng = new Random(11);
        var w = Random(rng, Shape.Vector(2500));
        var xs = Members(rng, 3, Shape.Vector(2500));
        static Node Long(Node[] a) => (a[0] * a[1]).Sum().Sin() + a[1].Sum(0).Cos();
        var batched = Transforms.Vmap(Transforms.Grad(Long, 0, 1), [null, 1], [1, 0])([w, Stack(xs, 1)]);
        var grad = Transforms.Grad(Long, 0, 1);
        var loop = xs.Select(x => grad([w, x])).ToList();
        SameBits(batched[0], [.. loop.Select(g => g[0])], 1, "∇w");
        SameBits(batched[1], [.. loop.Select(g => g[1])], 0, "∇x");
        static Node[] Sums(Node[] a) => [(a[0] * a[1]).Sum(), a[1].Sum(), a[1].Sum(0)];   // fused, lone, along an axis
        var sums = Transforms.Vmap(Sums, [null, 0], [0, 0, 0])([w, Stack(xs, 0)]);
        for (int j = 0; j < 3; j++) SameBits(sums[j], [.. xs.Select(x => Run(Sums, [w, x])[j])], 0, $"sum {j}");
    }

    /// <summary>Several outputs: one per member of each rank, one that no member changes (v²), and a scalar.</summary>
    static Node[] Many(Node[] a)
    {
        Node x = a[0], v = a[1];
        var z = x.Tanh() * v.BroadcastRows(x.Shape[0]);
        return [z.Softmax(1), z.LogSumExp(0) + v, z.Exp().Sum(1).Sin(), x.Sum() * v.Sum(), v.Square()];
    }

    [Property]
    public void Vmap_equals_a_loop_of_the_function_to_the_bit_with_axes_counted_from_either_end(VmapCase c)
    {
        var rng = new Random(c.Seed);
        var xs = Members(rng, c.K, Shape.Matrix(c.M, c.N));
        var v = Random(rng, Shape.Vector(c.N));
        int vectorAxis = Math.Min(c.OutAxis, 1);
        int?[] inAxes = [c.InAxis - 3, null];   // from the end: −3, −2, −1 of a rank-3 batch
        int[] outAxes = [c.OutAxis, vectorAxis - 2, vectorAxis, 0, -1 - vectorAxis];

        var batched = Transforms.Vmap(Many, inAxes, outAxes)([Stack(xs, c.InAxis), v]);

        var loop = xs.Select(x => Run(Many, [x, v])).ToList();
        int[] placed = [c.OutAxis, vectorAxis, vectorAxis, 0, 1 - vectorAxis];
        for (int j = 0; j < placed.Length; j++) SameBits(batched[j], [.. loop.Select(o => o[j])], placed[j], $"output {j}");
        Batched(Many, [Stack(xs, c.InAxis).Shape, v.Shape], inAxes, outAxes);
    }

    /// <summary>A matrix product batched over either factor runs as one product with the members as extra columns
    /// (or rows), another BLAS kernel than a matrix–vector product, adding in another order. Each result is then
    /// within γₙ·Σⱼ|aᵢⱼ·xⱼ| of the exact product (γₙ = nε/(1 − nε), Higham's bound for a dot product of n terms in
    /// any order), so the two differ by at most twice that.</summary>
    [Property]
    public void A_batched_matrix_product_is_within_twice_the_dot_product_error_bound_of_the_loop(VmapCase c)
    {
        var rng = new Random(c.Seed);
        var a = Random(rng, Shape.Matrix(c.M, c.N));
        var xs = Members(rng, c.K, Shape.Vector(c.N));
        var aMembers = Members(rng, c.K, Shape.Matrix(c.M, c.N));
        var x = Random(rng, Shape.Vector(c.N));
        int axis = Math.Min(c.InAxis, 1), outAxis = Math.Min(c.OutAxis, 1);
        static Node[] Product(Node[] f) => [f[0].MatMul(f[1])];

        var sharedMatrix = Transforms.Vmap(Product, [null, axis], [outAxis])([a, Stack(xs, axis)])[0];
        var sharedVector = Transforms.Vmap(Product, [c.InAxis, null], [outAxis])([Stack(aMembers, c.InAxis), x])[0];

        Within(sharedMatrix, [.. xs.Select(m => (a, m))], outAxis);
        Within(sharedVector, [.. aMembers.Select(m => (m, x))], outAxis);
        Batched(Product, [a.Shape, Stack(xs, axis).Shape], [null, axis], [outAxis]);
        Batched(Product, [Stack(aMembers, c.InAxis).Shape, x.Shape], [c.InAxis, null], [outAxis]);

        void Within(Tensor batch, (Tensor A, Tensor X)[] members, int at)
        {
            double eps = Math.BitIncrement(1.0) - 1.0, gamma = c.N * eps / (1 - c.N * eps);
            var loop = members.Select(p => Run(Product, [p.A, p.X])[0]).ToList();
            var expected = Stack(loop, at);
            Assert.Equal(expected.Shape, batch.Shape);
            for (int e = 0; e < expected.Shape.Size; e++)
            {
                var coordinates = Coordinates(expected.Shape, e);
                int member = coordinates[at], i = coordinates[1 - at];
                var (am, xm) = members[member];
                double magnitude = Enumerable.Range(0, c.N).Sum(j => Math.Abs(am.Values[i + j * c.M] * xm.Values[j]));
                Assert.True(Math.Abs(batch.Values[e] - expected.Values[e]) <= 2 * gamma * magnitude,
                    $"member {member}, row {i}: batched {batch.Values[e]:R}, loop {expected.Values[e]:R}, bound {2 * gamma * magnitude:R}");
            }
        }
    }

    /// <summary>A user's op with rules for both modes but none for batching (<see cref="CustomRule"/>): the plan of one
    /// member then runs once per member, and gives the loop's bits, whatever the axes.</summary>
    [Property(MaxTest = 30)]
    public void Without_a_batching_rule_the_members_run_one_at_a_time_with_the_loops_bits(VmapCase c)
    {
        var rng = new Random(c.Seed);
        var aMembers = Members(rng, c.K, Shape.Matrix(c.M, c.N));
        var bMembers = Members(rng, c.K, Shape.Matrix(c.N, c.M));
        var product = CustomRule.Define("product", f => f[0].MatMul(f[1]));
        Node[] Product(Node[] f) => [product([f[0], f[1]]).Tanh(), f[1].Sum()];
        int[] outAxes = [c.OutAxis, 0];
        Tensor[] stacked = [Stack(aMembers, c.InAxis), Stack(bMembers, 2 - c.InAxis)];

        var batched = Transforms.Vmap(Product, [c.InAxis, 2 - c.InAxis], outAxes)(stacked);

        var loop = aMembers.Zip(bMembers).Select(p => Run(Product, [p.Item1, p.Item2])).ToList();
        SameBits(batched[0], [.. loop.Select(o => o[0])], c.OutAxis, "A·B");
        SameBits(batched[1], [.. loop.Select(o => o[1])], 0, "ΣB");
        var plan = new Transforms.Vectorised(Product, [.. stacked.Select(t => t.Shape)], [c.InAxis, 2 - c.InAxis], outAxes);
        Assert.True(plan.OneByOne);
        Assert.Equal("product", plan.Unbatchable!.Op.Name);
    }

    /// <summary>With both factors batched a product has no batched kernel yet: the rule multiplies member by member
    /// inside the batched graph, with the loop's bits.</summary>
    [Property(MaxTest = 30)]
    public void A_product_of_two_batched_factors_multiplies_member_by_member_with_the_loops_bits(VmapCase c)
    {
        var rng = new Random(c.Seed);
        var aMembers = Members(rng, c.K, Shape.Matrix(c.M, c.N));
        var bMembers = Members(rng, c.K, Shape.Matrix(c.N, c.M));
        static Node[] Product(Node[] f) => [f[0].MatMul(f[1]), f[0].T().MatMul(f[1].T())];
        Tensor[] stacked = [Stack(aMembers, c.InAxis), Stack(bMembers, 2 - c.InAxis)];

        var batched = Transforms.Vmap(Product, [c.InAxis, 2 - c.InAxis], [c.OutAxis, 2 - c.OutAxis])(stacked);

        var loop = aMembers.Zip(bMembers).Select(p => Run(Product, [p.Item1, p.Item2])).ToList();
        SameBits(batched[0], [.. loop.Select(o => o[0])], c.OutAxis, "A·B");
        SameBits(batched[1], [.. loop.Select(o => o[1])], 2 - c.OutAxis, "Aᵀ·Bᵀ");
        Batched(Product, [.. stacked.Select(t => t.Shape)], [c.InAxis, 2 - c.InAxis], [c.OutAxis, 2 - c.OutAxis]);
    }

    /// <summary>The rules added for Vmap (Cholesky, Inverse, LogDet one member at a time inside the batched graph;
    /// gathers and their scatters; loops) keep the batched path and the loop's bits, values and gradients.</summary>
    [Property(MaxTest = 30)]
    public void Linear_algebra_gathers_and_loops_batch_with_the_loops_bits(VmapCase c)
    {
        var rng = new Random(c.Seed);
        int n = Math.Min(c.N, 8), k = Math.Min(c.K, 12);
        var spd = Enumerable.Range(0, k).Select(_ => PositiveDefinite(rng, n)).ToList();
        var ps = Members(rng, k, Shape.Vector(n));
        int[] positions = [.. Enumerable.Range(0, 2 * n).Select(i => (i * 7 + 3) % n)];
        Node[] Algebra(Node[] a) =>
        [
            a[0].Cholesky(), a[0].Inverse(), a[0].LogDet(), a[1].Gather(positions).Exp(),
            Loop.Repeat(3, a[1], s => s.Sin() * a[0].Column(0) + s / 2), Loop.Scan(2, a[1], s => s.Tanh() + a[0].Row(0)),
        ];
        Node Scalar(Node[] a) => Algebra(a).Select(o => o.Sum()).Aggregate((p, q) => p + q);
        int axis = Math.Min(c.InAxis, 1), outAxis = Math.Min(c.OutAxis, 1);
        var stacked = new[] { Stack(spd, c.InAxis), Stack(ps, axis) };
        int?[] inAxes = [c.InAxis, axis];
        int[] outAxes = [c.OutAxis, c.OutAxis, 0, outAxis, outAxis, c.OutAxis];

        var batched = Transforms.Vmap(Algebra, inAxes, outAxes)(stacked);
        var gradients = Transforms.Vmap(Transforms.Grad(Scalar), inAxes, [c.OutAxis, outAxis])(stacked);

        var loop = spd.Zip(ps).Select(p => Run(Algebra, [p.Item1, p.Item2])).ToList();
        for (int j = 0; j < outAxes.Length; j++) SameBits(batched[j], [.. loop.Select(o => o[j])], outAxes[j], $"output {j}");
        var grad = Transforms.Grad(Scalar);
        var loopGradients = spd.Zip(ps).Select(p => grad([p.Item1, p.Item2])).ToList();
        SameBits(gradients[0], [.. loopGradients.Select(g => g[0])], c.OutAxis, "∇A");
        SameBits(gradients[1], [.. loopGradients.Select(g => g[1])], outAxis, "∇p");
        Shape[] shapes = [.. stacked.Select(s => s.Shape)];
        Batched(Algebra, shapes, inAxes, outAxes);
        Batched(Transforms.GraphOf(Transforms.Grad(Scalar)), shapes, inAxes, [c.OutAxis, outAxis]);
    }

    [Fact]
    public void One_input_and_one_output_read_like_a_function_of_one_member()
    {
        var rows = Tensor.Matrix(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal([6.0, 15], Transforms.Vmap(x => x.Sum())(rows).Values.ToArray());
        Assert.Equal([5.0, 7, 9], Transforms.Vmap(x => x.Sum(), inAxis: 1)(rows).Values.ToArray());
        var sums = Transforms.Vmap(Transforms.Grad(x => x.Square().Sum()), inAxis: 0, outAxis: 1)(rows);
        Assert.Equal(Shape.Matrix(3, 2), sums.Shape);
        Assert.Equal([2.0, 4, 6, 8, 10, 12], sums.Values.ToArray());
        Assert.Equal([7.0, 16], Transforms.Vmap((Node[] a) => (a[0] * a[1]).Sum(), [0, null])([rows, Tensor.Vector(1, 0, 2)]).Values.ToArray());
    }

    [Fact]
    public void An_empty_batch_gives_an_empty_result_of_the_right_shape()
    {
        var none = Tensor.Zeros(Shape.Matrix(0, 3));
        Assert.Equal(Shape.Vector(0), Transforms.Vmap(x => x.Sin().Sum())(none).Shape);
        Assert.Equal(Shape.Matrix(3, 0), Transforms.Vmap(x => x.Exp(), 0, 1)(none).Shape);
    }

    public static TheoryData<string, string> BadCalls() => new()
    {
        { "no batched input", "Transforms.Vmap: no input is batched (every in axis is null) (Parameter 'inAxes')" },
        { "in axes for the inputs", "Transforms.Vmap: 1 in axes for 2 input(s) (Parameter 'inAxes')" },
        { "in axis outside", "Transforms.Vmap: in axis 2 of input 0 is outside its shape (2×3) (Parameter 'inAxes')" },
        { "members differ", "Transforms.Vmap: input 1 (3×2) has 3 members along axis 0, but input 0 has 2 (Parameter 'inAxes')" },
        { "out axes for the outputs", "Transforms.Vmap: 1 out axes for 2 output(s) (Parameter 'outAxes')" },
        { "out axis outside", "Transforms.Vmap: out axis 2 of output 0 is outside the 1 axes of a batch of () (Parameter 'outAxes')" },
        { "not traceable", "Transforms.Vmap: this function on tensors was not made by Transforms.Grad, so there is no graph to batch; pass the function on nodes instead (Parameter 'g')" },
        { "reads a variable", "Transforms.Vmap: the function reads z(3), which is not one of its inputs; pass it as an input, or its value as a constant (Node.Constant)" },
        { "returns null", "Transforms.Vmap: output 1 of the function is null" },
        { "returns int32 data", "Transforms.Vmap: output 0 x0(3 int32) is int32 data; Vmap returns float values (cast it with ToFloat64())" },
    };

    /// <summary>Each message as ERRORS.md shows it; a failed call leaves the function usable.</summary>
    [Theory, MemberData(nameof(BadCalls))]
    public void Bad_calls_say_what_is_wrong(string what, string message)
    {
        Tensor x = Tensor.Zeros(Shape.Matrix(2, 3)), y = Tensor.Zeros(Shape.Matrix(3, 2));
        var z = Node.Variable("z", Shape.Vector(3));
        Node[] Pair(Node[] a) => [a[0].Sum(), a[1].Sum()];
        Action call = what switch
        {
            "no batched input" => () => Transforms.Vmap(Pair, [null, null], [0, 0]),
            "in axes for the inputs" => () => Transforms.Vmap(Pair, [0], [0, 0])([x, y]),
            "in axis outside" => () => Transforms.Vmap(a => a.Sum(), 2)(x),
            "members differ" => () => Transforms.Vmap(Pair, [0, 0], [0, 0])([x, y]),
            "out axes for the outputs" => () => Transforms.Vmap(Pair, [0, 1], [0])([x, y]),
            "out axis outside" => () => Transforms.Vmap(a => a.Sum(), 0, 2)(x),
            "not traceable" => () => Transforms.Vmap((Func<Tensor, Tensor>)(t => t)),
            "reads a variable" => () => Transforms.Vmap(a => a + z)(x),
            "returns null" => () => Transforms.Vmap((Node[] a) => [a[0], null!], [0], [0, 0])([x]),
            "returns int32 data" => () => Transforms.Vmap((Node[] a) => [a[0]], [0], [0])([Tensor.Indices(Shape.Matrix(2, 3), [0, 1, 2, 0, 1, 2])]),
            _ => throw new ArgumentException(what),
        };
        Assert.Equal(message, Assert.ThrowsAny<ArgumentException>(call).Message);
        var sums = Transforms.Vmap(Pair, [0, 1], [0, 0]);
        Assert.Throws<ArgumentException>(() => sums([x, x]));
        Assert.Equal([6.0, 15], sums([Tensor.Matrix(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }), y])[0].Values.ToArray());
    }

    /// <summary>ERRORS.md's Vmap table shows exactly the messages asserted above.</summary>
    [Fact]
    public void The_Vmap_table_of_ERRORS_md_shows_these_messages()
    {
        var text = Docs.RepoFiles.Read("Properties/Reliability/ERRORS.md");
        int start = text.IndexOf("## Vmap", StringComparison.Ordinal), end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var shown = System.Text.RegularExpressions.Regex.Matches(text[start..end], @"\| `([^`]*)` \|$", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(BadCalls().Select(row => (string)row[1]).ToHashSet(), shown);
    }

    // ---- helpers: random members, the batch assembled by coordinates, a loop through compiled plans ----

    static Tensor Random(Random rng, Shape s) =>
        Tensor.FromColumnMajor(s, [.. Enumerable.Range(0, s.Size).Select(_ => 4 * rng.NextDouble() - 2)]);

    static List<Tensor> Members(Random rng, int k, Shape s) => [.. Enumerable.Range(0, k).Select(_ => Random(rng, s))];

    /// <summary>B·Bᵀ + n·I for a random B: well conditioned, so Cholesky, Inverse and LogDet are defined.</summary>
    static Tensor PositiveDefinite(Random rng, int n)
    {
        var b = Random(rng, Shape.Matrix(n, n)).Values.ToArray();
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = i == j ? n : 0;
                for (int q = 0; q < n; q++) s += b[i + q * n] * b[j + q * n];
                a[i + j * n] = s;
            }
        return Tensor.FromColumnMajor(Shape.Matrix(n, n), a);
    }

    /// <summary>f on one member, through a plan compiled for it: what a loop over the members computes.</summary>
    static Tensor[] Run(Func<Node[], Node[]> f, Tensor[] inputs)
    {
        Node[] x = [.. inputs.Select((t, i) => Node.Variable($"x{i}", t.Shape))];
        var b = Bindings.Empty;
        for (int i = 0; i < x.Length; i++) b = b.Bind(x[i], inputs[i]);
        return Plan.Compile(f(x)).Run(b);
    }

    /// <summary>The compiled vmap of f for these shapes batches (runs the rules), rather than falling back.</summary>
    static void Batched(Func<Node[], Node[]> f, Shape[] shapes, int?[] inAxes, int[] outAxes)
    {
        var plan = new Transforms.Vectorised(f, shapes, inAxes, outAxes);
        Assert.False(plan.OneByOne, $"fell back to one member at a time at {plan.Unbatchable}");
    }

    static int[] Coordinates(Shape s, int position)
    {
        var d = new int[s.Rank];
        for (int i = 0; i < s.Rank; i++) (d[i], position) = (position % s[i], position / s[i]);
        return d;
    }

    static int Position(Shape s, int[] coordinates)
    {
        int p = 0;
        for (int i = s.Rank - 1; i >= 0; i--) p = p * s[i] + coordinates[i];
        return p;
    }

    /// <summary>The members stacked along a new axis <paramref name="axis"/>, element by element by coordinates.</summary>
    static Tensor Stack(IReadOnlyList<Tensor> members, int axis)
    {
        var member = members[0].Shape;
        var dims = member.Dimensions.ToList();
        dims.Insert(axis, members.Count);
        var full = Shape.Of([.. dims]);
        var data = new double[full.Size];
        for (int c = 0; c < members.Count; c++)
            for (int p = 0; p < member.Size; p++)
            {
                var at = Coordinates(member, p).ToList();
                at.Insert(axis, c);
                data[Position(full, [.. at])] = members[c].Values[p];
            }
        return Tensor.FromColumnMajor(full, data);
    }

    static void SameBits(Tensor batch, IReadOnlyList<Tensor> members, int axis, string what)
    {
        var expected = Stack(members, axis);
        Assert.Equal(expected.Shape, batch.Shape);
        for (int p = 0; p < expected.Shape.Size; p++)
            if (BitConverter.DoubleToInt64Bits(batch.Values[p]) != BitConverter.DoubleToInt64Bits(expected.Values[p]))
                Assert.Fail($"{what}, element {p} ({string.Join(", ", Coordinates(expected.Shape, p))}): batched {batch.Values[p]:R}, loop {expected.Values[p]:R}");
    }
}
