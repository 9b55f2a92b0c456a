using MathNet.Numerics;

namespace AutoDiff.Functional.Ops;

/// <summary>The error function erf x = 2/√π ∫₀ˣ e^(−t²) dt; derivative 2/√π·e^(−x²).</summary>
/// <remarks>On |x| &lt; 1 our own polynomial, within 1.5u (u = 2⁻⁵³ relative); beyond, MathNet's value (Boost's
/// rational approximations of erfc, then 1 − erfc). MathNet's 1 − erfc on [0.5, 1) lost up to 3.5u where erfc is near ½
/// (−0.5649684711747325 at x = −0.551975080743432, true −0.56496847117473231).</remarks>
internal sealed record Erf : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Math.Abs(x[i]) < 1 ? Small(x[i]) : SpecialFunctions.Erf(x[i]);
    }

    // 2/√π as a sum of two doubles: its rounding alone would be 1.3u of erf near 1.
    const double TwoOverRootPiHigh = 1.1283791670955126, TwoOverRootPiLow = 1.533545961316588e-17;

    /// <summary>erf x = x·(2/√π + t·Q(t)), t = x², for |x| &lt; 1: Q a degree-11 fit of (erf √t/√t − 2/√π)/t at
    /// Chebyshev points of [0, 1] (error 5e-19), and the constant's sum kept to twice a double's precision.</summary>
    static double Small(double x)
    {
        double t = x * x;
        double q = -0.37612638903183754 + t * (0.11283791670955111 + t * (-0.026866170645123838 + t * (0.005223977625303518
            + t * (-0.0008548327010033328 + t * (0.00012055332214716276 + t * (-1.4925622504489842e-05 + t * (1.6461446656928561e-06
            + t * (-1.6355118610877705e-07 + t * (1.4692484859133263e-08 + t * (-1.1500357159785296e-09 + t * 6.174097221305255e-11))))))))));
        double p = t * q;
        double s = TwoOverRootPiHigh + p;
        double low = (TwoOverRootPiHigh - s) + p + TwoOverRootPiLow;
        return Math.FusedMultiplyAdd(x, s, x * low);
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => 2 / Math.Sqrt(Math.PI) * (-x.Square()).Exp();
}
