using System.Collections.Immutable;
namespace AutoDiff.Functional.Ops;

/// <summary>Repeats a tensor along a new axis inserted at <see cref="Axis"/> of the output: a vector (n) with axis 0
/// becomes a (count×n) matrix whose every row is the vector (a bias row added to every row); a vector (m) with axis 1
/// becomes (m×count), every column the vector; at any rank, the new axis goes between the input's axes Axis − 1 and
/// Axis. The explicit broadcasts that the element-wise ops refuse to do silently. Adjoint of <see cref="SumAxis"/>.</summary>
/// <remarks><see cref="Inner"/>, the number of elements before the new axis (the product of the input's first Axis
/// dimensions), follows from the input's shape; it is kept so that a block of the output can be computed without it.
/// Build the op with <see cref="Along"/>, which sets it.</remarks>
internal sealed record Broadcast(int Axis, int Count) : LinearOp, IExpand
{
    /// <summary>How many copies.</summary>
    public int Count { get; } = Count >= 0 ? Count : throw new ArgumentException($"Broadcast: count {Count} is negative");

    /// <summary>The product of the input's dimensions before <see cref="Axis"/>: 1 for axis 0.</summary>
    public int Inner { get; init; } = 1;

    /// <summary><paramref name="x"/> repeated <paramref name="count"/> times along a new axis at <paramref name="axis"/>.</summary>
    public static Node Along(Node x, int axis, int count)
    {
        int inner = 1;
        for (int d = 0; d < Math.Min(axis, x.Shape.Rank); d++) inner *= x.Shape[d];
        return Node.Apply(new Broadcast(axis, count) { Inner = inner }, x);
    }

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        var y = Ops.Axis.Insert(this, x[0], Axis, Count);
        int inner = 1;
        for (int d = 0; d < Axis; d++) inner *= x[0][d];
        return inner == Inner ? y : throw new InvalidOperationException($"internal: {this} built for {Inner} elements before axis {Axis}, applied to {x[0]}");
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => Block(x[0].Values, 0, y);

    /// <inheritdoc/>
    /// <remarks>Column-major position p of the output has coordinate (p / Inner) mod Count on the new axis; dropping
    /// it leaves the input's position p mod Inner + (p / (Inner·Count))·Inner.</remarks>
    public void Block(ReadOnlySpan<double> input, int start, Span<double> y) => Spread(input, start, y);

    /// <inheritdoc/>
    public void Block(ReadOnlySpan<float> input, int start, Span<double> y) => Spread(input, start, y);

    /// <inheritdoc/>
    public void Block(ReadOnlySpan<float> input, int start, Span<float> y) => Spread(input, start, y);

    void Spread<T, U>(ReadOnlySpan<T> input, int start, Span<U> y) where T : unmanaged, System.Numerics.INumberBase<T> where U : unmanaged, System.Numerics.INumberBase<U>
    {
        if (y.IsEmpty) return;
        if (Inner == input.Length && input.Length < 8)   // the new axis is the last: a short input, over and over
            for (int i = 0, p = start % input.Length; i < y.Length; i++, p = p + 1 == input.Length ? 0 : p + 1) y[i] = U.CreateTruncating(input[p]);
        else if (Inner == input.Length)   // a longer one a copy at a time (a column spread across a wide matrix)
            for (int i = 0, p = start % input.Length, length; i < y.Length; i += length, p = 0)
            {
                length = Math.Min(input.Length - p, y.Length - i);
                Tensor.Convert(input.Slice(p, length), y.Slice(i, length));
            }
        else if (Inner == 1 && Count < 8)
            // A few copies of each element (a vector spread down 2 rows): element by element, the copy counted, since
            // a run of 2 costs more to set up than to fill.
            for (int i = 0, q = start / Count, r = start % Count; i < y.Length; i++)
            {
                y[i] = U.CreateTruncating(input[q]);
                if (++r == Count) (q, r) = (q + 1, 0);
            }
        else
        {
            // Runs of the output that copy one stretch of the input: Count copies of each input element (Inner = 1),
            // or of each slice of Inner elements. Two divisions a run, not a division per element, which cost more
            // than the rest of a fused pass where the runs are short (a column broadcast down 10 rows).
            long run = (long)Inner * Count;
            for (int i = 0, length; i < y.Length; i += length)
            {
                long p = start + i;
                if (Inner == 1)
                {
                    length = Math.Min(Count - (int)(p % Count), y.Length - i);
                    y.Slice(i, length).Fill(U.CreateTruncating(input[(int)(p / Count)]));
                }
                else
                {
                    int within = (int)(p % Inner);
                    length = Math.Min(Inner - within, y.Length - i);
                    Tensor.Convert(input.Slice((int)(within + p / run * Inner), length), y.Slice(i, length));
                }
            }
        }
    }

    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.Moved(this, x[0].Shape, xb[0]!);

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => ct.Sum(Axis);

    /// <inheritdoc/>
    protected override string Parameters => $"axis {Axis}, ×{Count}";
}
