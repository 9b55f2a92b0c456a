using AutoDiff.Functional.Properties.Support;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>The laws are only worth something if they fail on broken rules: run them on test-only ops with a
/// deliberately wrong rule, and on the same ops with correct rules. Each planted fault names the law that must catch it
/// (and, where it matters, the law that cannot).</summary>
public class LawSanityTests
{
    static readonly Gen<int[]> AnyRank = Gen.Choose(0, 2).SelectMany(r => Gen.ArrayOf(Gen.Choose(1, 6), r));

    static OpEntry Row(Fault fault) => new($"FaultySin({fault})", typeof(FaultySin), AnyRank, true,
        d => [new Input(Shape.Of(d), Domain.Any)], (x, _, _) => Node.Apply(new FaultySin(fault), x[0]))
    { Derivative = v => [Math.Cos(v[0])], SecondDerivative = v => [-Math.Sin(v[0])] };

    /// <summary>An element-wise test op as a row with its f′ and f″ written from the maths.</summary>
    static OpEntry Unary(string name, Op op, Domain domain, Func<double, double> f, Func<double, double> d1, Func<double, double> d2) =>
        new(name, op.GetType(), AnyRank, true, d => [new Input(Shape.Of(d), domain)], (x, _, _) => Node.Apply(op, x[0]))
        { Reference = (x, _, _) => [.. x[0].Select(f)], Derivative = v => [d1(v[0])], SecondDerivative = v => [d2(v[0])] };

    static void Fails(Fault fault, Action<OpCase> law) => Fails(Row(fault), law);

    static LawViolated Fails(OpEntry row, Action<OpCase> law, int cases = 100)
    {
        var e = Assert.Throws<LawViolated>(() => OpLaws.Holds(row, law, cases));
        Assert.Contains(row.Name, e.Message); // the counterexample names the row
        return e;
    }

    [Fact] public void Reverse_law_catches_a_wrong_VJP() => Fails(Fault.WrongVjp, Laws.Reverse);
    [Fact] public void Forward_law_catches_a_wrong_JVP() => Fails(Fault.WrongJvp, Laws.Forward);
    [Fact] public void Batch_law_catches_a_wrong_batching_rule() => Fails(Fault.WrongBatch, Laws.Batch);

    /// <summary>A VJP wrong by 1e-8 relative: the adjoint identity sees it, and so do the Richardson differences (the
    /// former plain differences at 1e-6 let it through).</summary>
    [Fact]
    public void Adjoint_and_reverse_laws_catch_a_VJP_wrong_by_1e_8()
    {
        Fails(Fault.SlightlyWrongVjp, Laws.Adjoint);
        Fails(Fault.SlightlyWrongVjp, Laws.Reverse);
        Fails(Fault.SlightlyWrongVjp, Laws.Derivative);
    }

    /// <summary>In x ⊙ sin(x) the faulty op stays in the gradient graph, so forward-over-reverse differentiates it by
    /// its wrong JVP, while reverse-over-reverse and the differences of the gradient do not.</summary>
    [Fact]
    public void Second_order_law_catches_a_wrong_JVP_inside_the_gradient_graph()
    {
        var row = Row(Fault.WrongJvp) with { Build = (x, _, _) => x[0] * Node.Apply(new FaultySin(Fault.WrongJvp), x[0]) };
        var e = Fails(row, Laws.SecondOrder);
        Assert.Contains("forward-over-reverse", e.Message);
    }

    [Fact]
    public void Every_law_holds_for_the_correct_rules()
    {
        foreach (var law in new Action<OpCase>[] { Laws.Shape, Laws.Forward, Laws.Reverse, Laws.Adjoint, Laws.Derivative, Laws.SecondOrder, Laws.SecondDerivative, Laws.Batch })
            OpLaws.Holds(Row(Fault.None), law);
    }

    /// <summary>Softmax of two zeros has H·w = 0 exactly (σ″(0) = 0), and its two second-order modes round to ~1e-17
    /// apart: the law's scale at x = 0 takes its length from w, so rounding there is not a failure (a managed-BLAS CI
    /// run once failed this row at x = [0, 0]).</summary>
    [Fact]
    public void Second_order_law_accepts_rounding_where_the_Hessian_vanishes_at_zero()
    {
        var row = OpTable.Named("Softmax(0) of a vector");
        for (int seed = 0; seed < 300; seed++)
            Laws.SecondOrder(new OpCase(row, [2 + seed % 5], 0, [new double[2 + seed % 5]], seed));
    }

    /// <summary>½(σ(−x) + σ(x)) = ½ everywhere: its gradient ½(σ′(x) − σ′(−x))·u and its H·w are zero by cancellation,
    /// and the two second-order modes round apart on terms of the size of σ″·u·w that neither H·w nor the gradient shows
    /// (a managed-BLAS CI run once failed a random program holding it: 0 against 2.2e-19).</summary>
    [Fact]
    public void Second_order_law_accepts_rounding_where_the_Hessian_is_zero_by_cancellation()
    {
        var row = new OpEntry("½(σ(−x) + σ(x))", typeof(Functional.Ops.Sigmoid), AnyRank, false,
            d => [new Input(Shape.Of(d), Domain.Any)], (x, _, _) => ((-x[0]).Sigmoid() + x[0].Sigmoid()) * 0.5);
        OpLaws.Holds(row, Laws.SecondOrder, 300);
        var program = Programs.Row(1, [new(3, 0, 0), new(3, 0, 0), new(6, 2, 1), new(3, 3, 0), new(4, 2, 0), new(5, 3, 0), new(4, 0, 0), new(3, 7, 0), new(6, 8, 1)]);
        Laws.SecondOrder(new OpCase(program, [], 0, [[1]], 2118789659)); // the case CI found, as shrunk
    }

    // ── the planted rules of issue 23, each caught

    static OpEntry Exp(double error) => Unary($"Exp′×(1 + {error:G2})", new SharedFaultyExp(error), Domain.Any, Math.Exp, Math.Exp, Math.Exp);

    /// <summary>Exp′ × (1 + 1e-9): within the old 1e-6 of finite differences; the Richardson laws (1e-10) and the
    /// independent f′ (1e-12) both see it.</summary>
    [Fact]
    public void A_derivative_off_by_1e_9_relative_fails_the_difference_and_derivative_laws()
    {
        Fails(Exp(1e-9), Laws.Forward);
        Fails(Exp(1e-9), Laws.Reverse);
        Fails(Exp(1e-9), Laws.Derivative);
    }

    /// <summary>One wrong derivative graph shared by the JVP and the VJP: the adjoint identity holds by construction, so
    /// it passes that law; the independent f′ and the differences catch it.</summary>
    [Fact]
    public void A_wrong_rule_shared_by_both_modes_passes_the_adjoint_law_and_fails_the_derivative_law()
    {
        OpLaws.Holds(Exp(1e-3), Laws.Adjoint);
        Fails(Exp(1e-3), Laws.Derivative);
        Fails(Exp(1e-3), Laws.Forward);
    }

    /// <summary>LogSigmoid′ = −σ(−x) (the sign flipped) on [−30, 30]: the error 2σ(−x) is 4e-9 at x = 20, below the
    /// former floor of 1e-6; relative to the terms it is 200%.</summary>
    [Fact]
    public void A_sign_error_where_the_derivative_is_tiny_fails()
    {
        var far = new Domain("20 to 30", 20, 30);
        var row = Unary("LogSigmoid′ with its sign flipped", new SignFlippedLogSigmoid(), far,
            v => -Math.Log(1 + Math.Exp(-v)), v => Analytic.Sigmoid(-v), v => -Analytic.SigmoidPrime(v));
        var e = Fails(row, Laws.Derivative);
        Assert.Contains("relative error 2", e.Message);
        Fails(row, Laws.Reverse);
    }

    /// <summary>x² with an exact first derivative whose own derivative is 2(1 + 1e-7): both second-order modes share
    /// the wrong rule and agree; the analytic f″ and the Richardson differences of the gradient catch it.</summary>
    [Fact]
    public void A_self_consistent_wrong_second_derivative_fails_the_second_derivative_laws()
    {
        var row = Unary("x² with f″ = 2(1 + 1e-7)", new SelfConsistentSquare(), Domain.Any, v => v * v, v => 2 * v, _ => 2);
        OpLaws.Holds(row, Laws.Derivative); // the first derivative is right
        Fails(row, Laws.SecondDerivative);
        var e = Fails(row, Laws.SecondOrder);
        Assert.Contains("differences of the gradient", e.Message);
    }

    /// <summary>A matrix product whose VJP is wrong only when the inner dimension is above 64: invisible at dimensions
    /// 1–6, caught once the dimensions reach 60–70 (<see cref="Shapes.WithLarge"/>).</summary>
    [Fact]
    public void A_rule_wrong_only_at_large_dimensions_fails_with_large_dimensions()
    {
        OpEntry Product(Gen<int[]> dims) => new("TiledMatMul", typeof(TiledMatMul), dims, false,
            d => [new Input(Shape.Matrix(d[0], d[1]), Domain.Any), new Input(Shape.Matrix(d[1], d[2]), Domain.Any)],
            (x, _, _) => Node.Apply(new TiledMatMul(), x[0], x[1]));
        OpLaws.Holds(Product(Shapes.Fixed(3)), Laws.Reverse);
        // A case reaches the fault when WithLarge makes the inner dimension the large one and above 64: 1/4 · 1/3 · 6/11
        // ≈ 4.5% of cases, so 100 cases miss it about 1% of the time; 600 miss it with probability 0.955⁶⁰⁰ ≈ 1e-12.
        Fails(Product(Shapes.WithLarge(3)), Laws.Reverse, cases: 600);
        Fails(Product(Shapes.WithLarge(3)), Laws.Adjoint, cases: 600);
    }

    /// <summary>A product summed in float32 a term at a time is not its float64 value rounded once: the float32 law
    /// fails it unless the op states the bound of its accumulation, k·(|A|·|B|), as sgemm's products do.</summary>
    [Fact]
    public void The_float32_law_counts_the_roundings_of_a_product_summed_in_float32_only_when_stated()
    {
        OpEntry Product(Op op) => new(op.GetType().Name, op.GetType(), Gen.Constant(new[] { 3, 300, 2 }), false,
            d => [new Input(Shape.Matrix(d[0], d[1]), Domain.Any), new Input(Shape.Matrix(d[1], d[2]), Domain.Any)],
            (x, _, _) => Node.Apply(op, x[0], x[1]));
        var e = Fails(Product(new FloatSumProduct()), Laws.Float32, cases: 20);
        Assert.Contains("float32", e.Message);
        OpLaws.Holds(Product(new CountedFloatSumProduct()), Laws.Float32, 20);
    }

    /// <summary>The rule Expm1 had, y + 1: below x ≈ −37 it gives 0 for eˣ, and from x ≈ −10 it keeps few digits.
    /// Differences cannot see it (eˣ − 1 ≈ −1 there, so their round-off ε/h exceeds eˣ); the independent f′ can.</summary>
    [Fact]
    public void The_old_Expm1_rule_fails_the_derivative_law_far_out()
    {
        var row = Unary("Expm1 with the rule y + 1", new OldExpm1(), new Domain("−700 to 2", -700, 2), v => Math.Exp(v) - 1, Math.Exp, Math.Exp);
        var e = Fails(row, Laws.Derivative);
        Assert.Contains("the row's f′ gives", e.Message);
    }
}
