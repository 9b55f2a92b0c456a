using System.Collections.Immutable;
namespace AutoDiff.Functional.Ops;

/// <summary>Gathers slices along one axis by int32 indices (JAX's <c>take</c>): inputs (x, indices); slice p of the
/// output is slice <c>indices[p]</c> of x (rows of a matrix along axis 0, columns along axis 1, elements of a
/// vector). The indices may have any shape, which takes the axis's place in the output: rows (n×d) taken by a (b×t)
/// index matrix give (b×t×d). Indices are data, bound per call; each is checked against the bound when the op runs.
/// Linear in x, with <see cref="ScatterAdd"/> (same indices) as its adjoint, which adds the cotangents of repeated
/// indices up; the indices get no cotangent.</summary>
internal sealed record Take(int Axis) : Op
{
    /// <inheritdoc/>
    public override int Arity => 2;
    /// <inheritdoc/>
    protected override string Parameters => $"axis {Axis}";

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        Along.Of(this, x[0], Axis);
        return Replaced(x[0], Axis, 1, x[1]);
    }

    /// <inheritdoc/>
    public override DType InferType(ReadOnlySpan<Node> x) => ValuesByIndices(x, "indices");

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var (inner, length, outer) = Along.Of(this, x[0].Shape, Axis);
        ReadOnlySpan<double> a = x[0].Values;
        var indices = x[1].Ints;
        if (FirstOutside(indices, length) is var q and >= 0)
            throw new IndexException($"{this}: index {indices[q]} at position {q} is outside the {length} {Along.Noun(x[0].Shape, Axis)} of {x[0].Shape}");
        int k = indices.Length;
        for (int b = 0; b < outer; b++)
        {
            if (inner == 1)
                for (int p = 0; p < k; p++) y[p + b * k] = a[indices[p] + b * length];
            else
                for (int p = 0; p < k; p++) a.Slice((indices[p] + b * length) * inner, inner).CopyTo(y.AsSpan((p + b * k) * inner, inner));
        }
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } t0 ? Node.Apply(this, t0, x[1]) : null;

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [Node.Apply(new ScatterAdd(Axis, x[0].Shape[Axis]), ct, x[1]), null];

    /// <inheritdoc/>
    /// <remarks>Shared indices only: a batch (|x| × k) is x's shape with a trailing member axis, which the take leaves
    /// where it is.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        xb[1] is not null ? null
        : Node.Apply(this, xb[0]!.Reshape(Appended(x[0].Shape, k)), x[1]).Reshape(Shape.Matrix(y.Shape.Size, k));

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
