using System.Collections.Immutable;
namespace AutoDiff.Functional.Ops;

/// <summary>Gathers slices along one axis by an index array fixed when the node is built: slice p of the output is
/// slice <c>Indices[p]</c> of the input (rows of a matrix along axis 0, columns along axis 1, elements of a vector).
/// Indices may repeat. Its adjoint is <see cref="ScatterAdd"/> with the same indices, which adds the cotangents of
/// repeated indices up. The index array is shared, never copied: the API clones the caller's once.</summary>
internal sealed record Take(int Axis, int[] Indices) : LinearOp
{
    /// <inheritdoc/>
    protected override string Parameters => $"axis {Axis}, {Indices.Length} indices";

    /// <inheritdoc/>
    /// <remarks>Checks every index against the input's bound, so an index out of range is an error when the node is
    /// built, never in a forward pass: a plain loop, no allocation.</remarks>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        var along = Along.Of(this, x[0], Axis);
        for (int p = 0; p < Indices.Length; p++)
            if ((uint)Indices[p] >= (uint)along.Length)
                throw ShapeError($"index {Indices[p]} at position {p} is outside the {along.Length} {Along.Noun(x[0], Axis)} of {x[0]}");
        return Along.Resize(x[0], Axis, Indices.Length);
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var (inner, length, outer) = Along.Of(this, x[0].Shape, Axis);
        ReadOnlySpan<double> a = x[0].Values;
        int k = Indices.Length;
        for (int b = 0; b < outer; b++)
        {
            if (inner == 1)
                for (int p = 0; p < k; p++) y[p + b * k] = a[Indices[p] + b * length];
            else
                for (int p = 0; p < k; p++) a.Slice((Indices[p] + b * length) * inner, inner).CopyTo(y.AsSpan((p + b * k) * inner, inner));
        }
    }

    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.Moved(this, x[0].Shape, xb[0]!);

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => Node.Apply(new ScatterAdd(Axis, Indices, x.Shape[Axis]), ct);
}
