using System.Collections.Immutable;
namespace AutoDiff.Functional.Ops;

/// <summary>The same elements in a new shape of the same size, in column-major order (as MathNet, BLAS, Fortran and
/// Julia store them). A view: interpreters share the input's storage instead of copying.</summary>
internal sealed record Reshape(Shape Target) : LinearOp, IView
{
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0].Size == Target.Size
        ? Target
        : throw ShapeError($"{x[0]} to {Target}: sizes {x[0].Size} and {Target.Size} differ");
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => x[0].Values.CopyTo(y);
    /// <inheritdoc/>
    /// <remarks>Column-major order is unchanged, so each member's column already is its reshaped value.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => xb[0];

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => ct.Reshape(x.Shape);
}
