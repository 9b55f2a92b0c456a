namespace AutoDiff.Functional.Testing;

/// <summary>Where an input's values are drawn from: an interval [Low, High], optionally with (−Gap, Gap) cut out
/// around zero. Values come from a grid of 1001 points, so counterexamples print short. A domain of matrices
/// (<see cref="Spd"/>, <see cref="WellConditioned"/>) draws its entries so and then maps them with <see cref="Map"/>.</summary>
public sealed record Domain(string Name, double Low, double High, double Gap = 0)
{
    /// <summary>Any moderate value: no op in the table has a kink or a pole in [−2, 2] unless said otherwise.</summary>
    public static readonly Domain Any = new("any", -2, 2);
    /// <summary>Positive and away from 0: for log, sqrt and non-integer powers.</summary>
    public static readonly Domain Positive = new("positive", 0.5, 3);
    /// <summary>Either sign, |x| ≥ 0.5: for denominators and negative integer powers.</summary>
    public static readonly Domain NonZero = new("nonzero", -2, 2, Gap: 0.5);
    /// <summary>Above −1 and away from it: for log1p.</summary>
    public static readonly Domain AboveMinusOne = new("above −1", -0.9, 3);
    /// <summary>Large magnitudes of either sign: for functions that must stay stable far out (log σ).</summary>
    public static readonly Domain Wide = new("wide", -30, 30);

    /// <summary>Values whose magnitudes spread evenly in log scale over [<paramref name="smallest"/>,
    /// <paramref name="largest"/>], of both signs when <paramref name="signed"/>: reaches the subnormals (below 2.2e-308)
    /// and the huge magnitudes that a grid on an interval never does, e.g. <c>Domain.Magnitudes("tiny to huge",
    /// 1e-310, 1e300)</c> for log.</summary>
    public static Domain Magnitudes(string name, double smallest, double largest, bool signed = false) =>
        new(name, signed ? -largest : smallest, largest, smallest) { Logarithmic = true };

    /// <summary>Magnitudes spread in log scale between <see cref="Gap"/> and the larger bound (see <see cref="Magnitudes"/>).</summary>
    public bool Logarithmic { get; init; }

    /// <summary>Symmetric positive definite n×n matrices B·Bᵀ/n + I from entries B in [−2, 2]: eigenvalues in [1, 4n + 1].</summary>
    public static readonly Domain Spd = new("SPD", -2, 2) { Map = SpdOf };
    /// <summary>Square matrices A + (2n + 1)·I from entries A in [−2, 2]: every Gershgorin disc lies in Re z ≥ 1, so the
    /// matrix is nonsingular with condition number below about 4n + 1.</summary>
    public static readonly Domain WellConditioned = new("well-conditioned", -2, 2) { Map = WellConditionedOf };

    /// <summary>Maps the drawn entries (column-major) of an input of the given shape to its values; null keeps them.</summary>
    public Func<Shape, double[], double[]>? Map { get; init; }

    /// <summary>The input's values from its drawn entries.</summary>
    public double[] ValuesOf(Shape shape, double[] drawn) => Map is null ? drawn : Map(shape, drawn);

    /// <summary>The integers of the domain: edge values (0, ±1, ...) that a fine grid almost never hits.</summary>
    public double[] Integers => Logarithmic || High - Low > 1000
        ? [.. new double[] { 1, -1, 2, -2, 3, -3, 10, -10, 100, -100 }.Where(Contains) is var few && few.Any() ? few : [Simplest]]
        : [.. Enumerable.Range((int)Math.Ceiling(Low), (int)Math.Floor(High) - (int)Math.Ceiling(Low) + 1)
            .Select(i => (double)i).Where(Contains)];

    /// <summary>The value for a grid point <paramref name="tick"/> in 0..1000; ticks above 1000 pick an integer.</summary>
    public double At(int tick)
    {
        if (tick > 1000) return Integers[(tick - 1001) % Integers.Length];
        if (Logarithmic)
        {
            // Ticks 0–499 negative (when the domain has a negative side), 500–1000 positive, magnitudes log-spaced.
            bool negative = Low < 0 && tick < 500;
            double fraction = Low < 0 ? (negative ? tick / 499.0 : (tick - 500) / 500.0) : tick / 1000.0;
            double magnitude = Math.Clamp(Math.Exp(Math.Log(Gap) + (Math.Log(High) - Math.Log(Gap)) * fraction), Gap, High);
            return negative ? -magnitude : magnitude;
        }
        if (Gap == 0) return Low + (High - Low) * tick / 1000;
        // Left half of the ticks cover [Low, −Gap], right half [Gap, High].
        return tick < 500 ? Low + (-Gap - Low) * tick / 499 : Gap + (High - Gap) * (tick - 500) / 500;
    }

    /// <summary>True when <paramref name="v"/> lies in the domain.</summary>
    public bool Contains(double v) => v >= Low && v <= High && Math.Abs(v) >= Gap;

    /// <summary>The simplest value of the domain, where shrinking heads: 0, else 1.</summary>
    public double Simplest => Contains(0) ? 0 : Contains(1) ? 1 : Low;

    /// <summary>Simpler values than <paramref name="v"/>: the simplest one, the nearest integer, one decimal.</summary>
    public IEnumerable<double> Simpler(double v)
    {
        var seen = new HashSet<double> { v };
        foreach (var s in new[] { Simplest, Math.Round(v), Math.Round(v, 1) })
            if (Contains(s) && seen.Add(s)) yield return s;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    static int Order(Shape shape, string domain)
    {
        if (shape.Rank != 2 || shape[0] != shape[1])
            throw new ArgumentException($"the {domain} domain holds square matrices, not {shape}", nameof(shape));
        return shape[0];
    }

    static double[] SpdOf(Shape shape, double[] b)
    {
        int n = Order(shape, "SPD");
        var s = new double[n * n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
            {
                double sum = 0;
                for (int k = 0; k < n; k++) sum += b[i + k * n] * b[j + k * n];
                s[i + j * n] = sum / n + (i == j ? 1 : 0);
            }
        return s;
    }

    static double[] WellConditionedOf(Shape shape, double[] a)
    {
        int n = Order(shape, "well-conditioned");
        var m = (double[])a.Clone();
        for (int i = 0; i < n; i++) m[i + i * n] += 2 * n + 1;
        return m;
    }
}
