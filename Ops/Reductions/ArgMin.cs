using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>The position of the minimum along one axis, dropping it, as int32 data: a matrix's axis 0 gives, for each
/// column, the row of its smallest element (JAX's <c>argmin</c>). At a tie the first position wins, −0 counting as less
/// than +0; a run holding NaN gives its first NaN's position (as NumPy does). Positions are piecewise constant in x, so the op has no derivative:
/// its output is data, which feeds an index input (<see cref="Take"/>, <see cref="ScatterAdd"/>) and carries no
/// cotangent back.</summary>
internal sealed record ArgMin(int Axis) : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        var y = Ops.Axis.Remove(this, x[0], Axis);
        return x[0][Axis] > 0 ? y : throw ShapeError($"axis {Axis} of {x[0]} is empty: there is no minimum");
    }

    /// <inheritdoc/>
    public override DType InferType(ReadOnlySpan<Node> x)
    {
        InferFloat(x);
        return DType.Int32;
    }

    /// <summary>Writes the positions as the float64 numbers they equal exactly; the node makes them int32 data.</summary>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var walk = new Axis(x[0].Shape, Axis);
        var a = x[0].Values;
        if (walk.Stride == 1 && walk.Length >= 16)
        {
            // Long contiguous runs (axis 0, kmeans' distances at k ≥ 16): a vector search each, the loop's answer; a
            // short run is quicker in the loop than in the vector search's set-up.
            for (int g = 0; g < walk.Groups; g++) y[g] = TensorPrimitives.IndexOfMin(a.Slice(walk.Start(g), walk.Length));
            return;
        }
        int done = walk.Stride == 1 && walk.Groups >= 2 * Vector<double>.Count ? ShortRuns(a, walk, y) : 0;
        for (int g = done; g < walk.Groups; g++)
        {
            int best = 0;
            double least = a[walk.Start(g)];
            for (int k = 1, p = walk.Start(g) + walk.Stride; k < walk.Length && !double.IsNaN(least); k++, p += walk.Stride)
                if (Before(a[p], least)) (least, best) = (a[p], k);
            y[g] = best;
        }
    }

    /// <summary>Many short contiguous runs (kmeans' distances to a few centroids, a column each): the runs of a block of
    /// groups copied into rows, run k of every group in row k, and searched a vector of groups at a time with
    /// <see cref="Before"/>'s order written as lane masks, without the loop's unpredictable branch per element. Returns
    /// how many groups it did (whole vectors of them); the loop does the rest.</summary>
    static int ShortRuns(ReadOnlySpan<double> a, Axis walk, Span<double> y)
    {
        const int block = 128;   // with its rows, within the first-level cache
        int width = Vector<double>.Count, length = walk.Length, groups = walk.Groups / width * width;
        // Rows a vector longer than the block: a power-of-two pitch would put every row of a column in one cache set.
        int pitch = block + width;
        var rows = ArrayPool<double>.Shared.Rent(length * pitch);
        try
        {
            for (int g0 = 0; g0 < groups; g0 += block)
            {
                int n = Math.Min(block, groups - g0);
                for (int g = 0; g < n; g++)
                {
                    var run = a.Slice(walk.Start(g0 + g), length);
                    for (int k = 0; k < length; k++) rows[k * pitch + g] = run[k];
                }
                for (int g = 0; g < n; g += width)
                {
                    var least = new Vector<double>(rows, g);
                    var best = Vector<double>.Zero;
                    for (int k = 1; k < length; k++)
                    {
                        var v = new Vector<double>(rows, k * pitch + g);
                        // Smaller; or NaN where the least is not yet NaN; or −0 against +0.
                        var take = Vector.LessThan<double>(v, least) | Vector.AndNot(Vector.IsNaN(v), Vector.IsNaN(least))
                            | (Vector.Equals<double>(v, least) & Vector.AndNot(Vector.IsNegative(v), Vector.IsNegative(least)));
                        (least, best) = (Vector.ConditionalSelect(take, v, least), Vector.ConditionalSelect(take, new Vector<double>(k), best));
                    }
                    best.CopyTo(y.Slice(g0 + g, width));
                }
            }
        }
        finally { ArrayPool<double>.Shared.Return(rows); }
        return groups;
    }

    /// <summary>Whether <paramref name="v"/> takes the place of the least so far: smaller, NaN, or −0 against +0
    /// (TensorPrimitives.IndexOfMin's order, so both paths give one answer).</summary>
    static bool Before(double v, double least) =>
        v < least || double.IsNaN(v) || (v == least && double.IsNegative(v) && !double.IsNegative(least));

    /// <inheritdoc/>
    public override Node? Jvp(System.Collections.Immutable.ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => null;

    /// <inheritdoc/>
    public override Node?[] Vjp(System.Collections.Immutable.ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [null];
}
