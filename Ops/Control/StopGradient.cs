using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>The identity on values whose derivatives are zero: forward and reverse mode treat its output as a
/// constant (JAX's <c>stop_gradient</c>, PyTorch's <c>detach</c>). A view: the value shares the input's storage.</summary>
internal sealed record StopGradient : Op, IView
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => x[0].Values.CopyTo(y);
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [null];
    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Node.Apply(this, xb[0]!);
}
