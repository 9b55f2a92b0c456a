namespace AutoDiff.Functional.Ops;

/// <summary>ln(1 + x) (x &gt; −1), accurate for tiny x where ln(1 + x) would lose every digit; derivative 1/(1 + x).</summary>
internal sealed record Log1p : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Of(x[i]);
    }

    /// <summary>Goldberg's correction: u = 1 + x rounds, but ln(u)·x/(u − 1) divides that rounding back out. The ratio
    /// x/(u − 1) ≈ 1 is formed first: ln(u)·x overflows for x above about 1.8e308/709, where ln(1 + x) is finite.</summary>
    internal static double Of(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : double.IsPositiveInfinity(u) ? u : Math.Log(u) * (x / (u - 1));
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => 1.0 / (1.0 + x);
}
