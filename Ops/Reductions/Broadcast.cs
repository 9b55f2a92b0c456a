using System.Collections.Immutable;
namespace AutoDiff.Functional.Ops;

/// <summary>Repeats a tensor along a new axis: a vector (n) with axis 0 becomes a (count×n) matrix whose every row is
/// the vector (a bias row added to every row); a vector (m) with axis 1 becomes (m×count), every column the vector.
/// The explicit broadcasts that the element-wise ops refuse to do silently. Adjoint of <see cref="SumAxis"/>.</summary>
internal sealed record Broadcast(int Axis, int Count) : LinearOp, IExpand
{
    /// <summary>How many copies.</summary>
    public int Count { get; } = Count >= 0 ? Count : throw new ArgumentException($"Broadcast: count {Count} is negative");
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Ops.Axis.Insert(this, x[0], Axis, Count);

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => Block(x[0].Values, 0, y);

    /// <inheritdoc/>
    /// <remarks>Column-major position p of the output has coordinate (p / inner) mod Count on the new axis, where inner
    /// is the size of the dimensions before it (the whole vector for axis 1, nothing for axis 0); dropping that
    /// coordinate gives the input's position.</remarks>
    public void Block(ReadOnlySpan<double> input, int start, Span<double> y)
    {
        if (y.IsEmpty) return;
        if (Axis == 0)
            for (int i = 0; i < y.Length; i++) y[i] = input[(start + i) / Count];
        else
            for (int i = 0, p = start % input.Length; i < y.Length; i++, p = p + 1 == input.Length ? 0 : p + 1) y[i] = input[p];
    }

    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.Moved(this, x[0].Shape, xb[0]!);

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => ct.Sum(Axis);

    /// <inheritdoc/>
    protected override string Parameters => $"axis {Axis}, ×{Count}";
}
