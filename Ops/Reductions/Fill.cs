using System.Collections.Immutable;
namespace AutoDiff.Functional.Ops;

/// <summary>A scalar repeated into every element of a shape: the explicit scalar broadcast. Its adjoint is
/// <see cref="Sum"/>.</summary>
internal sealed record Fill(Shape Target) : LinearOp, IExpand
{
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0].IsScalar
        ? Target
        : throw ShapeError($"{x[0]} to {Target}: only a scalar fills a shape");
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => Array.Fill(y, x[0].Storage[0]);
    /// <inheritdoc/>
    public void Block(ReadOnlySpan<double> input, int start, Span<double> y) => y.Fill(input[0]);
    /// <inheritdoc/>
    public void Block(ReadOnlySpan<float> input, int start, Span<double> y) => y.Fill(input[0]);
    /// <inheritdoc/>
    public void Block(ReadOnlySpan<float> input, int start, Span<float> y) => y.Fill(input[0]);
    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.Moved(this, x[0].Shape, xb[0]!);

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => ct.Sum();
}
