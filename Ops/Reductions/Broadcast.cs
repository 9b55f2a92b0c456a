using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>Repeats a tensor along a new axis: a vector (n) with axis 0 becomes a (count×n) matrix whose every row is
/// the vector (a bias row added to every row); a vector (m) with axis 1 becomes (m×count), every column the vector.
/// The explicit broadcasts that the element-wise ops refuse to do silently. Adjoint of <see cref="SumAxis"/>.</summary>
public sealed class Broadcast(int axis, int count) : Op, IExpand
{
    /// <summary>Where the new axis goes.</summary>
    public int Axis { get; } = axis;
    /// <summary>How many copies.</summary>
    public int Count { get; } = count >= 0 ? count : throw new ArgumentException($"Broadcast: count {count} is negative");
    /// <inheritdoc/>
    public override string Name => "Broadcast";
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Ops.Axis.Insert(this, x[0], Axis, Count);

    /// <inheritdoc/>
    public override Tensor Forward(ReadOnlySpan<Tensor> x, Shape y) => ForwardIntoNew(x, y);

    /// <inheritdoc/>
    public override void ForwardInto(ReadOnlySpan<Tensor> x, Shape shape, double[] y)
    {
        var walk = new Axis(shape, Axis);
        var v = x[0].Storage;
        for (int g = 0; g < walk.Groups; g++)
            for (int k = 0, p = walk.Start(g); k < walk.Length; k++, p += walk.Stride) y[p] = v[g];
    }

    /// <inheritdoc/>
    /// <remarks>Column-major position p of the output has coordinate (p / inner) mod Count on the new axis, where inner
    /// is the size of the dimensions before it (the whole vector for axis 1, nothing for axis 0); dropping that
    /// coordinate gives the input's position.</remarks>
    public void Block(ReadOnlySpan<double> input, int start, Span<double> y)
    {
        if (Axis == 0)
            for (int i = 0; i < y.Length; i++) y[i] = input[(start + i) / Count];
        else
            for (int i = 0, p = start % input.Length; i < y.Length; i++, p = p + 1 == input.Length ? 0 : p + 1) y[i] = input[p];
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Broadcast b && b.Axis == Axis && b.Count == Count;
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(nameof(Broadcast), Axis, Count);

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents) =>
        tangents[0] is { } t ? Node.Apply(this, t) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent) => [Node.Apply(new SumAxis(Axis), cotangent)];
    /// <inheritdoc/>
    public override string ToString() => $"Broadcast(axis {Axis}, ×{Count})";
}
