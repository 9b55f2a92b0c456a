namespace AutoDiff.Functional.Properties.Support;

/// <summary>Double-double arithmetic: a value Hi + Lo with |Lo| ≤ ½ulp(Hi), about 106 significant bits, built on the
/// error-free transformations (Knuth's two-sum, the fused multiply-add product). The higher-precision reference of
/// the precision sweep: its own error is below 1e-28 relative, far below the one-ulp (1.1e-16) scale it judges.</summary>
public readonly record struct DoubleDouble(double Hi, double Lo)
{
    public static implicit operator DoubleDouble(double x) => new(x, 0);

    /// <summary>Rounded to the nearest double.</summary>
    public double Value => Hi + Lo;

    static readonly DoubleDouble Ln2 = new(0.6931471805599453, 2.3190468138462996e-17);

    // a + b exactly, when |a| ≥ |b|.
    static DoubleDouble QuickSum(double a, double b)
    {
        double s = a + b;
        return new(s, b - (s - a));
    }

    static DoubleDouble TwoSum(double a, double b)
    {
        double s = a + b, v = s - a;
        return new(s, (a - (s - v)) + (b - v));
    }

    public static DoubleDouble operator +(DoubleDouble a, DoubleDouble b)
    {
        if (!double.IsFinite(a.Hi + b.Hi)) return a.Hi + b.Hi;
        var s = TwoSum(a.Hi, b.Hi);
        var t = TwoSum(a.Lo, b.Lo);
        s = QuickSum(s.Hi, s.Lo + t.Hi);
        return QuickSum(s.Hi, s.Lo + t.Lo);
    }

    public static DoubleDouble operator -(DoubleDouble a) => new(-a.Hi, -a.Lo);
    public static DoubleDouble operator -(DoubleDouble a, DoubleDouble b) => a + -b;

    public static DoubleDouble operator *(DoubleDouble a, DoubleDouble b)
    {
        double p = a.Hi * b.Hi;
        if (!double.IsFinite(p)) return p;
        double e = Math.FusedMultiplyAdd(a.Hi, b.Hi, -p) + (a.Hi * b.Lo + a.Lo * b.Hi);
        return QuickSum(p, e);
    }

    public static DoubleDouble operator /(DoubleDouble a, DoubleDouble b)
    {
        double q1 = a.Hi / b.Hi;
        if (!double.IsFinite(q1) || q1 == 0) return q1;
        var r = a - b * q1;
        double q2 = r.Hi / b.Hi;
        r -= b * q2;
        return QuickSum(q1, q2) + r.Hi / b.Hi;
    }

    /// <summary>eˣ: x = k·ln 2 + r, e^r by its Taylor series at r/1024, squared ten times, then scaled by 2ᵏ.</summary>
    public static DoubleDouble Exp(DoubleDouble x)
    {
        if (x.Hi > 709.79) return double.PositiveInfinity;
        if (x.Hi < -745.2) return 0;
        double k = Math.Round(x.Hi / Ln2.Hi);
        var r = x - Ln2 * k;
        r = new(r.Hi / 1024, r.Lo / 1024);
        DoubleDouble term = 1, sum = 1;
        for (int n = 1; n <= 12; n++)
        {
            term = term * r / n;
            sum += term;
        }
        for (int i = 0; i < 10; i++) sum *= sum;
        return new(Math.ScaleB(sum.Hi, (int)k), Math.ScaleB(sum.Lo, (int)k));
    }

    /// <summary>ln x for x &gt; 0: two Newton steps y ← y + x·e^−y − 1 from the double logarithm.</summary>
    public static DoubleDouble Log(DoubleDouble x)
    {
        DoubleDouble y = Math.Log(x.Hi);
        for (int i = 0; i < 2; i++) y = y + x * Exp(-y) - 1;
        return y;
    }
}
