namespace AutoDiff.Functional.Ops;

/// <summary>softplus(x) = log(1 + eˣ), a smooth ReLU; its derivative is σ(x). Computed as max(x, 0) + log1p(e^−|x|),
/// which never overflows and keeps full precision for large negative x, where the result is about eˣ.</summary>
internal sealed record Softplus : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = Math.Max(x[i], 0) + Log1P(Math.Exp(-Math.Abs(x[i])));
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => x.Sigmoid();

    // log(1 + u) accurate for small u (Kahan's trick: the rounding error of 1 + u cancels in the ratio).
    static double Log1P(double u)
    {
        double w = 1 + u;
        return w == 1 ? u : Math.Log(w) * u / (w - 1);
    }
}
