using System.Collections.Immutable;
using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>The sum of all elements, a scalar. Its adjoint is <see cref="Fill"/>.</summary>
public sealed class Sum : Op, IReduce
{
    /// <summary>The single instance.</summary>
    public static readonly Sum Instance = new();
    Sum() { }
    /// <inheritdoc/>
    public override string Name => "Sum";
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Shape.Scalar;
    /// <inheritdoc/>
    public override Tensor Forward(ReadOnlySpan<Tensor> x, Shape y) => Tensor.Scalar(TensorPrimitives.Sum(x[0].Values));
    /// <inheritdoc/>
    public override void ForwardInto(ReadOnlySpan<Tensor> x, Shape shape, double[] y) => y[0] = TensorPrimitives.Sum(x[0].Values);
    /// <inheritdoc/>
    public double Block(ReadOnlySpan<double> x) => TensorPrimitives.Sum(x);
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents) =>
        tangents[0] is { } t ? Node.Apply(this, t) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent) =>
        [Node.Apply(new Fill(x[0].Shape), cotangent)];
}
