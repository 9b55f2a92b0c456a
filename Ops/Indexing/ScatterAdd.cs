using System.Collections.Immutable;
using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>Adds slices into <see cref="Count"/> slices of zeros by int32 indices: inputs (updates, indices), where
/// updates has the indices' axes at <see cref="Axis"/>; output slice i along that axis is the sum of the update slices
/// p with <c>indices[p] = i</c> (zero if none). Along axis 0 this is a segment sum (rows sharing a segment id add up).
/// The adjoint of <see cref="Take"/>, and <see cref="Take"/> is its adjoint; the indices get no cotangent. Indices
/// are data, checked against <see cref="Count"/> when the op runs.</summary>
internal sealed record ScatterAdd(int Axis, int Count) : Op
{
    /// <inheritdoc/>
    public override int Arity => 2;
    /// <inheritdoc/>
    protected override string Parameters => $"axis {Axis}, into {Count}";

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        if (Count < 0) throw ShapeError($"count {Count} is negative");
        var (updates, indices) = (x[0], x[1]);
        bool fits = Axis >= 0 && Axis + indices.Rank <= updates.Rank;
        for (int d = 0; fits && d < indices.Rank; d++) fits = updates[Axis + d] == indices[d];
        if (!fits)
            throw ShapeError($"updates {updates} do not have the index shape {indices} at axis {Axis}, one slice per index is needed");
        return Take.Replaced(updates, Axis, indices.Rank, Shape.Vector(Count));
    }

    /// <inheritdoc/>
    public override DType InferType(ReadOnlySpan<Node> x) => ValuesByIndices(x, "indices");

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var indices = x[1].Ints;
        int k = indices.Length, inner = 1;
        for (int d = 0; d < Axis; d++) inner *= x[0].Shape[d];
        int outer = k == 0 ? 0 : x[0].Shape.Size / (inner * k);
        if (Take.FirstOutside(indices, Count) is var q and >= 0)
            throw new IndexException($"{this}: index {indices[q]} at position {q} is outside 0..{Count - 1}, the {Count} slices of the result");
        ReadOnlySpan<double> a = x[0].Values;
        Array.Clear(y);
        for (int b = 0; b < outer; b++)
        {
            if (inner == 1)
                for (int p = 0; p < k; p++) y[indices[p] + b * Count] += a[p + b * k];
            else
                for (int p = 0; p < k; p++)
                {
                    var target = y.AsSpan((indices[p] + b * Count) * inner, inner);
                    TensorPrimitives.Add(target, a.Slice((p + b * k) * inner, inner), target);
                }
        }
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } t0 ? Node.Apply(this, t0, x[1]) : null;

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [Node.Apply(new Take(Axis), ct, x[1]), null];

    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        xb[1] is not null ? null
        : Node.Apply(this, xb[0]!.Reshape(Take.Appended(x[0].Shape, k)), x[1]).Reshape(Shape.Matrix(y.Shape.Size, k));
}
