using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Transformations;

/// <summary>Vmap over int32 inputs batched along an axis: per-example labels and per-example gather indices, each
/// member's own, against a loop of <c>Grad</c> calls on the members to the bit. The members' labels and indices are
/// drawn first and the batches stacked from them by coordinates here.</summary>
public partial class VmapTests
{
    /// <summary>A per-example classification loss: w (m×c) shared, x (m×c) and labels (m) per example, through
    /// CrossEntropy (LogSoftmax, then PickPerRow by the labels) and a second PickPerRow of tanh z.</summary>
    static Node Classify(Node[] a)
    {
        Node w = a[0], x = a[1], labels = a[2];
        var z = x * w;
        return z.CrossEntropy(labels) + z.Tanh().PickPerRow(labels).Square().Sum();
    }

    [Property]
    public void Per_example_gradients_with_per_example_labels_equal_a_loop_of_Grad_to_the_bit(VmapCase c)
    {
        var rng = new Random(c.Seed);
        var w = Random(rng, Shape.Matrix(c.M, c.N));
        var xs = Members(rng, c.K, Shape.Matrix(c.M, c.N));
        var labels = IdMembers(rng, c.K, c.M, c.N);
        int labelAxis = Math.Min(c.InAxis, 1), wAxis = Math.Min(c.OutAxis, 2);
        Tensor[] inputs = [w, Stack(xs, c.InAxis), StackIds(labels, Shape.Vector(c.M), labelAxis)];

        var perExample = Transforms.Vmap(Transforms.Grad(Classify, 0, 1), [null, c.InAxis, labelAxis], [wAxis, c.OutAxis]);
        var batched = perExample(inputs);

        var grad = Transforms.Grad(Classify, 0, 1);
        var loop = Enumerable.Range(0, c.K).Select(i => grad([w, xs[i], Tensor.Indices(labels[i])])).ToList();
        SameBits(batched[0], [.. loop.Select(g => g[0])], wAxis, "∇w");
        SameBits(batched[1], [.. loop.Select(g => g[1])], c.OutAxis, "∇x");
        // Through PickPerRow's and PutPerRow's batching rules, not one member at a time.
        var plan = new Transforms.Vectorised(Transforms.GraphOf(grad), [.. inputs.Select(t => t.Shape)], [.. inputs.Select(t => t.DType)],
            [null, c.InAxis, labelAxis], [wAxis, c.OutAxis]);
        Assert.False(plan.OneByOne, $"fell back to one member at a time at {plan.Unbatchable}");
    }

    /// <summary>A per-example embedding lookup: a table (n×d) shared, t ids and values v (t×d) per example; the
    /// gradient with respect to the table scatter-adds by each member's own ids (repeats add up).</summary>
    static Node Embed(Node[] a)
    {
        Node table = a[0], ids = a[1], v = a[2];
        var rows = table.GatherRows(ids);
        return (rows * v).Tanh().Sum() + rows.Square().Sum(1).Sin().Sum();
    }

    [Property]
    public void Per_example_gradients_through_per_example_gathers_equal_a_loop_of_Grad_to_the_bit(VmapCase c)
    {
        var rng = new Random(c.Seed);
        int n = c.M, t = 1 + c.N % 7;
        var table = Random(rng, Shape.Matrix(n, c.N));
        var ids = IdMembers(rng, c.K, t, n);
        var vs = Members(rng, c.K, Shape.Matrix(t, c.N));
        int idAxis = Math.Min(c.InAxis, 1), tableAxis = Math.Min(c.OutAxis, 2);
        Tensor[] inputs = [table, StackIds(ids, Shape.Vector(t), idAxis), Stack(vs, c.InAxis)];

        var batched = Transforms.Vmap(Transforms.Grad(Embed, 0, 2), [null, idAxis, c.InAxis], [tableAxis, c.OutAxis])(inputs);

        var grad = Transforms.Grad(Embed, 0, 2);
        var loop = Enumerable.Range(0, c.K).Select(i => grad([table, Tensor.Indices(ids[i]), vs[i]])).ToList();
        SameBits(batched[0], [.. loop.Select(g => g[0])], tableAxis, "∇table");
        SameBits(batched[1], [.. loop.Select(g => g[1])], c.OutAxis, "∇v");
        // Through Take's and ScatterAdd's per-member forms, not one member at a time.
        var plan = new Transforms.Vectorised(Transforms.GraphOf(grad), [.. inputs.Select(x => x.Shape)], [.. inputs.Select(x => x.DType)],
            [null, idAxis, c.InAxis], [tableAxis, c.OutAxis]);
        Assert.False(plan.OneByOne, $"fell back to one member at a time at {plan.Unbatchable}");
    }

    [Fact]
    public void Per_example_labels_out_of_range_name_the_op_and_the_label()
    {
        var labels = Tensor.Indices(Shape.Matrix(2, 2), [0, 1, 1, 3]);   // member 1's second label is 3, of 3 classes
        var e = Assert.Throws<IndexException>(() => Transforms.Vmap(Classify, [null, 2, 1], 0)([Tensor.Zeros(Shape.Matrix(2, 3)), Tensor.Zeros(Shape.Of(2, 3, 2)), labels]));
        Assert.Equal("PickPerRow: label 3 of row 1 is outside the 3 classes 0..2 of (2×3×2)", e.Message);
    }

    /// <summary>k members of <paramref name="count"/> ids each in 0 … bound − 1.</summary>
    static List<int[]> IdMembers(Random rng, int k, int count, int bound) =>
        [.. Enumerable.Range(0, k).Select(_ => Enumerable.Range(0, count).Select(_ => rng.Next(bound)).ToArray())];

    /// <summary>Int32 members stacked along a new axis, element by element by coordinates.</summary>
    static Tensor StackIds(IReadOnlyList<int[]> members, Shape member, int axis)
    {
        var dims = member.Dimensions.ToList();
        dims.Insert(axis, members.Count);
        var full = Shape.Of([.. dims]);
        var data = new int[full.Size];
        for (int c = 0; c < members.Count; c++)
            for (int p = 0; p < member.Size; p++)
            {
                var at = Coordinates(member, p).ToList();
                at.Insert(axis, c);
                data[Position(full, [.. at])] = members[c][p];
            }
        return Tensor.Indices(full, data);
    }
}
