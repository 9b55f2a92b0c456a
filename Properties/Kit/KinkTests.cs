using Xunit;

namespace AutoDiff.Functional.Properties.Kit;

/// <summary>The kit and non-smooth points. Softsign x/(1 + |x|), the case the issue met, is C¹ at 0 and curved on
/// both sides: the laws' Richardson differences there come with an error estimate of their own size, so the element is
/// left unchecked rather than failed, and softsign passes with or without its kink declared. A piecewise-linear corner
/// is different: a leaky relu (slope 1 right of 0, 0.1 left, the rule taking the left side at 0) has exact differences
/// on each side, so the central difference at 0 is the mean slope 0.55 with no error to see, and the laws fail a correct
/// rule. Undeclared, the kit says where and what to do; declared (<see cref="OpEntry.Kinks"/>), it passes every law; and
/// a genuinely wrong reverse rule is still reported by <see cref="Laws.CheckAll"/> beside the kink's complaint.</summary>
public class KinkTests
{
    // f′ = 1/(1 + |x|)², f″ = −2·sign(x)/(1 + |x|)³ (0 at the kink, the rules' convention: |x|′ = sign(x), 0 at 0).
    static double Value(double v) => v / (1 + Math.Abs(v));
    static double First(double v) => 1 / ((1 + Math.Abs(v)) * (1 + Math.Abs(v)));
    static double Second(double v) => -2 * Math.Sign(v) / Math.Pow(1 + Math.Abs(v), 3);
    static OpEntry Softsign(Func<Node, Node> f, string name = "Softsign") => OpEntry.Unary(name, Domain.Any, f, Value, First, Second);
    static Node Correct(Node x) => x / (1 + x.Abs());

    // Leaky relu: slope(x)·x, slope 1 for x > 0 and 0.1 otherwise; f′ = slope, f″ = 0.
    static double Slope(double v) => v > 0 ? 1 : 0.1;
    static Node Slope(Node x) => 0.1 + 0.9 * x.GreaterThan(0);   // a comparison is a constant to the derivative
    static Node Leaky(Node x) => Slope(x) * x;
    static OpEntry LeakyRelu(Func<Node, Node> f, string name = "LeakyRelu") =>
        OpEntry.Unary(name, Domain.Any, f, v => Slope(v) * v, Slope, _ => 0);

    // Its value and forward mode, and a reverse rule off by a factor ½.
    static readonly Func<Node[], Node> WrongReverse = CustomRule.Define("leaky relu with a wrong VJP", x => Leaky(x[0]),
        vjp: (x, y, ct) => [0.5 * ct * Slope(x[0])]);

    [Fact]
    public void Softsign_passes_every_law_with_or_without_its_kink_declared()
    {
        Assert.Equal(["Batch"], Laws.CheckAll(Softsign(Correct)).Select(s => s.Law));   // a composite row has no single op to batch
        Assert.Equal(["Batch"], Laws.CheckAll(Softsign(Correct) with { Kinks = [0] }).Select(s => s.Law));
    }

    [Fact]
    public void An_undeclared_kink_fails_with_advice_naming_the_point_and_the_domain()
    {
        var e = Assert.Throws<LawViolated>(() => Laws.Check(LeakyRelu(Leaky), Laws.Forward, cases: 300));   // a case holds a 0 one time in 18: 300 cases miss it with p ≈ 3e-8
        Assert.Contains("The disagreement vanishes when x0 element", e.Message);
        Assert.Contains("= 0 alone moves by ±0.01: LeakyRelu looks not smooth at 0 (a kink)", e.Message);
        Assert.Contains("Kinks = [0]", e.Message);
        Assert.Contains("Domain.NonZero", e.Message);
    }

    [Fact]
    public void A_declared_kink_passes_every_law() =>
        Assert.Equal(["Batch"], Laws.CheckAll(LeakyRelu(Leaky) with { Kinks = [0] }).Select(s => s.Law));

    [Fact]
    public void A_declared_kink_still_checks_the_rule_at_the_kink_against_f_prime()
    {
        // Right everywhere but at 0, where its derivative is 0.5 instead of 1: differences skip the declared kink, the
        // Derivative law does not.
        static Node HalfAtZero(Node x) => x / (1 + x.Abs()) - 0.5 * x.Sin() * x.Abs().LessThan(1e-300);
        var e = Assert.Throws<LawViolated>(() => Laws.Check(Softsign(HalfAtZero, "Softsign, wrong at 0") with { Kinks = [0] }, Laws.Derivative, cases: 300));
        Assert.Contains("the row's f′ gives", e.Message);
    }

    [Fact]
    public void CheckAll_reports_a_wrong_reverse_rule_beside_the_kinks_complaint()
    {
        var entry = LeakyRelu(x => WrongReverse([x]), "LeakyRelu, wrong VJP");
        var all = Assert.Throws<LawViolated>(() => Laws.CheckAll(entry, cases: 300));
        var failed = all.Failures.Select(f => f.Law).ToArray();
        Assert.Contains("Forward", failed);   // the kink, undeclared
        Assert.Contains("Reverse", failed);   // the wrong rule
        Assert.Contains("Derivative", failed);
        Assert.DoesNotContain("Value", failed);
        Assert.Contains("The disagreement vanishes", all.Failures.Single(f => f.Law == "Forward").Violation.Message);
        Assert.DoesNotContain("The disagreement vanishes", all.Failures.Single(f => f.Law == "Reverse").Violation.Message);
        Assert.StartsWith($"LeakyRelu, wrong VJP: {failed.Length} of {Laws.All.Count} laws failed (", all.Message);

        // Declared, the kink's complaint goes; the wrong rule stays.
        var declared = Assert.Throws<LawViolated>(() => Laws.CheckAll(entry with { Kinks = [0] }));
        var left = declared.Failures.Select(f => f.Law).ToArray();
        Assert.DoesNotContain("Forward", left);
        Assert.Contains("Reverse", left);
        Assert.Contains("Derivative", left);
    }
}
