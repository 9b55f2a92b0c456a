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
        for (int g = 0; g < walk.Groups; g++)
        {
            double m = double.NegativeInfinity;
            for (int k = 0, p = walk.Start(g); k < walk.Length; k++, p += walk.Stride) m = Math.Max(m, a[p]);
            y[g] = m;
        }
    }

    /// <summary>The weight each element gets: 1/(number of maximal elements of its group) if it is maximal, else 0.</summary>
    Node Weights(Node x, Node y)
    {
        var spread = Broadcast.Along(y, Axis, x.Shape[Axis]);
        var maximal = Node.Apply(new Compare(Comparison.Equal), x, spread);
        return maximal / Broadcast.Along(Node.Apply(new SumAxis(Axis), maximal), Axis, x.Shape[Axis]);
    }

    /// <inheritdoc/>
    public override Node? Jvp(System.Collections.Immutable.ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } t0 ? Node.Apply(new SumAxis(Axis), Weights(x[0], y) * t0) : null;

    /// <inheritdoc/>
    public override Node?[] Vjp(System.Collections.Immutable.ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [Weights(x[0], y) * Broadcast.Along(ct, Axis, x[0].Shape[Axis])];

    /// <inheritdoc/>
    /// <remarks>The same op on a matrix of every member's runs (<see cref="Batched.AlongAxis"/>), each run in the member's order.</remarks>
    public override Node? Batch(System.Collections.Immutable.ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Batched.AlongAxis(axis => new MaxAxis(axis), x[0].Shape, Axis, xb[0]!, k, y.Shape.Size);
}
