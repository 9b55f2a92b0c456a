namespace AutoDiff.Functional.Ops;

/// <summary>How a reduction along one axis walks a column-major tensor of any rank: <see cref="Groups"/> runs of
/// <see cref="Length"/> elements, run g starting at <see cref="Start"/>(g) with stride <see cref="Stride"/>. Run g is
/// element g of the reduced tensor (the same shape without the axis, also column-major).</summary>
readonly struct Axis
{
    public readonly int Groups, Length, Stride;
    readonly int inner, block;
    readonly bool simple;

    public Axis(Shape full, int axis)
    {
        if ((uint)axis >= (uint)full.Rank) throw new InvalidOperationException($"internal: axis {axis} of {full}");
        var (inner, length, outer) = Along.Of(full, axis);
        (Groups, Length, Stride) = (inner * outer, length, inner);
        (this.inner, block) = (inner, inner * length);
        simple = inner == 1 || outer == 1;
    }

    /// <summary>The storage position of run <paramref name="group"/>'s first element. Run g has coordinates
    /// (g mod inner) before the axis and (g div inner) after it; the first axis or the last one need no division.</summary>
    public int Start(int group) => simple ? (inner == 1 ? group * block : group) : group % inner + group / inner * block;

    /// <summary>The shape without <paramref name="axis"/>; the error names the op, the shape and the axis.</summary>
    public static Shape Remove(Op op, Shape shape, int axis)
    {
        if ((uint)axis >= (uint)shape.Rank) throw new ShapeException($"{op}: {shape} has no axis {axis} to reduce ({Along.Axes(shape)})");
        var dims = shape.Dimensions;
        return Shape.Of([.. dims[..axis], .. dims[(axis + 1)..]]);
    }

    /// <summary>The shape with an axis of <paramref name="count"/> inserted at <paramref name="axis"/> (0 … rank).</summary>
    public static Shape Insert(Op op, Shape shape, int axis, int count)
    {
        if ((uint)axis > (uint)shape.Rank)
            throw new ShapeException($"{op}: cannot insert axis {axis} into {shape} (a new axis goes at 0 … {shape.Rank})");
        var dims = shape.Dimensions;
        return Shape.Of([.. dims[..axis], count, .. dims[axis..]]);
    }
}
