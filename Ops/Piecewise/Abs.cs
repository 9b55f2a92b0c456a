namespace AutoDiff.Functional.Ops;

/// <summary>|x|; derivative sign(x), taken as 0 at the kink x = 0 (the smallest subgradient, as JAX and PyTorch do).</summary>
internal sealed record Abs : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => System.Numerics.Tensors.TensorPrimitives.Abs(x, y);
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) =>
        Node.Apply(new Compare(Comparison.Greater), x, Node.Constant(0.0)) - Node.Apply(new Compare(Comparison.Less), x, Node.Constant(0.0));
}
