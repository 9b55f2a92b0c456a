namespace AutoDiff.Functional.Ops;

/// <summary>How a reduction along one axis walks a column-major tensor: <see cref="Groups"/> runs of
/// <see cref="Length"/> elements, run g starting at <see cref="Start"/>(g) with stride <see cref="Stride"/>.</summary>
readonly struct Axis
{
    public readonly int Groups, Length, Stride;
    readonly int groupStep;

    public Axis(Shape full, int axis)
    {
        (Groups, Length, Stride, groupStep) = (full.Rank, axis) switch
        {
            (1, 0) => (1, full[0], 1, 0),
            (2, 0) => (full[1], full[0], 1, full[0]),   // down each column
            (2, 1) => (full[0], full[1], full[0], 1),   // along each row
            _ => throw new InvalidOperationException($"internal: axis {axis} of {full}"),
        };
    }

    public int Start(int group) => group * groupStep;

    /// <summary>The shape without <paramref name="axis"/>; the error names the op and the shape.</summary>
    public static Shape Remove(Op op, Shape shape, int axis) => (shape.Rank, axis) switch
    {
        (1, 0) => Shape.Scalar,
        (2, 0) => Shape.Vector(shape[1]),
        (2, 1) => Shape.Vector(shape[0]),
        _ => throw new ShapeException($"{op}: {shape} has no axis {axis} to reduce (vectors have axis 0, matrices 0 and 1)"),
    };

    /// <summary>The shape with an axis of <paramref name="count"/> inserted at <paramref name="axis"/>.</summary>
    public static Shape Insert(Op op, Shape shape, int axis, int count) => (shape.Rank, axis) switch
    {
        (0, 0) => Shape.Vector(count),
        (1, 0) => Shape.Matrix(count, shape[0]),
        (1, 1) => Shape.Matrix(shape[0], count),
        _ => throw new ShapeException($"{op}: cannot insert axis {axis} into {shape} (a scalar takes axis 0, a vector 0 or 1)"),
    };
}
