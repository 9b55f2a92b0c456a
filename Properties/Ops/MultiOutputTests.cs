using System.Collections.Immutable;
using AutoDiff.Functional.Ops;
using AutoDiff.Functional.Properties.Support;
using AutoDiff.Functional.Testing;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

using LoopCounter = AutoDiff.Functional.Ops.LoopCounter;

/// <summary>The contract of ops with several results: the laws hold for correct per-result rules and catch a rule that
/// misorders or drops a result's cotangent or tangent; a result no one differentiates reaches the rule as a symbolic
/// zero; a loop of several carries runs once.</summary>
public class MultiOutputTests
{
    public enum Fault { None, SwappedCotangents, DroppedCotangent, SwappedTangents }

    /// <summary>(sin x, cos x), element-wise, with its rules written per result, and a planted fault.</summary>
    sealed record SinCos(Fault Fault) : MultiOp
    {
        public override int Arity => 1;
        public override Shape[] InferShapes(ReadOnlySpan<Shape> x) => [x[0], x[0]];

        public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
        {
            int n = x[0].Shape.Size;
            for (int i = 0; i < n; i++) (y[i], y[n + i]) = (Math.Sin(x[0][i]), Math.Cos(x[0][i]));
        }

        public override Node?[] Jvp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> t)
        {
            if (t[0] is not { } dx) return [null, null];
            Node dsin = y[1] * dx, dcos = -(y[0] * dx);
            return Fault == Fault.SwappedTangents ? [dcos, dsin] : [dsin, dcos];
        }

        public override Node?[] Vjp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> ct, ReadOnlySpan<bool> needed)
        {
            var (a, b) = Fault == Fault.SwappedCotangents ? (ct[1], ct[0]) : (ct[0], ct[1]);
            if (Fault == Fault.DroppedCotangent) b = null;
            Node? sum = null;
            if (a is not null) sum = a * y[1];
            if (b is not null) sum = sum is null ? -(b * y[0]) : sum - b * y[0];
            return [sum];
        }
    }

    static readonly Gen<int[]> AnyRank = Gen.Choose(0, 2).SelectMany(r => Gen.ArrayOf(Gen.Choose(1, 5), r));

    /// <summary>A row reading both results unequally (3 sin x + cos² x), so a swap or a drop changes the derivative.</summary>
    static OpEntry Row(Fault fault) => new($"SinCos({fault}): 3 sin x + cos² x", typeof(SinCos), AnyRank, true,
        d => [new Input(Shape.Of(d), Domain.Any)],
        (x, _, _) => { var r = Node.ApplyMulti(new SinCos(fault), x[0]); return r[0] * 3.0 + r[1].Square(); })
    {
        Reference = (x, _, _) => [.. x[0].Select(v => 3 * Math.Sin(v) + Math.Cos(v) * Math.Cos(v))],
        Derivative = v => [3 * Math.Cos(v[0]) - 2 * Math.Cos(v[0]) * Math.Sin(v[0])],
        SecondDerivative = v => [-3 * Math.Sin(v[0]) - 2 * Math.Cos(2 * v[0])],
    };

    [Fact]
    public void Every_law_holds_for_correct_per_result_rules()
    {
        foreach (var law in new Action<OpCase>[] { Laws.Shape, Laws.Forward, Laws.Reverse, Laws.Adjoint, Laws.Derivative, Laws.SecondOrder, Laws.SecondDerivative, Laws.Value, Laws.Float32 })
            OpLaws.Holds(Row(Fault.None), law);
    }

    [Fact]
    public void Reverse_laws_catch_swapped_cotangents()
    {
        Assert.Throws<LawViolated>(() => OpLaws.Holds(Row(Fault.SwappedCotangents), Laws.Reverse));
        Assert.Throws<LawViolated>(() => OpLaws.Holds(Row(Fault.SwappedCotangents), Laws.Derivative));
    }

    [Fact]
    public void Reverse_laws_catch_a_dropped_cotangent()
    {
        Assert.Throws<LawViolated>(() => OpLaws.Holds(Row(Fault.DroppedCotangent), Laws.Reverse));
        Assert.Throws<LawViolated>(() => OpLaws.Holds(Row(Fault.DroppedCotangent), Laws.Adjoint));
    }

    [Fact]
    public void Forward_laws_catch_swapped_tangents()
    {
        Assert.Throws<LawViolated>(() => OpLaws.Holds(Row(Fault.SwappedTangents), Laws.Forward));
        Assert.Throws<LawViolated>(() => OpLaws.Holds(Row(Fault.SwappedTangents), Laws.Adjoint));
    }

    /// <summary>Records the cotangents its rule receives, to see the symbolic zeros.</summary>
    sealed record Recording(List<bool[]> Seen) : MultiOp
    {
        public override int Arity => 1;
        public override Shape[] InferShapes(ReadOnlySpan<Shape> x) => [x[0], x[0], x[0]];
        public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
        {
            int n = x[0].Shape.Size;
            for (int r = 0; r < 3; r++) x[0].Values.CopyTo(y.AsSpan(r * n));
        }
        public override Node?[] Jvp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> t) => [t[0], t[0], t[0]];
        public override Node?[] Vjp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> ct, ReadOnlySpan<bool> needed)
        {
            Seen.Add([.. ct.ToArray().Select(c => c is not null)]);
            return [AddN.Sum([.. ct.ToArray().OfType<Node>()])];
        }
    }

    [Fact]
    public void A_result_no_one_differentiates_reaches_the_rule_as_a_symbolic_zero()
    {
        var seen = new List<bool[]>();
        var x = Node.Variable("x", Shape.Vector(3));
        var r = Node.ApplyMulti(new Recording(seen), x);
        var g = Reverse.Grad((r[0] * 2.0 + r[2] * 5.0).Sum(), [x])[0];
        Assert.Equal([true, false, true], Assert.Single(seen));
        Assert.Equal([7.0, 7.0, 7.0], Evaluator.Evaluate(g, Bindings.Empty.Bind(x, Tensor.Vector(1, 2, 3))).Values.ToArray());
    }

    [Fact]
    public void A_result_read_twice_gets_its_cotangents_summed_once()
    {
        var seen = new List<bool[]>();
        var x = Node.Variable("x", Shape.Vector(2));
        var r = Node.ApplyMulti(new Recording(seen), x);
        var g = Reverse.Grad((r[1] * 2.0 + r[1].Square()).Sum(), [x])[0];
        Assert.Equal([false, true, false], Assert.Single(seen));
        // d/dx (2x + x²) = 2 + 2x
        Assert.Equal([4.0, 8.0], Evaluator.Evaluate(g, Bindings.Empty.Bind(x, Tensor.Vector(1, 3))).Values.ToArray());
    }

    [Fact]
    public void A_loop_of_two_carries_runs_once_for_both()
    {
        var x = Node.Variable("x", Shape.Scalar);
        var r = Loop.Repeat(10, [x, Node.Constant(0.0)], c => [c[0] * 0.5 + 1, c[1] + c[0]]);
        var counter = LoopCounter.Start();
        try
        {
            var values = Evaluator.Evaluate([r[0], r[1]], Bindings.Empty.Bind(x, 3.0));
            Assert.Equal(10, counter.BodyRuns);
            // c₀ → 2 + (x − 2)/2ᵏ; the running sum of c₀ … c₉.
            double c = 3, sum = 0;
            for (int k = 0; k < 10; k++) { sum += c; c = c * 0.5 + 1; }
            Assert.Equal(c, values[0].ToScalar());
            Assert.Equal(sum, values[1].ToScalar());
            var plan = Plan.Compile([r[0], r[1]]);
            counter.BodyRuns = 0;
            plan.Run(Bindings.Empty.Bind(x, 3.0));
            Assert.Equal(10, counter.BodyRuns);
        }
        finally { LoopCounter.Stop(); }
    }
}
