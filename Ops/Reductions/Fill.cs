using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>A scalar repeated into every element of a shape: the explicit scalar broadcast. Adjoint of <see cref="Sum"/>.</summary>
public sealed class Fill(Shape shape) : Op, IExpand
{
    /// <summary>The shape filled.</summary>
    public Shape Target { get; } = shape;
    /// <inheritdoc/>
    public override string Name => "Fill";
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0].IsScalar
        ? Target
        : throw ShapeError($"{x[0]} to {Target}: only a scalar fills a shape");
    /// <inheritdoc/>
    public override Tensor Forward(ReadOnlySpan<Tensor> x, Shape y) => Tensor.Filled(y, x[0].Storage[0]);
    /// <inheritdoc/>
    public override void ForwardInto(ReadOnlySpan<Tensor> x, Shape shape, double[] y) => Array.Fill(y, x[0].Storage[0]);
    /// <inheritdoc/>
    public void Block(ReadOnlySpan<double> input, int start, Span<double> y) => y.Fill(input[0]);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Fill f && f.Target == Target;
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(nameof(Fill), Target);
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents) =>
        tangents[0] is { } t ? Node.Apply(this, t) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent) => [Node.Apply(Sum.Instance, cotangent)];
    /// <inheritdoc/>
    public override string ToString() => $"Fill{Target}";
}
