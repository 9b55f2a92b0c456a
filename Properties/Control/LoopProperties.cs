using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace AutoDiff.Functional.Properties.Control;

/// <summary>A random loop: a body composed of <see cref="Pieces"/> over a vector carry c and a parameter p read from
/// outside, a trip count, a checkpointing policy, and the values of c₀, p and an output weight w.</summary>
public sealed record LoopCase(int[] Pieces, int Steps, int Policy, double[] C0, double[] P, double[] W)
{
    /// <inheritdoc/>
    public override string ToString() => $"pieces [{string.Join(", ", Pieces)}], {Steps} steps, policy {Policy}, " +
        $"c₀ [{Show(C0)}], p [{Show(P)}], w [{Show(W)}]";
    static string Show(double[] v) => string.Join(", ", v.Select(e => e.ToString("G4", CultureInfo.InvariantCulture)));
}

/// <summary>The issue's loop properties: a loop equals its unrolled graph, values bit for bit and derivatives (both
/// modes, and second order) to 1e-13, over random bodies, trip counts and checkpointing policies.</summary>
public class LoopProperties
{
    /// <summary>Bounded, smooth steps: the carry stays moderate whatever the trip count.</summary>
    static readonly Func<Node, Node, Node>[] Pieces =
    [
        (c, p) => c.Sin() * p + c * 0.5,
        (c, p) => c.Tanh() + p,
        (c, p) => (c.Square() + 1).Log() - p * c * 0.25,
        (c, p) => c.Cos() * 0.9 + p.Sigmoid(),
    ];

    static readonly Checkpointing[] Policies = [Checkpointing.StoreAll, Checkpointing.Sqrt, Checkpointing.Binomial(1), Checkpointing.Binomial(3)];

    static Gen<double> Value => Gen.Choose(-1000, 1000).Select(i => i / 500.0);

    static readonly Arbitrary<LoopCase> Cases = (
        from d in Gen.Choose(1, 4)
        from length in Gen.Choose(1, 3)
        from pieces in Gen.ArrayOf(Gen.Choose(0, Pieces.Length - 1), length)
        from steps in Gen.Choose(0, 9)
        from policy in Gen.Choose(0, Policies.Length - 1)
        from c0 in Gen.ArrayOf(Value, d)
        from p in Gen.ArrayOf(Value, d)
        from w in Gen.ArrayOf(Value, d)
        select new LoopCase(pieces, steps, policy, c0, p, w)).ToArbitrary();

    static Node Body(LoopCase k, Node c, Node p) => k.Pieces.Aggregate(c, (carry, piece) => Pieces[piece](carry, p));

    [Fact]
    public void A_loop_equals_its_unrolled_graph() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll(Cases, k =>
    {
        var shape = Shape.Vector(k.C0.Length);
        var (c0, p) = (Node.Variable("c0", shape), Node.Variable("p", shape));
        var w = Node.Constant(Tensor.Vector(k.W));
        var looped = (Loop.Repeat(k.Steps, c0, c => Body(k, c, p), Policies[k.Policy]) * w).Sum();
        var unrolled = c0;
        for (int i = 0; i < k.Steps; i++) unrolled = Body(k, unrolled, p);
        unrolled = (unrolled * w).Sum();

        var at = Bindings.Empty.Bind(c0, Tensor.Vector(k.C0)).Bind(p, Tensor.Vector(k.P));
        Assert.Equal(Evaluator.Evaluate(unrolled, at).ToScalar(), Evaluator.Evaluate(looped, at).ToScalar());
        Close(AD.Grad(unrolled, at, c0, p), AD.Grad(looped, at, c0, p), 1e-13);
        var t = (c0, Tensor.Vector([.. k.W.Reverse()]));
        Close(AD.Jvp([unrolled], at, t).Tangents, AD.Jvp([looped], at, t).Tangents, 1e-13);
        var v = (p, Tensor.Vector(k.C0));
        Close(AD.Hvp(unrolled, at, v), AD.Hvp(looped, at, v), 1e-12);
    }));

    [Fact]
    public void A_scan_equals_the_stacked_unrolled_carries() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(50), Prop.ForAll(Cases, k =>
    {
        var shape = Shape.Vector(k.C0.Length);
        var (c0, p) = (Node.Variable("c0", shape), Node.Variable("p", shape));
        var at = Bindings.Empty.Bind(c0, Tensor.Vector(k.C0)).Bind(p, Tensor.Vector(k.P));
        var scan = Loop.Scan(k.Steps, c0, c => Body(k, c, p), Policies[k.Policy]);
        var values = Evaluator.Evaluate(scan, at);
        var c = c0;
        var weights = new List<double>();
        Node? unrolled = null;
        for (int i = 0; i < k.Steps; i++)
        {
            c = Body(k, c, p);
            Assert.Equal(Evaluator.Evaluate(c, at).Values.ToArray(), values.Values.Slice(i * k.C0.Length, k.C0.Length).ToArray());
            var term = (c * Node.Constant(Tensor.Vector([.. k.W.Select(e => e * (i + 1))]))).Sum();
            unrolled = unrolled is null ? term : unrolled + term;
        }
        if (unrolled is null) return;
        var stackedWeights = Node.Constant(Tensor.FromColumnMajor(scan.Shape,
            [.. Enumerable.Range(0, k.Steps).SelectMany(i => k.W.Select(e => e * (i + 1)))]));
        var looped = (scan * stackedWeights).Sum();
        Close(AD.Grad(unrolled, at, c0, p), AD.Grad(looped, at, c0, p), 1e-13);
    }));

    static void Close(Tensor[] expected, Tensor[] actual, double tolerance)
    {
        for (int i = 0; i < expected.Length; i++)
            for (int j = 0; j < expected[i].Shape.Size; j++)
                Assert.True(Math.Abs(expected[i][j] - actual[i][j]) <= tolerance * Math.Max(1, Math.Abs(expected[i][j])),
                    $"block {i} element {j}: unrolled {expected[i][j]:R}, loop {actual[i][j]:R}");
    }
}
