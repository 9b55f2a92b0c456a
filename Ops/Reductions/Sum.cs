using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>The sum of all elements, a scalar. Its adjoint is <see cref="Fill"/>.</summary>
internal sealed record Sum : LinearOp, IReduce
{
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Shape.Scalar;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => y[0] = TensorPrimitives.Sum(x[0].Values);
    /// <inheritdoc/>
    public double Block(ReadOnlySpan<double> x) => TensorPrimitives.Sum(x);
    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => ct.Fill(x.Shape);
}
