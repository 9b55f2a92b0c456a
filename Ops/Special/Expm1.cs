namespace AutoDiff.Functional.Ops;

/// <summary>eˣ − 1, accurate for tiny x where eˣ − 1 would lose every digit; derivative eˣ, computed as eˣ and not as
/// y + 1: for x below about −37, y rounds to −1 and y + 1 to 0 (true eˣ is 4.2e-18 at −40), and the sum loses digits
/// from about −1 down, where eˣ itself keeps every digit.</summary>
internal sealed record Expm1 : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Of(x[i]);
    }

    /// <summary>Kahan's correction: u = eˣ rounds, but (u − 1)·x/ln(u) divides that rounding back out. The ratio
    /// x/ln(u) ≈ 1 is formed first: (u − 1)·x overflows for x above about 709.78 − ln 709.78, where eˣ − 1 is finite.</summary>
    static double Of(double x)
    {
        double u = Math.Exp(x);
        if (u == 1) return x;
        double um1 = u - 1;
        return um1 == -1 || double.IsPositiveInfinity(u) ? um1 : um1 * (x / Math.Log(u));
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => x.Exp();
}
