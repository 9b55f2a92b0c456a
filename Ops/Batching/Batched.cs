using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>The pieces of the ops' batching rules (<see cref="Op.Batch"/>). A batch of k members of shape S is a
/// (|S| × k) matrix, member c in column c, flattened column-major.</summary>
internal static class Batched
{
    /// <summary><paramref name="u"/>, the same for every member, as a batch: each of the k columns is u.</summary>
    public static Node Shared(Node u, int k) => u.Reshape(Shape.Vector(u.Shape.Size)).BroadcastColumns(k);

    /// <summary>The batch as one tensor of <paramref name="member"/>'s shape with the k members along an extra last axis
    /// (column-major storage puts each member's elements together, so this is a reshape): an op along one of the
    /// member's axes then applies to every member at once. <see cref="Flat"/> undoes it.</summary>
    public static Node Trailing(Node batch, Shape member) => batch.Reshape(Shape.Of([.. member.Dimensions, batch.Shape[1]]));

    /// <summary>A tensor with the k members along its last axis back to a batch, (size/k × k).</summary>
    public static Node Flat(Node members, int k) => members.Reshape(Shape.Matrix(members.Shape.Size / k, k));

    /// <summary>A batch of scalars (1 × k) filled out to <paramref name="n"/> elements a member.</summary>
    public static Node Filled(Node scalars, int n) =>
        n == 1 ? scalars : scalars.Reshape(Shape.Vector(scalars.Shape[1])).BroadcastRows(n);

    /// <summary>The batch of an op that only moves elements (each output element is one input element): a gather of
    /// rows, by the op's own forward rule applied to the positions 0, 1, … of an input of shape <paramref name="input"/>.</summary>
    public static Node Moved(Op op, Shape input, Node batch) => batch.GatherRows(Sources(op, input));

    /// <summary>The batch of the adjoint of such an op (a scatter-add): each input row added into the output row it
    /// comes from under <paramref name="gather"/>, which maps the output shape <paramref name="output"/> to the input's.</summary>
    public static Node Scattered(Op gather, Shape output, Node batch) => batch.SegmentSum(Sources(gather, output), output.Size);

    // For each output position of an op that moves elements, the input position it reads: the op applied to 0, 1, ….
    static int[] Sources(Op op, Shape input)
    {
        var positions = new double[input.Size];
        for (int p = 0; p < positions.Length; p++) positions[p] = p;
        var source = new double[op.InferShape([input]).Size];
        op.Forward([Tensor.FromColumnMajor(input, positions)], source);
        return [.. source.Select(p => (int)p)];
    }

    /// <summary>The members of a batch of (m × n) matrices stacked row-wise: (k·m × n), row c + k·i is member c's row i,
    /// so a product with one shared right factor is one matrix product. <see cref="Unstacked"/> undoes it.</summary>
    public static Node Stacked(Node batch, int m, int k) => batch.T().Reshape(Shape.Matrix(k * m, batch.Shape[0] / m));

    /// <summary>A (k·m × p) stack, or (k·m) for p = 1, back to a batch: (m·p × k).</summary>
    public static Node Unstacked(Node stack, int m, int k) => stack.Reshape(Shape.Matrix(k, stack.Shape.Size / k)).T();

    /// <summary>An op linear in its right-hand side B (n or n×p) applied with a shared left operand to each member of
    /// <paramref name="batch"/>: the members side by side are one (n × p·k) right-hand side.</summary>
    public static Node SideBySide(Op op, Node shared, Shape member, Node batch)
    {
        int n = member[0], k = batch.Shape[1];
        return Node.Apply(op, shared, batch.Reshape(Shape.Matrix(n, member.Size / n * k))).Reshape(batch.Shape);
    }

    /// <summary>Each member of a batch of (rows × columns) matrices transposed.</summary>
    public static Node Transposed(Node batch, int rows, int columns) =>
        rows == 1 || columns == 1 ? batch : Moved(new Transpose(), Shape.Matrix(rows, columns), batch);

    /// <summary>The batch of an op that works along one axis of a vector or matrix member (a reduction, a softmax), by
    /// the same op, made by <paramref name="along"/> for an axis, on one matrix of every member's runs: a batch of
    /// vectors (n × k) as it is, matrices' columns side by side (m × n·k) for axis 0, their rows stacked (k·m × n) for
    /// axis 1 (<see cref="Stacked"/>). Each run is a member's, walked in the member's order, so the bits are the
    /// members' own. <paramref name="size"/> is the size of one member's output.</summary>
    public static Node AlongAxis(Func<int, Op> along, Shape member, int axis, Node batch, int k, int size)
    {
        // Members of rank 3 and more: the members along a trailing axis, so each run is still walked in its own order.
        if (member.Rank >= 3) return Flat(Node.Apply(along(axis), Trailing(batch, member)), k);
        if (member.Rank == 1) return Node.Apply(along(0), batch).Reshape(Shape.Matrix(size, k));
        int m = member[0];
        return axis == 0
            ? Node.Apply(along(0), batch.Reshape(Shape.Matrix(m, member[1] * k))).Reshape(Shape.Matrix(size, k))
            : Unstacked(Node.Apply(along(1), Stacked(batch, m, k)), m, k);
    }

    /// <summary>The batch of an op with no batched kernel (a factorisation, a loop): the op applied to each member in
    /// turn, k nodes side by side, each member's input cut from its column of the batch. The members run the op's own
    /// kernel, so the bits are theirs; the graph grows with k.</summary>
    public static Node EachMember(Op op, ImmutableArray<Node> x, ReadOnlySpan<Node?> xb, Shape output, int k)
    {
        var members = new Node[k];
        var inputs = new Node[x.Length];
        for (int c = 0; c < k; c++)
        {
            for (int i = 0; i < x.Length; i++)
                inputs[i] = xb[i] is { } b ? b.Columns(c, 1).Reshape(x[i].Shape) : x[i];
            members[c] = Node.Apply(op, inputs).Reshape(Shape.Vector(output.Size));
        }
        return Indexing.Concat(0, members).Reshape(Shape.Matrix(output.Size, k));
    }
}
