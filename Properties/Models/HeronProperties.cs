using System.Globalization;
using AutoDiff.Functional.Models;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>An input x = 10^(<see cref="Exponent"/>/10⁶), log-uniform over [10⁻⁴, 10⁴].</summary>
public sealed record HeronInput(int Exponent)
{
    public double X => Math.Pow(10, Exponent / 1e6);
    public override string ToString() => $"x = {X.ToString("R", CultureInfo.InvariantCulture)}";
}

/// <summary>An input and a small, unconverged number of steps.</summary>
public sealed record HeronSteps(HeronInput Input, int N)
{
    public double X => Input.X;
    public override string ToString() => $"{Input}, N = {N}";
}

/// <summary>Generators and shrinkers for Heron's method: exponents shrink towards x = 1, step counts towards 1.</summary>
public static class HeronArbitraries
{
    static readonly Gen<HeronInput> InputGen = Gen.Choose(-4_000_000, 4_000_000).Select(e => new HeronInput(e));

    static IEnumerable<HeronInput> ShrinkInput(HeronInput i)
    {
        if (i.Exponent == 0) yield break;
        yield return new(0);
        int rounded = (int)Math.Round(i.Exponent / 1e6) * 1_000_000;
        if (rounded != i.Exponent) yield return new(rounded);
        if (i.Exponent / 2 != i.Exponent) yield return new(i.Exponent / 2);
    }

    public static Arbitrary<HeronInput> Input() => Arb.From(InputGen, ShrinkInput);

    public static Arbitrary<HeronSteps> Steps() => Arb.From(
        from input in InputGen from n in Gen.Choose(1, 6) select new HeronSteps(input, n),
        s => (s.N > 1 ? [s with { N = s.N - 1 }] : Array.Empty<HeronSteps>())
            .Concat(ShrinkInput(s.Input).Select(i => s with { Input = i })));
}

/// <summary>Seed 004, problem 2: the derivative of Heron's √x through the loop, by forward and reverse mode, for a
/// fixed N and with the adaptive rule, and by implicit differentiation of the fixed point.</summary>
[Properties(Arbitrary = [typeof(HeronArbitraries)], MaxTest = 100)]
public class HeronProperties
{
    static readonly double Epsilon = Math.BitIncrement(1.0) - 1.0;

    static double Rel(double a, double b) => Math.Abs(a - b) / Math.Max(Math.Abs(a), Math.Abs(b));

    static double Iterate(double x, int n) => HeronReference.Iterate(x, n);
    static double TotalDerivative(double x, int n) => HeronReference.TotalDerivative(x, n);

    [Property]
    public Property Converged_derivative_is_one_over_two_root_x(HeronInput input)
    {
        double x = input.X, exact = 0.5 / Math.Sqrt(x);
        var forward = Heron.ForwardAdaptive(x);
        var reverse = Heron.ReverseAdaptive(x);
        double ef = Rel(forward.Derivative, exact), er = Rel(reverse.Derivative, exact);
        double ev = Rel(forward.Value, Math.Sqrt(x));
        return (ef <= 1e-12 && er <= 1e-12 && ev <= 4 * Epsilon && forward.Steps == reverse.Steps)
            .Label($"N = {forward.Steps}: forward {ef:E2}, reverse {er:E2}, value {ev:E2}");
    }

    [Property]
    public Property Implicit_derivative_matches_the_loop_derivatives_after_convergence(HeronInput input)
    {
        double x = input.X, exact = 0.5 / Math.Sqrt(x);
        var implicitD = Heron.ImplicitDerivative(x);
        var forward = Heron.ForwardAdaptive(x);
        var reverse = Heron.ReverseAdaptive(x);
        double ei = Rel(implicitD.Derivative, exact), ef = Rel(implicitD.Derivative, forward.Derivative),
               er = Rel(implicitD.Derivative, reverse.Derivative);
        return (ei <= 1e-12 && ef <= 1e-12 && er <= 1e-12)
            .Label($"implicit vs 1/(2√x) {ei:E2}, vs forward {ef:E2}, vs reverse {er:E2}");
    }

    [Property]
    public Property Residual_partials_are_two_y_and_minus_one(HeronInput input)
    {
        double y = input.X;   // any point: F(y, x) = y² − x has ∂F/∂y = 2y, ∂F/∂x = −1 everywhere
        var (dFdy, dFdx) = Heron.ResidualPartials(y, 3.0);
        return (dFdy == 2 * y && dFdx == -1).Label($"∂F/∂y = {dFdy}, ∂F/∂x = {dFdx}");
    }

    [Property]
    public Property Few_steps_forward_and_reverse_match_each_other_the_total_derivative_and_finite_differences(HeronSteps s)
    {
        double x = s.X;
        var forward = Heron.Forward(x, s.N);
        var reverse = Heron.Reverse(x, s.N);
        double total = TotalDerivative(x, s.N);

        double h = GradCheck.Step(x);
        double xp = x + h, xm = x - h;
        double fd = (Iterate(xp, s.N) - Iterate(xm, s.N)) / (xp - xm);
        // Truncation error grows as x shrinks (y_N varies on the scale of y_{N−1}² ≪ 1 while h stays ∛ε): ≈ 4e-6
        // relative at x = 1e-4, N = 6. The bound is GradCheck's: |d − fd| ≤ 1e-6 + 1e-5·|fd|.
        bool FdOk(double d) => Math.Abs(d - fd) <= 1e-6 + 1e-5 * Math.Abs(fd);

        double fr = Rel(forward.Derivative, reverse.Derivative), ft = Rel(forward.Derivative, total);
        bool valuesOk = forward.Value == Iterate(x, s.N) && reverse.Value == forward.Value;
        return (fr <= 1e-12 && ft <= 1e-12 && FdOk(forward.Derivative) && FdOk(reverse.Derivative) && valuesOk)
            .Label($"forward {forward.Derivative:R}, reverse {reverse.Derivative:R}, total derivative {total:R}, FD {fd:R}; " +
                   $"fwd−rev {fr:E2}, fwd−total {ft:E2}; values {forward.Value:R} {reverse.Value:R} {Iterate(x, s.N):R}");
    }

    [Property]
    public Property Adaptive_rule_stops_at_the_first_small_step(HeronInput input)
    {
        double x = input.X;
        var run = Heron.IterateAdaptive(x, 1e-10);
        double Step(int k) => Math.Abs(Iterate(x, k) - Iterate(x, k - 1)) / Math.Abs(Iterate(x, k));
        bool firstSmall = run.Converged && Step(run.Steps) <= 1e-10
            && Enumerable.Range(1, run.Steps - 1).All(k => Step(k) > 1e-10);
        return (firstSmall && run.Y == Iterate(x, run.Steps)).Label($"N = {run.Steps}, y = {run.Y:R}");
    }

    [Fact]
    public void Adaptive_rule_reports_when_the_step_limit_is_hit()
    {
        var run = Heron.IterateAdaptive(1e4, 1e-10, maxSteps: 3);
        Assert.False(run.Converged);
        Assert.Equal(3, run.Steps);
        Assert.Throws<InvalidOperationException>(() => Heron.ForwardAdaptive(1e4, 1e-10, maxSteps: 3));
    }

    [Fact]
    public void Inputs_outside_the_domain_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Heron.Iterate(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Heron.Forward(-1, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Heron.Reverse(double.NaN, 3));
    }

    static void LongChain(int n, double x)
    {
        double exact = 0.5 / Math.Sqrt(x);
        var forward = Heron.Forward(x, n);
        var reverse = Heron.Reverse(x, n);
        Assert.Equal(Iterate(x, n), forward.Value);
        Assert.True(Rel(forward.Derivative, exact) <= 1e-12, $"forward {forward.Derivative:R} vs {exact:R}");
        Assert.True(Rel(reverse.Derivative, exact) <= 1e-12, $"reverse {reverse.Derivative:R} vs {exact:R}");
    }

    [Fact]
    public void A_loop_of_100000_steps_unrolls_and_differentiates_both_ways() => LongChain(100_000, 2.0);

    [Fact]
    [Trait("Category", "Heavy")]
    public void A_loop_of_1000000_steps_unrolls_and_differentiates_both_ways() => LongChain(1_000_000, 7.0);
}
