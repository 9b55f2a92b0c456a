using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>Repeats a tensor along a new axis: a vector (n) with axis 0 becomes a (count×n) matrix whose every row is
/// the vector (a bias row added to every row); a vector (m) with axis 1 becomes (m×count), every column the vector.
/// The explicit broadcasts that the element-wise ops refuse to do silently. Adjoint of <see cref="SumAxis"/>.</summary>
public sealed class Broadcast(int axis, int count) : Op
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
    public override Tensor Forward(ReadOnlySpan<Tensor> x, Shape y)
    {
        var walk = new Axis(y, Axis);
        var v = x[0].Storage;
        var result = new double[y.Size];
        for (int g = 0; g < walk.Groups; g++)
            for (int k = 0, p = walk.Start(g); k < walk.Length; k++, p += walk.Stride) result[p] = v[g];
        return Tensor.FromColumnMajor(y, result);
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents) =>
        tangents[0] is { } t ? Node.Apply(this, t) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent) => [Node.Apply(new SumAxis(Axis), cotangent)];
    /// <inheritdoc/>
    public override string ToString() => $"Broadcast(axis {Axis}, ×{Count})";
}
