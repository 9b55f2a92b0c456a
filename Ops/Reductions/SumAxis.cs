using System.Collections.Immutable;
using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>Sums along one axis: a matrix's axis 0 gives column sums (n), axis 1 row sums (m); a vector's axis 0 a
/// scalar. Its adjoint is <see cref="Broadcast"/> along the same axis.</summary>
public sealed class SumAxis(int axis) : Op
{
    /// <summary>The axis summed away.</summary>
    public int Axis { get; } = axis;
    /// <inheritdoc/>
    public override string Name => "SumAxis";
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Ops.Axis.Remove(this, x[0], Axis);

    /// <inheritdoc/>
    public override Tensor Forward(ReadOnlySpan<Tensor> x, Shape y) => ForwardIntoNew(x, y);

    /// <inheritdoc/>
    public override void ForwardInto(ReadOnlySpan<Tensor> x, Shape y, double[] sums)
    {
        if (x[0].Shape.Rank == 2 && Axis == 1)
        {
            // Along rows: add whole columns (contiguous, vectorised) instead of striding one row at a time.
            int m = x[0].Shape[0], n = x[0].Shape[1];
            var columns = x[0].Values;
            columns[..m].CopyTo(sums);
            for (int j = 1; j < n; j++) TensorPrimitives.Add(sums, columns.Slice(j * m, m), sums);
            return;
        }
        var walk = new Axis(x[0].Shape, Axis);
        var a = x[0].Storage;
        for (int g = 0; g < walk.Groups; g++)
        {
            double s = 0;
            for (int k = 0, p = walk.Start(g); k < walk.Length; k++, p += walk.Stride) s += a[p];
            sums[g] = s;
        }
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents) =>
        tangents[0] is { } t ? Node.Apply(this, t) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent) =>
        [Node.Apply(new Broadcast(Axis, x[0].Shape[Axis]), cotangent)];
    /// <inheritdoc/>
    public override string ToString() => $"SumAxis({Axis})";
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SumAxis s && s.Axis == Axis;
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(nameof(SumAxis), Axis);
}
