using System.Collections.Immutable;
namespace AutoDiff.Functional.Ops;

/// <summary>The <see cref="Count"/> slices from <see cref="Start"/> along one axis of a tensor of any rank: a range of rows (axis 0) or columns
/// (axis 1) of a matrix, a range of a vector. Its adjoint puts the cotangent back between zeros with
/// <see cref="Concat"/>.</summary>
internal sealed record Slice(int Axis, int Start, int Count) : LinearOp
{
    /// <inheritdoc/>
    protected override string Parameters => $"axis {Axis}, start {Start}, count {Count}";

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        var along = Along.Of(this, x[0], Axis);
        if (Start < 0 || Count < 0 || Start > along.Length - Count)
            throw ShapeError($"{Start}..{Start + Count - 1} is not within the {along.Length} {Along.Noun(x[0], Axis)} of {x[0]} (start ≥ 0, count ≥ 0, start + count ≤ {along.Length})");
        return Along.Resize(x[0], Axis, Count);
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var (inner, length, outer) = Along.Of(this, x[0].Shape, Axis);
        int run = Count * inner; // each block's slices are contiguous
        for (int b = 0; b < outer; b++)
            x[0].Values.Slice((Start + b * length) * inner, run).CopyTo(y.AsSpan(b * run, run));
    }

    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.Moved(this, x[0].Shape, xb[0]!);

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x)
    {
        int length = x.Shape[Axis], after = length - Start - Count;
        var parts = new List<Node>(3);
        if (Start > 0) parts.Add(Node.Zeros(Along.Resize(x.Shape, Axis, Start)));
        parts.Add(ct);
        if (after > 0) parts.Add(Node.Zeros(Along.Resize(x.Shape, Axis, after)));
        return parts.Count == 1 ? ct : Node.Apply(new Concat(Axis), [.. parts]);
    }
}
