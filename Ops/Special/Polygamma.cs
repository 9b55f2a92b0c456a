namespace AutoDiff.Functional.Ops;

/// <summary>The polygamma function ψ⁽ⁿ⁾(x) = dⁿψ/dxⁿ of order <see cref="Order"/> n ≥ 1 (ψ′ is the trigamma);
/// derivative ψ⁽ⁿ⁺¹⁾(x), so every order has a rule. MathNet has no polygamma: the value is
/// (−1)ⁿ⁺¹ n! ζ(n + 1, x), the recurrence ζ(s, x) = x⁻ˢ + ζ(s, x + 1) up to x ≥ 20 + 2n, then the asymptotic series.</summary>
internal sealed record Polygamma : UnaryElementwise
{
    /// <summary>Order n ≥ 1 (order 0 is <see cref="Digamma"/>), at most 40 as offered.</summary>
    public Polygamma(int order) : this(order, 40) { }

    // Derivatives go past the orders offered: ψ⁽⁴⁰⁾ needs ψ⁽⁴¹⁾ for its first derivative and ψ⁽⁴²⁾ for its second.
    // Up to 170, n! is finite and its product rounds to under 2e-14.
    Polygamma(int order, int limit)
    {
        if (order < 1 || order > limit) throw new ArgumentOutOfRangeException(nameof(order), order, "Polygamma: the order must be 1 to 40 (order 0 is Digamma)");
        Order = order;
    }

    /// <summary>n, the number of derivatives of ψ.</summary>
    public int Order { get; }

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Of(Order, x[i]);
    }

    // B₂ₖ/(2k)! for k = 1..8: the asymptotic series ζ(n + 1, z) ~ z⁻ⁿ/n + z⁻ⁿ⁻¹/2 + Σ B₂ₖ/(2k)!·(n + 1)⋯(n + 2k − 1)·z⁻ⁿ⁻²ᵏ.
    static readonly double[] BernoulliOverFactorial =
    [
        1.0 / 6 / 2, -1.0 / 30 / 24, 1.0 / 42 / 720, -1.0 / 30 / 40320, 5.0 / 66 / 3628800,
        -691.0 / 2730 / 479001600, 7.0 / 6 / 87178291200, -3617.0 / 510 / 20922789888000,
    ];

    static double Of(int n, double x)
    {
        if (double.IsNaN(x)) return x;
        if (x <= 0 && x == Math.Floor(x)) return double.NaN; // a pole
        if (x < -1e6) return double.NaN;                      // the upward recurrence would take too long
        double zeta = 0;                                      // ζ(n + 1, x), the Hurwitz zeta
        // The series' terms shrink by about ((n + 2k)/2πz)² each: from z ≥ 20 + 2n its ninth term is below 1e-19 of
        // the sum at every order (at z ≥ 20 alone, order 40 kept only 7 digits).
        for (; x < 20 + 2 * n; x++) zeta += Math.Pow(x, -(n + 1));
        double inverse = 1 / x, inverseSquare = inverse * inverse, power = Math.Pow(inverse, n);
        double series = power / n + power * inverse / 2;
        double rising = n + 1;                                // (n + 1)(n + 2)⋯(n + 2k − 1)
        for (int k = 1; k <= BernoulliOverFactorial.Length; k++)
        {
            power *= inverseSquare;                           // z^−(n + 2k)
            series += BernoulliOverFactorial[k - 1] * rising * power;
            rising *= (double)(n + 2 * k) * (n + 2 * k + 1);
        }
        double factorial = 1;
        for (int k = 2; k <= n; k++) factorial *= k;
        return (n % 2 == 1 ? 1 : -1) * factorial * (zeta + series);
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => Node.Apply(new Polygamma(Order + 1, 170), x);
}
