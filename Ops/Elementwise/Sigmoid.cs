namespace AutoDiff.Functional.Ops;

/// <summary>σ(x) = 1/(1 + e⁻ˣ), stable both ways: the forward pass never overflows, and the derivative is
/// σ(x)·σ(−x) rather than y(1 − y), which would round to zero for x &gt; 37 where the true value is still ~1e-17.</summary>
internal sealed record Sigmoid : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        // The stable form: e^−|x| never overflows; σ = 1/(1 + e) for x ≥ 0, e/(1 + e) below.
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            if (v >= 0) y[i] = 1 / (1 + Math.Exp(-v));
            else { double e = Math.Exp(v); y[i] = e / (1 + e); }
        }
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => y * (-x).Sigmoid();
}
