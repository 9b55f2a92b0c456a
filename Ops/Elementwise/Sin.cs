namespace AutoDiff.Functional.Ops;

/// <summary>sin x; derivative cos x.</summary>
internal sealed record Sin : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = Math.Sin(x[i]);
    }
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => x.Cos();
}
