using System.Buffers;
using System.Collections.Immutable;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace AutoDiff.Functional.Ops;

/// <summary>Adds slices into <see cref="Count"/> slices of zeros by int32 indices: inputs (updates, indices), where
/// updates has the indices' axes at <see cref="Axis"/>; output slice i along that axis is the sum of the update slices
/// p with <c>indices[p] = i</c> (zero if none). Along axis 0 this is a segment sum (rows sharing a segment id add up).
/// The adjoint of <see cref="Take"/>, and <see cref="Take"/> is its adjoint; the indices get no cotangent. Indices
/// are data, checked against <see cref="Count"/> when the op runs. <see cref="PerMember"/>: updates and indices both end
/// in a member axis of k, and member c's updates add into member c's slice of the result (the batching rule's form).</summary>
internal sealed record ScatterAdd(int Axis, int Count, bool PerMember = false) : Op, IForward32
{
    /// <inheritdoc/>
    public override int Arity => 2;
    /// <inheritdoc/>
    protected override string Parameters => PerMember ? $"axis {Axis}, into {Count}, per member" : $"axis {Axis}, into {Count}";

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        if (Count < 0) throw ShapeError($"count {Count} is negative");
        var (updates, indices) = PerMember ? Take.Members(this, x[0], x[1]) : (x[0], x[1]);
        bool fits = Axis >= 0 && Axis + indices.Rank <= updates.Rank;
        for (int d = 0; fits && d < indices.Rank; d++) fits = updates[Axis + d] == indices[d];
        if (!fits)
            throw ShapeError($"updates {updates} do not have the index shape {indices} at axis {Axis}, one slice per index is needed");
        var y = Take.Replaced(updates, Axis, indices.Rank, Shape.Vector(Count));
        return PerMember ? Take.Appended(y, x[0][x[0].Rank - 1]) : y;
    }

    /// <inheritdoc/>
    public override DType InferType(ReadOnlySpan<Node> x) => ValuesByIndices(x, "indices");

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => Sum(x, y);

    /// <inheritdoc/>
    /// <remarks>The float64 sums, reading the float32 updates as they are (no widened copy of them), rounded once.</remarks>
    public void Forward(ReadOnlySpan<Tensor> x, float[] y)
    {
        var sums = ArrayPool<double>.Shared.Rent(y.Length);
        try
        {
            Sum(x, sums.AsSpan(0, y.Length));
            Tensor.Narrow(sums.AsSpan(0, y.Length), y);
        }
        finally { ArrayPool<double>.Shared.Return(sums); }
    }

    void Sum(ReadOnlySpan<Tensor> x, Span<double> y)
    {
        var indices = x[1].Ints;
        var updates = PerMember ? Take.Last(x[0].Shape) : x[0].Shape;
        int members = PerMember ? x[0].Shape[x[0].Shape.Rank - 1] : 1, k = indices.Length / Math.Max(1, members), inner = 1;
        for (int d = 0; d < Axis; d++) inner *= updates[d];
        int outer = k == 0 ? 0 : updates.Size / (inner * k), size = y.Length / Math.Max(1, members);
        if (Take.FirstOutside(indices, Count) is var q and >= 0)
            throw new IndexException($"{this}: index {indices[q]} at position {q} is outside 0..{Count - 1}, the {Count} slices of the result");
        y.Clear();
        for (int m = 0; m < members; m++)
            if (x[0].HoldsSingles) Add<float>(x[0].Singles.AsSpan(m * updates.Size, updates.Size), indices.Slice(m * k, k), y.Slice(m * size, size), inner, outer, Count);
            else Add<double>(x[0].Values.Slice(m * updates.Size, updates.Size), indices.Slice(m * k, k), y.Slice(m * size, size), inner, outer, Count);
    }

    /// <summary>The update slices added into their targets, in order; float32 updates are widened (exactly) as they are
    /// read, a slice at a time, so both types add the same doubles.</summary>
    static void Add<T>(ReadOnlySpan<T> a, ReadOnlySpan<int> indices, Span<double> y, int inner, int outer, int count) where T : unmanaged, INumberBase<T>
    {
        int k = indices.Length;
        var pool = ArrayPool<double>.Shared;
        double[]? widened = typeof(T) == typeof(double) || inner == 1 ? null : pool.Rent(inner);
        try
        {
            for (int b = 0; b < outer; b++)
            {
                if (inner == 1)
                    for (int p = 0; p < k; p++) y[indices[p] + b * count] += double.CreateTruncating(a[p + b * k]);
                else
                    for (int p = 0; p < k; p++)
                    {
                        var target = y.Slice((indices[p] + b * count) * inner, inner);
                        var slice = a.Slice((p + b * k) * inner, inner);
                        if (widened is null) TensorPrimitives.Add(target, MemoryMarshal.Cast<T, double>(slice), target);
                        else
                        {
                            Tensor.Convert(slice, widened.AsSpan());
                            TensorPrimitives.Add(target, widened.AsSpan(0, inner), target);
                        }
                    }
            }
        }
        finally
        {
            if (widened is not null) pool.Return(widened);
        }
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } t0 ? Node.Apply(this, t0, x[1]) : null;

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [Node.Apply(new Take(Axis, PerMember), ct, x[1]), null];

    /// <inheritdoc/>
    /// <remarks>Shared indices: the updates with a trailing member axis, which the scatter leaves where it is. Indices
    /// per member (a vector each, (n × k)): the per-member form, each member's updates added into its own slice.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k)
    {
        if (PerMember) return null;
        if (xb[1] is not { } ids)
            return Node.Apply(this, xb[0]!.Reshape(Take.Appended(x[0].Shape, k)), x[1]).Reshape(Shape.Matrix(y.Shape.Size, k));
        if (x[1].Shape.Rank != 1) return null;   // int32 data has no reshape yet to put (J…, k) together
        var members = Batched.Trailing(xb[0] ?? Batched.Shared(x[0], k), x[0].Shape);
        return Batched.Flat(Node.Apply(new ScatterAdd(Axis, Count, PerMember: true), members, ids), k);
    }
}
