using System.Collections.Immutable;
using AutoDiff.Functional.Ops.Kernels;
namespace AutoDiff.Functional.Ops;

/// <summary>The sum of all elements, a scalar. Its adjoint is <see cref="Fill"/>.</summary>
internal sealed record Sum : LinearOp, IReduce
{
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Shape.Scalar;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) =>
        // A long input's tiles are summed on both cores; their sums are still added in order, so the bits are the same.
        y[0] = x[0].Shape.Size >= Plan.ParallelSize
            ? VectorMath.Sum<VectorMath.Plain>(x[0].Storage!, 0, x[0].Shape.Size, 0, null)
            : InTiles(x[0].Values);

    /// <summary>The sum a fused pass gives (<see cref="Plan"/> sums in tiles and adds the tiles' sums in order), so a
    /// sum has the same bits whether a plan fuses it or not, and a column sum (<see cref="SumAxis"/>) the bits of the
    /// column's own sum: Sum's batching rule relies on it.</summary>
    internal static double InTiles(ReadOnlySpan<double> x) => VectorMath.Sum(x);

    /// <inheritdoc/>
    /// <remarks>Sixteen running sums a vector row at a time, added in a fixed tree (<see cref="VectorMath.TileSum{F}"/>):
    /// the same bits at every vector width and JIT tier (a plain SIMD sum's order follows the width, which changes as code
    /// tiers up).</remarks>
    public double Block(ReadOnlySpan<double> x) => VectorMath.TileSum<VectorMath.Plain>(x, 0, default);
    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => xb[0]!.Sum(0).Reshape(Shape.Matrix(1, k));
    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => ct.Fill(x.Shape);
}
