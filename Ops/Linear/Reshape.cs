using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>The same elements in a new shape of the same size, in column-major order (as MathNet, BLAS, Fortran and
/// Julia store them). Shares storage: no copy.</summary>
public sealed class Reshape(Shape shape) : Op
{
    /// <summary>The target shape.</summary>
    public Shape Target { get; } = shape;
    /// <inheritdoc/>
    public override string Name => "Reshape";
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0].Size == Target.Size
        ? Target
        : throw ShapeError($"{x[0]} to {Target}: sizes {x[0].Size} and {Target.Size} differ");
    /// <inheritdoc/>
    public override Tensor Forward(ReadOnlySpan<Tensor> x, Shape y) => Tensor.FromColumnMajor(y, x[0].Storage);
    /// <inheritdoc/>
    public override bool IsView => true;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Reshape r && r.Target == Target;
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(nameof(Reshape), Target);
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents) =>
        tangents[0] is { } t ? t.Reshape(Target) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent) => [cotangent.Reshape(x[0].Shape)];
    /// <inheritdoc/>
    public override string ToString() => $"Reshape{Target}";
}
