using System.Collections.Immutable;
using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>Sums along one axis of a tensor of any rank, dropping it: a matrix's axis 0 gives column sums (n), axis 1
/// row sums (m); a vector's axis 0 a scalar; a (b×m×n) tensor's axis 0 an (m×n) matrix. Its adjoint is
/// <see cref="Broadcast"/> along the same axis.</summary>
internal sealed record SumAxis(int Axis) : LinearOp
{
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Ops.Axis.Remove(this, x[0], Axis);

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var walk = new Axis(x[0].Shape, Axis);
        var a = x[0].Storage;
        if (walk.Stride == 1)
        {
            // Down contiguous runs (columns, or the last axis when the axes before it are all 1): each added as Sum adds
            // a vector, so the sums of a batch of vectors (Sum's batching rule) have the bits of each vector's Sum.
            for (int g = 0; g < walk.Groups; g++) y[g] = Sum.InTiles(a.AsSpan(walk.Start(g), walk.Length));
            return;
        }
        if (Axis == x[0].Shape.Rank - 1)
        {
            // Along the last axis (a matrix's rows): add whole columns (contiguous, vectorised) instead of striding one
            // row at a time; the axes before it are one long column of m elements. Each element is added in the order
            // of the strided loop below, so a batch with the members along a trailing axis has the same bits.
            var (m, n, _) = Along.Of(x[0].Shape, Axis);
            var columns = x[0].Values;
            if (n == 0) { Array.Clear(y); return; }
            columns[..m].CopyTo(y);
            for (int j = 1; j < n; j++) TensorPrimitives.Add(y, columns.Slice(j * m, m), y);
            return;
        }
        for (int g = 0; g < walk.Groups; g++)
        {
            double s = 0;
            for (int k = 0, p = walk.Start(g); k < walk.Length; k++, p += walk.Stride) s += a[p];
            y[g] = s;
        }
    }

    /// <inheritdoc/>
    /// <remarks>The batch is one tensor with the members along a last axis; the sum along the same axis keeps them there.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Batched.Flat(Batched.Trailing(xb[0]!, x[0].Shape).Sum(Axis), k);

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => Broadcast.Along(ct, Axis, x.Shape[Axis]);
}
