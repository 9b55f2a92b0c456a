using AutoDiff.Functional;
using AutoDiff.Functional.Testing;
using Xunit;

namespace KitConsumer;

public class LeakyReluTests
{
    static double Slope(double v) => v > 0 ? 1 : 0.1;

    // The row with its kink declared: the laws' differences stay off 0, and the Derivative law checks the rule there.
    static readonly OpEntry Leaky = OpEntry.Unary("LeakyRelu", Domain.Any, x => x.LeakyRelu(), v => Slope(v) * v, Slope, _ => 0) with { Kinks = [0] };

    [Fact]
    public void Every_law_holds_with_the_kink_declared()
    {
        var skipped = Laws.CheckAll(Leaky);
        Assert.Contains(skipped, s => s.Law == "Adjoint");   // both modes share one derivative graph: the Derivative law checks it
    }

    [Fact]
    public void Undeclared_the_kink_is_named_with_the_domain_to_use()
    {
        var e = Assert.Throws<LawViolated>(() => Laws.Check(Leaky with { Kinks = [] }, Laws.Forward, cases: 300));   // a case holds a 0 one time in 18
        Assert.Contains("looks not smooth at 0 (a kink)", e.Message);
        Assert.Contains("Domain.NonZero", e.Message);
    }
}
