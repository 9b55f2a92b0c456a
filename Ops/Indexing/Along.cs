namespace AutoDiff.Functional.Ops;

/// <summary>A column-major tensor seen along one axis as <see cref="Outer"/> blocks of <see cref="Length"/> slices,
/// each slice <see cref="Inner"/> contiguous elements: element (a, i, b) sits at a + (i + b·Length)·Inner, where a
/// runs over the axes before the axis (first axis fastest) and b over those after it. A matrix's rows are axis 0
/// (Inner 1), its columns axis 1 (a column is one contiguous slice); a vector's elements are axis 0. The indexing,
/// slicing, joining and reducing ops all walk tensors this way, at any rank.</summary>
readonly record struct Along(int Inner, int Length, int Outer)
{
    /// <summary>The walk of <paramref name="shape"/> along <paramref name="axis"/>; the error names the op.</summary>
    public static Along Of(Op op, Shape shape, int axis) =>
        (uint)axis < (uint)shape.Rank ? Of(shape, axis) : throw new ShapeException($"{op}: {shape} has no axis {axis} ({Axes(shape)})");

    /// <summary>The walk of <paramref name="shape"/> along <paramref name="axis"/>, which the caller has checked.</summary>
    public static Along Of(Shape shape, int axis)
    {
        int inner = 1, outer = 1;
        for (int d = 0; d < axis; d++) inner *= shape[d];
        for (int d = axis + 1; d < shape.Rank; d++) outer *= shape[d];
        return new(inner, shape[axis], outer);
    }

    /// <summary>Which axes a shape has, for errors: "a scalar has no axes", "a vector has axis 0", "a rank-3 tensor has axes 0 … 2".</summary>
    public static string Axes(Shape shape) => shape.Rank switch
    {
        0 => "a scalar has no axes",
        1 => "a vector has axis 0",
        2 => "a matrix has axes 0 and 1",
        var r => $"a rank-{r} tensor has axes 0 … {r - 1}",
    };

    /// <summary><paramref name="shape"/> with <paramref name="length"/> slices along <paramref name="axis"/>.</summary>
    public static Shape Resize(Shape shape, int axis, int length)
    {
        var dims = shape.Dimensions;
        dims[axis] = length;
        return Shape.Of(dims);
    }

    /// <summary>What the slices along <paramref name="axis"/> are called, for errors: "rows", "columns", "elements".</summary>
    public static string Noun(Shape shape, int axis) => (shape.Rank, axis) switch
    {
        (1, 0) => "elements",
        (2, 0) => "rows",
        (2, 1) => "columns",
        _ => $"slices along axis {axis}",
    };
}
