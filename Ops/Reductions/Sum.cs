using System.Collections.Immutable;
namespace AutoDiff.Functional.Ops;

/// <summary>The sum of all elements, a scalar. Its adjoint is <see cref="Fill"/>.</summary>
internal sealed record Sum : LinearOp, IReduce
{
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Shape.Scalar;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => y[0] = InTiles(x[0].Values);

    /// <summary>The sum a fused pass gives (<see cref="Plan"/> sums in tiles and adds the tiles' sums in order), so a
    /// sum has the same bits whether a plan fuses it or not, and a column sum (<see cref="SumAxis"/>) the bits of the
    /// column's own sum: Sum's batching rule relies on it.</summary>
    internal static double InTiles(ReadOnlySpan<double> x)
    {
        double sum = 0;
        for (int start = 0; start < x.Length; start += Plan.Tile) sum += Total.Block(x.Slice(start, Math.Min(Plan.Tile, x.Length - start)));
        return sum;
    }

    static readonly Sum Total = new();
    /// <inheritdoc/>
    public double Block(ReadOnlySpan<double> x)
    {
        // Four running sums in a fixed order, then added pairwise: the same bits whatever vector width the JIT picks
        // (a SIMD sum's order follows the width, which changes as code tiers up).
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= x.Length; i += 4) (s0, s1, s2, s3) = (s0 + x[i], s1 + x[i + 1], s2 + x[i + 2], s3 + x[i + 3]);
        for (; i < x.Length; i++) s0 += x[i];
        return (s0 + s1) + (s2 + s3);
    }
    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => xb[0]!.Sum(0).Reshape(Shape.Matrix(1, k));
    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => ct.Fill(x.Shape);
}
