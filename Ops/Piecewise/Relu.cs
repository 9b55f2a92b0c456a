namespace AutoDiff.Functional.Ops;

/// <summary>max(x, 0); derivative [x &gt; 0], taken as 0 at the kink x = 0 (as JAX and PyTorch do).</summary>
internal sealed record Relu : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = x[i] > 0 || double.IsNaN(x[i]) ? x[i] : 0;
    }
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => Node.Apply(new Compare(Comparison.Greater), x, Node.Constant(0.0));
}
