using System.Numerics.Tensors;
using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>The maximum along one axis of a tensor of any rank, dropping it: a matrix's axis 0 gives each column's maximum (n), axis 1 each row's (m); a
/// vector's axis 0 a scalar. At a tie the derivative splits evenly among the maximal elements (as JAX does), the
/// same convention as element-wise max. NaN propagates.</summary>
internal sealed record MaxAxis(int Axis) : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        var y = Ops.Axis.Remove(this, x[0], Axis);
        return x[0][Axis] > 0 ? y : throw ShapeError($"axis {Axis} of {x[0]} is empty: there is no maximum");
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var walk = new Axis(x[0].Shape, Axis);
        var a = x[0].Storage;
        if (walk.Stride == 1)
        {
            // Contiguous runs: a vector pass each; the maximum does not depend on the order (VectorMath.Max).
            for (int g = 0; g < walk.Groups; g++) y[g] = VectorMath.Max(a.AsSpan(walk.Start(g), walk.Length));
            return;
        }
        if (Axis == x[0].Shape.Rank - 1 && !double.IsNaN(AlongColumns(a, walk, y))) return;
        for (int g = 0; g < walk.Groups; g++)
        {
            double m = double.NegativeInfinity;
            for (int k = 0, p = walk.Start(g); k < walk.Length; k++, p += walk.Stride) m = Math.Max(m, a[p]);
            y[g] = m;
        }
    }

    /// <summary>Along the last axis, the axes before it one long column: whole columns compared a vector at a time
    /// instead of striding across memory one run at a time. Returns NaN when some run's maximum is NaN, whose payload
    /// the strided fold then decides, as it always did.</summary>
    static double AlongColumns(double[] a, Axis walk, double[] y)
    {
        int m = walk.Groups;
        var max = y.AsSpan(0, m);
        a.AsSpan(0, m).CopyTo(max);
        for (int k = 1; k < walk.Length; k++) TensorPrimitives.Max(max, a.AsSpan(k * m, m), max);
        double nan = 0;
        foreach (var v in max) if (double.IsNaN(v)) nan = v;
        return nan;
    }

    /// <summary>1 where an element is maximal in its run, else 0.</summary>
    Node Maximal(Node x, Node y) => Node.Apply(new Compare(Comparison.Equal), x, Broadcast.Along(y, Axis, x.Shape[Axis]));

    /// <summary>The sum along the axis; a vector's is <see cref="Sum"/>, which a plan folds into the pass that computes
    /// its input (the same bits as <see cref="SumAxis"/> of a vector).</summary>
    Node Along(Node x) => x.Shape.Rank == 1 ? Node.Apply(new Sum(), x) : Node.Apply(new SumAxis(Axis), x);

    // Each maximal element gets 1/(number of maximal elements of its run) of the derivative. The division is done on the
    // reduced tensor, not element by element.

    /// <inheritdoc/>
    public override Node? Jvp(System.Collections.Immutable.ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        if (t[0] is not { } t0) return null;
        var maximal = Maximal(x[0], y);
        return Along(maximal * t0) / Along(maximal);
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(System.Collections.Immutable.ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        var maximal = Maximal(x[0], y);
        return [maximal * Broadcast.Along(ct / Along(maximal), Axis, x[0].Shape[Axis])];
    }

    /// <inheritdoc/>
    /// <remarks>The same op on a matrix of every member's runs (<see cref="Batched.AlongAxis"/>), each run in the member's order.</remarks>
    public override Node? Batch(System.Collections.Immutable.ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Batched.AlongAxis(axis => new MaxAxis(axis), x[0].Shape, Axis, xb[0]!, k, y.Shape.Size);
}
