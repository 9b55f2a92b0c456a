using AutoDiff.Functional.Properties.Support;
using FsCheck.Fluent;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>The laws are only worth something if they fail on broken rules: run them on test-only ops with a
/// deliberately wrong VJP or JVP, and on the same op with correct rules.</summary>
public class LawSanityTests
{
    static OpEntry Row(Fault fault) => new($"FaultySin({fault})", typeof(FaultySin),
        Gen.Choose(0, 2).SelectMany(r => Gen.ArrayOf(Gen.Choose(1, 6), r)), true,
        d => [new Input(Shape.Of(d), Domain.Any)], (x, _, _) => Node.Apply(new FaultySin(fault), x[0]));

    static void Fails(Fault fault, Action<OpCase> law)
    {
        var e = Assert.ThrowsAny<Exception>(() => OpLaws.Holds(Row(fault), law));
        Assert.Contains($"FaultySin({fault})", e.Message); // the counterexample names the row
    }

    [Fact] public void Reverse_law_catches_a_wrong_VJP() => Fails(Fault.WrongVjp, Laws.Reverse);
    [Fact] public void Forward_law_catches_a_wrong_JVP() => Fails(Fault.WrongJvp, Laws.Forward);
    [Fact] public void Batch_law_catches_a_wrong_batching_rule() => Fails(Fault.WrongBatch, Laws.Batch);
    [Fact]
    public void Adjoint_law_catches_a_VJP_wrong_by_1e_8_that_differences_cannot_see()
    {
        Fails(Fault.SlightlyWrongVjp, Laws.Adjoint);
        OpLaws.Holds(Row(Fault.SlightlyWrongVjp), Laws.Reverse); // below the finite-difference tolerance
    }
    /// <summary>In x ⊙ sin(x) the faulty op stays in the gradient graph, so forward-over-reverse differentiates it by
    /// its wrong JVP, while reverse-over-reverse and the differences of the gradient do not.</summary>
    [Fact]
    public void Second_order_law_catches_a_wrong_JVP_inside_the_gradient_graph()
    {
        var row = Row(Fault.WrongJvp) with { Build = (x, _, _) => x[0] * Node.Apply(new FaultySin(Fault.WrongJvp), x[0]) };
        var e = Assert.ThrowsAny<Exception>(() => OpLaws.Holds(row, Laws.SecondOrder));
        Assert.Contains("forward-over-reverse", e.Message);
    }

    [Fact]
    public void Every_law_holds_for_the_correct_rules()
    {
        foreach (var law in new Action<OpCase>[] { Laws.Shape, Laws.Forward, Laws.Reverse, Laws.Adjoint, Laws.SecondOrder, Laws.Batch })
            OpLaws.Holds(Row(Fault.None), law);
    }
}
