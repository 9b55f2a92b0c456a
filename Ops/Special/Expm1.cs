namespace AutoDiff.Functional.Ops;

/// <summary>eˣ − 1, accurate for tiny x where eˣ − 1 would lose every digit; derivative eˣ = y + 1.</summary>
internal sealed record Expm1 : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Of(x[i]);
    }

    /// <summary>Kahan's correction: u = eˣ rounds, but (u − 1)·x/ln(u) divides that rounding back out.</summary>
    static double Of(double x)
    {
        double u = Math.Exp(x);
        if (u == 1) return x;
        double um1 = u - 1;
        return um1 == -1 || double.IsPositiveInfinity(u) ? um1 : um1 * x / Math.Log(u);
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => y + 1.0;
}
