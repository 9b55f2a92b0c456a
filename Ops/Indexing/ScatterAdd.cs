using System.Collections.Immutable;
using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>Adds slices along one axis into <see cref="Count"/> slices of zeros by an index array fixed when the node
/// is built: output slice i is the sum of the input slices p with <c>Indices[p] = i</c> (zero if none). Along axis 0
/// this is a segment sum (rows sharing a segment id add up). The adjoint of <see cref="Take"/>, and
/// <see cref="Take"/> is its adjoint.</summary>
internal sealed record ScatterAdd(int Axis, int[] Indices, int Count) : LinearOp
{
    /// <inheritdoc/>
    protected override string Parameters => $"axis {Axis}, {Indices.Length} indices into {Count}";

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        var along = Along.Of(this, x[0], Axis);
        if (along.Length != Indices.Length)
            throw ShapeError($"{x[0]} has {along.Length} {Along.Noun(x[0], Axis)}, one per index is needed");
        if (Count < 0) throw ShapeError($"count {Count} is negative");
        for (int p = 0; p < Indices.Length; p++)
            if ((uint)Indices[p] >= (uint)Count)
                throw ShapeError($"index {Indices[p]} at position {p} is outside 0..{Count - 1}, the {Count} slices of the result");
        return Along.Resize(x[0], Axis, Count);
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var (inner, k, outer) = Along.Of(this, x[0].Shape, Axis);
        ReadOnlySpan<double> a = x[0].Values;
        Array.Clear(y);
        for (int b = 0; b < outer; b++)
        {
            if (inner == 1)
                for (int p = 0; p < k; p++) y[Indices[p] + b * Count] += a[p + b * k];
            else
                for (int p = 0; p < k; p++)
                {
                    var target = y.AsSpan((Indices[p] + b * Count) * inner, inner);
                    TensorPrimitives.Add(target, a.Slice((p + b * k) * inner, inner), target);
                }
        }
    }

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => Node.Apply(new Take(Axis, Indices), ct);

    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Batched.Scattered(new Take(Axis, Indices), y.Shape, xb[0]!);
}
