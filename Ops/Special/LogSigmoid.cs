namespace AutoDiff.Functional.Ops;

/// <summary>ln σ(x) = −ln(1 + e⁻ˣ), finite at every finite x (≈ x far below 0, ≈ −e⁻ˣ far above); derivative σ(−x).</summary>
internal sealed record LogSigmoid : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        // e^(−|x|) never overflows: ln σ(x) = min(x, 0) − ln(1 + e^(−|x|)).
        for (int i = 0; i < y.Length; i++) y[i] = Math.Min(x[i], 0) - Log1p.Of(Math.Exp(-Math.Abs(x[i])));
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => (-x).Sigmoid();
}
