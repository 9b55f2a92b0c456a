using System.Collections.Immutable;
using System.Numerics;
namespace AutoDiff.Functional.Ops;

/// <summary>Gathers slices along one axis by int32 indices (JAX's <c>take</c>): inputs (x, indices); slice p of the
/// output is slice <c>indices[p]</c> of x (rows of a matrix along axis 0, columns along axis 1, elements of a
/// vector). The indices may have any shape, which takes the axis's place in the output: rows (n×d) taken by a (b×t)
/// index matrix give (b×t×d). Indices are data, bound per call; each is checked against the bound when the op runs.
/// Linear in x, with <see cref="ScatterAdd"/> (same indices) as its adjoint, which adds the cotangents of repeated
/// indices up; the indices get no cotangent. <see cref="PerMember"/> (the form the batching rule makes for indices
/// that differ per member): x and the indices both end in a member axis of k, and member c's indices take from member
/// c's slice of x.</summary>
internal sealed record Take(int Axis, bool PerMember = false) : Op, IIndexedExpand
{
    /// <inheritdoc/>
    public override int Arity => 2;
    /// <inheritdoc/>
    protected override string Parameters => PerMember ? $"axis {Axis}, per member" : $"axis {Axis}";

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        var (values, indices) = PerMember ? Members(this, x[0], x[1]) : (x[0], x[1]);
        Along.Of(this, values, Axis);
        var y = Replaced(values, Axis, 1, indices);
        return PerMember ? Appended(y, x[0][x[0].Rank - 1]) : y;
    }

    /// <inheritdoc/>
    public override DType InferType(ReadOnlySpan<Node> x) => ValuesByIndices(x, "indices");

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        Check(x[0], x[1]);
        Block(x[0], x[1], 0, y);
    }

    /// <inheritdoc/>
    public void Check(Tensor input, Tensor indices)
    {
        var member = PerMember ? Last(input.Shape) : input.Shape;
        int length = Along.Of(this, member, Axis).Length;
        if (FirstOutside(indices.Ints, length) is var q and >= 0)
            throw new IndexException($"{this}: index {indices.Ints[q]} at position {q} is outside the {length} {Along.Noun(member, Axis)} of {input.Shape}");
    }

    /// <inheritdoc/>
    public void Block(Tensor input, Tensor indices, int start, Span<double> y)
    {
        if (input.HoldsSingles) Taken(input.Singles, input.Shape, indices.Ints, start, y);
        else Taken(input.Values, input.Shape, indices.Ints, start, y);
    }

    /// <inheritdoc/>
    public void Block(Tensor input, Tensor indices, int start, Span<float> y)
    {
        if (input.HoldsSingles) Taken(input.Singles, input.Shape, indices.Ints, start, y);
        else Taken(input.Values, input.Shape, indices.Ints, start, y);   // a float32 value's doubles: float32 numbers
    }

    // Output position q is element e of slice p of outer block b of member m: input element e of slice indices[p] of
    // the same block and member. The coordinates are found once a block and then counted on, element by element
    // where slices are short (a division, or a call to copy, costs more than a few elements), a stretch of the input
    // a copy where they are long.
    void Taken<T, U>(ReadOnlySpan<T> a, Shape shape, ReadOnlySpan<int> indices, int start, Span<U> y) where T : unmanaged, INumberBase<T> where U : unmanaged, INumberBase<U>
    {
        if (y.IsEmpty) return;
        var member = PerMember ? Last(shape) : shape;
        var (inner, length, outer) = Along.Of(this, member, Axis);
        int members = PerMember ? shape[shape.Rank - 1] : 1, k = indices.Length / Math.Max(1, members);
        long slices = (long)inner * k, size = slices * outer, r = start % size, within = r % slices;
        int m = (int)(start / size), b = (int)(r / slices), p = (int)(within / inner), e = (int)(within % inner);
        for (int i = 0; i < y.Length;)
        {
            var ids = indices.Slice(m * k, k);
            var block = a.Slice(m * member.Size + b * length * inner, length * inner);
            if (inner == 1)
                for (; i < y.Length && p < k; i++, p++) y[i] = U.CreateTruncating(block[ids[p]]);
            else if (inner < 8)
                for (; i < y.Length && p < k; i++)
                {
                    y[i] = U.CreateTruncating(block[ids[p] * inner + e]);
                    if (++e == inner) (e, p) = (0, p + 1);
                }
            else
                for (int n; i < y.Length && p < k; i += n)
                {
                    n = Math.Min(inner - e, y.Length - i);
                    var from = block.Slice(ids[p] * inner + e, n);
                    Tensor.Convert(from, y.Slice(i, n));
                    if ((e += n) == inner) (e, p) = (0, p + 1);
                }
            if (p < k) continue;
            p = 0;
            if (++b == outer) (b, m) = (0, m + 1);
        }
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } t0 ? Node.Apply(this, t0, x[1]) : null;

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [Node.Apply(new ScatterAdd(Axis, x[0].Shape[Axis], PerMember), ct, x[1]), null];

    /// <inheritdoc/>
    /// <remarks>Shared indices: a batch (|x| × k) is x's shape with a trailing member axis, which the take leaves where
    /// it is. Indices per member (a vector of them each, (n × k)): the per-member form over the members along that
    /// trailing axis, each member's indices taking from its own slice.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k)
    {
        if (PerMember) return null;
        if (xb[1] is not { } ids)
            return Node.Apply(this, xb[0]!.Reshape(Appended(x[0].Shape, k)), x[1]).Reshape(Shape.Matrix(y.Shape.Size, k));
        if (x[1].Shape.Rank != 1) return null;   // int32 data has no reshape yet to put (J…, k) together
        var members = Batched.Trailing(xb[0] ?? Batched.Shared(x[0], k), x[0].Shape);
        return Batched.Flat(Node.Apply(new Take(Axis, PerMember: true), members, ids), k);
    }

    /// <summary>The member shapes of a per-member op's values and indices, which both end in the member axis; the
    /// error names the op.</summary>
    internal static (Shape Values, Shape Indices) Members(Op op, Shape values, Shape indices) =>
        values.Rank >= 1 && indices.Rank >= 1 && values[values.Rank - 1] == indices[indices.Rank - 1] ? (Last(values), Last(indices))
        : throw new ShapeException($"{op}: {values} and indices {indices} do not both end in one member axis");

    /// <summary><paramref name="shape"/> without its last axis.</summary>
    internal static Shape Last(Shape shape) => Shape.Of(shape.Dimensions[..^1]);

    /// <summary><paramref name="shape"/> with a trailing axis of <paramref name="k"/>.</summary>
    internal static Shape Appended(Shape shape, int k) => Shape.Of([.. shape.Dimensions, k]);

    /// <summary><paramref name="shape"/> with the <paramref name="count"/> axes from <paramref name="axis"/> replaced by
    /// the axes of <paramref name="by"/>.</summary>
    internal static Shape Replaced(Shape shape, int axis, int count, Shape by)
    {
        var dims = shape.Dimensions;
        return Shape.Of([.. dims[..axis], .. by.Dimensions, .. dims[(axis + count)..]]);
    }

    /// <summary>The first position whose index is outside 0 … bound − 1, or −1: indices are data, so every run checks
    /// them (one compare a position, never a silent clamp).</summary>
    internal static int FirstOutside(ReadOnlySpan<int> indices, int bound)
    {
        for (int p = 0; p < indices.Length; p++)
            if ((uint)indices[p] >= (uint)bound) return p;
        return -1;
    }
}
