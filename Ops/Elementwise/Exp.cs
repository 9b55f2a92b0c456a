namespace AutoDiff.Functional.Ops;

/// <summary>eˣ; its derivative is its output.</summary>
internal sealed record Exp : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = Math.Exp(x[i]);
    }
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => y;
}
