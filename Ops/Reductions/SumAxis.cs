using System.Buffers;
using System.Collections.Immutable;
using System.Numerics.Tensors;
using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>Sums along one axis of a tensor of any rank, dropping it: a matrix's axis 0 gives column sums (n), axis 1
/// row sums (m); a vector's axis 0 a scalar; a (b×m×n) tensor's axis 0 an (m×n) matrix. Its adjoint is
/// <see cref="Broadcast"/> along the same axis.</summary>
internal sealed record SumAxis(int Axis) : LinearOp, IForward32
{
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Ops.Axis.Remove(this, x[0], Axis);

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => Sums(x[0], y);

    /// <inheritdoc/>
    /// <remarks>The float64 sums of the float32 elements (read a run or a column at a time, widened), rounded once.</remarks>
    public void Forward(ReadOnlySpan<Tensor> x, float[] y)
    {
        // Pooled: a plan runs this every call, and sums or runs of 10⁵ doubles would be large-object garbage each time.
        var sums = ArrayPool<double>.Shared.Rent(y.Length);
        try
        {
            Sums(x[0], sums.AsSpan(0, y.Length));
            Tensor.Narrow(sums.AsSpan(0, y.Length), y);
        }
        finally { ArrayPool<double>.Shared.Return(sums); }
    }

    void Sums(Tensor x, Span<double> y)
    {
        var walk = new Axis(x.Shape, Axis);
        // A float32 input held as singles is read through Singles.Block: a run or a column widened into pooled scratch.
        var scratch = x.HoldsSingles ? ArrayPool<double>.Shared.Rent(Math.Max(walk.Length, x.Shape.Size / Math.Max(1, x.Shape[Axis]))) : [];
        try { Sums(x, walk, y, scratch); }
        finally { if (scratch.Length > 0) ArrayPool<double>.Shared.Return(scratch); }
    }

    void Sums(Tensor x, Axis walk, Span<double> y, double[] scratch)
    {
        if (walk.Stride == 1 && walk.Length < VectorMath.SumLanes && walk.Groups >= VectorMath.SumLanes)
        {
            ShortRuns(x, walk, y, scratch);
            return;
        }
        if (walk.Stride == 1)
        {
            // Down contiguous runs (columns, or the last axis when the axes before it are all 1): each added as Sum adds
            // a vector, so the sums of a batch of vectors (Sum's batching rule) have the bits of each vector's Sum.
            for (int g = 0; g < walk.Groups; g++) y[g] = Sum.InTiles(Singles.Block(x, walk.Start(g), walk.Length, scratch));
            return;
        }
        if (Axis == x.Shape.Rank - 1)
        {
            // Along the last axis (a matrix's rows): add whole columns (contiguous, vectorised) instead of striding one
            // row at a time; the axes before it are one long column of m elements. Each element is added in the order
            // of the strided loop below, so a batch with the members along a trailing axis has the same bits.
            var (m, n, _) = Along.Of(x.Shape, Axis);
            if (n == 0) { y.Clear(); return; }
            Singles.Block(x, 0, m, scratch).CopyTo(y);
            for (int j = 1; j < n; j++) TensorPrimitives.Add(y, Singles.Block(x, j * m, m, scratch), y);
            return;
        }
        float[]? f = x.HoldsSingles ? x.Singles : null;
        double[]? d = f is null ? x.Storage : null;
        for (int g = 0; g < walk.Groups; g++)
        {
            double s = 0;
            for (int k = 0, p = walk.Start(g); k < walk.Length; k++, p += walk.Stride) s += f is null ? d![p] : f[p];
            y[g] = s;
        }
    }

    /// <summary>Many short contiguous runs (a (K×N) matrix's column sums for a small K), each summed by the steps of
    /// <see cref="VectorMath.Sum(ReadOnlySpan{double})"/> for fewer than sixteen elements (element k plus 0 is running
    /// sum k, the sixteen added in the tree, plus 0) but for a block of runs at once (<see cref="VectorMath.Trees"/>):
    /// the same additions, the same bits, without a call's set-up per run.</summary>
    static void ShortRuns(Tensor x, Axis walk, Span<double> y, double[] scratch)
    {
        const int block = 512;
        int lanes = VectorMath.SumLanes;
        var sums = ArrayPool<double>.Shared.Rent(lanes * block);
        try
        {
            for (int g0 = 0; g0 < walk.Groups; g0 += block)
            {
                int n = Math.Min(block, walk.Groups - g0);
                var s = sums.AsSpan(0, lanes * n);
                s.Clear();
                for (int g = 0; g < n; g++)
                {
                    var run = Singles.Block(x, walk.Start(g0 + g), walk.Length, scratch);
                    for (int k = 0; k < run.Length; k++) s[k * n + g] = 0.0 + run[k];
                }
                VectorMath.Trees(s, n);
                TensorPrimitives.Add(s[..n], 0.0, y.Slice(g0, n));
            }
        }
        finally { ArrayPool<double>.Shared.Return(sums); }
    }

    /// <inheritdoc/>
    /// <remarks>The batch is one tensor with the members along a last axis; the sum along the same axis keeps them there.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Batched.Flat(Batched.Trailing(xb[0]!, x[0].Shape).Sum(Axis), k);

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => Broadcast.Along(ct, Axis, x.Shape[Axis]);
}
