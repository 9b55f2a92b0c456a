namespace AutoDiff.Functional.Ops;

/// <summary>cos x; derivative −sin x.</summary>
internal sealed record Cos : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = Math.Cos(x[i]);
    }
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => -x.Sin();
}
