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
        for (int g = 0; g < walk.Groups; g++)
        {
            int best = 0;
            double least = a[walk.Start(g)];
            for (int k = 1, p = walk.Start(g) + walk.Stride; k < walk.Length && !double.IsNaN(least); k++, p += walk.Stride)
                if (Before(a[p], least)) (least, best) = (a[p], k);
            y[g] = best;
        }
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
