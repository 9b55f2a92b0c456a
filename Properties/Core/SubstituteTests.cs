using AutoDiff.Functional.Properties.Ops;
using AutoDiff.Functional.Properties.Support;
using Xunit;
using static AutoDiff.Functional.Graph;

namespace AutoDiff.Functional.Properties.Graph;

/// <summary><see cref="Functional.Graph.Substitute(Node, IReadOnlyList{ValueTuple{Node, Node}})"/> composes graphs:
/// on random programs (see <see cref="Programs"/>) the substituted graph evaluates as the original does with the
/// variable bound to the replacement's value, differentiates as the chain rule says, rebuilds only the nodes that
/// read the variable and leaves the original alone.</summary>
public class SubstituteTests
{
    /// <summary>A random program f(x₀ … xₙ₋₁), one of its variables xₖ, and the replacement r = w ⊙ cos(xₖ) on a
    /// fresh variable w: the replacement reads xₖ itself, which must stay xₖ (the replacement is not rewritten).</summary>
    sealed record Composition(Instance F, int K, Node W, Tensor WValue, Node R, Node Substituted)
    {
        public static Composition Of(OpCase c)
        {
            var f = c.Instantiate();
            var rng = c.Rng();
            int k = rng.Next(f.Variables.Length);
            var xk = f.Variables[k];
            var w = Node.Variable("w", xk.Shape);
            var r = w * xk.Cos();
            return new(f, k, w, Numerics.Random(rng, xk.Shape), r, Substitute(f.Output, [(xk, r)]));
        }

        public Node Xk => F.Variables[K];
        public Bindings At => F.Bind().Bind(W, WValue);
        /// <summary>The original's bindings with xₖ bound to r's value: the reference for the substituted graph.</summary>
        public Bindings AtReplacementValue => F.Bind().Rebind(Xk, Evaluator.Evaluate(R, At));
    }

    static long[] Bits(Tensor t) => [.. t.Values.ToArray().Select(BitConverter.DoubleToInt64Bits)];

    [Fact]
    public void Substituted_program_evaluates_as_the_original_at_the_replacement_value() => OpLaws.Holds(Programs.Arbitrary, c =>
    {
        var s = Composition.Of(c);
        var substituted = Evaluator.Evaluate(s.Substituted, s.At);
        var reference = Evaluator.Evaluate(s.F.Output, s.AtReplacementValue);
        // The same ops on the same numbers: equal to the bit.
        Laws.Require(Bits(substituted).SequenceEqual(Bits(reference)), () => $"substituted {substituted}, reference {reference}");
    });

    /// <summary>For L = sum(f(x[k ↦ w ⊙ cos xₖ])), the chain rule with ∇f from the original graph at the replacement's
    /// value: ∂L/∂w = g ⊙ cos xₖ, ∂L/∂xₖ = −g ⊙ w ⊙ sin xₖ (g = ∂sum f/∂xₖ there), ∂L/∂xᵢ = ∂sum f/∂xᵢ otherwise;
    /// and the finite-difference check on the substituted graph.</summary>
    [Fact]
    public void Gradients_through_a_substituted_program_follow_the_chain_rule_and_finite_differences() => OpLaws.Holds(Programs.Arbitrary, c =>
    {
        var s = Composition.Of(c);
        var variables = s.F.Variables;
        var loss = s.Substituted.Sum();
        var gradients = AD.Grad(loss, s.At, [s.W, .. variables]);

        var outer = AD.Grad(s.F.Output.Sum(), s.AtReplacementValue, variables);
        double[] g = outer[s.K].Values.ToArray(), xk = s.F.Values[s.K].Values.ToArray(), w = s.WValue.Values.ToArray();
        double[][] expected =
        [
            [.. g.Select((gi, i) => gi * Math.Cos(xk[i]))],
            .. variables.Select((_, i) => i == s.K
                ? g.Select((gi, j) => -gi * w[j] * Math.Sin(xk[j])).ToArray()
                : outer[i].Values.ToArray()),
        ];
        for (int v = 0; v < expected.Length; v++)
        {
            var actual = gradients[v].Values.ToArray();
            double scale = Math.Max(1, Math.Max(Numerics.MaxAbs(actual), Numerics.MaxAbs(expected[v])));
            double error = actual.Zip(expected[v], (a, e) => Math.Abs(a - e)).DefaultIfEmpty().Max();
            Laws.Require(error <= 1e-12 * scale, () => $"gradient {v} (0 is w): error {error:E2}, scale {scale:E2}");
        }

        var check = GradCheck.Check(loss, s.At, [s.W, .. variables]);
        Laws.Require(check.Passed, check.ToString);
    });

    /// <summary>Exactly the nodes of f that depend on xₖ (found here by a sweep of their own) are rebuilt, one new node
    /// each except xₖ itself; every other node of f is reused by reference; f's graph is unchanged.</summary>
    [Fact]
    public void Only_nodes_that_read_the_variable_are_rebuilt_and_the_original_is_unchanged() => OpLaws.Holds(Programs.Arbitrary, c =>
    {
        var f = c.Instantiate();
        var before = Topology.Of([f.Output]).Order;
        var inputsBefore = before.Select(n => n.Inputs.ToArray()).ToArray();
        var bitsBefore = Bits(f.Evaluate());

        var rng = c.Rng();
        var xk = f.Variables[rng.Next(f.Variables.Length)];
        var w = Node.Variable("w", xk.Shape);
        var r = w * xk.Cos();
        var substituted = Substitute(f.Output, [(xk, r)]);

        var dependent = new HashSet<Node>(ReferenceEqualityComparer.Instance) { xk };
        foreach (var n in before)
            if (n.Inputs.Any(dependent.Contains)) dependent.Add(n);
        var original = new HashSet<Node>(before, ReferenceEqualityComparer.Instance);
        var replacement = new HashSet<Node>(Topology.Of([r]).Order, ReferenceEqualityComparer.Instance);
        var after = Topology.Of([substituted]).Order;
        var created = after.Where(n => !original.Contains(n) && !replacement.Contains(n)).ToArray();

        bool used = original.Contains(xk);
        Laws.Require(used || ReferenceEquals(substituted, f.Output), () => "xₖ is not used, yet the output was rebuilt");
        Laws.Require(created.Length == (used ? dependent.Count - 1 : 0), () => $"{created.Length} new nodes, {dependent.Count - 1} depend on xₖ");
        Laws.Require(before.Where(n => !dependent.Contains(n)).All(after.Contains), () => "a node that does not read xₖ was not reused");
        Laws.Require(after.All(n => !dependent.Contains(n) || ReferenceEquals(n, xk)), () => "a node that reads xₖ was reused");

        var now = Topology.Of([f.Output]).Order;
        Laws.Require(now.SequenceEqual(before) && now.Select((n, i) => n.Inputs.SequenceEqual(inputsBefore[i])).All(same => same),
            () => "the original graph changed");
        Laws.Require(Bits(f.Evaluate()).SequenceEqual(bitsBefore), () => "the original's value changed");
    });

    [Fact]
    public void Untouched_subgraphs_are_the_same_nodes()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        var y = Node.Variable("y", Shape.Vector(3));
        var onlyY = y.Exp().Sum();
        var readsX = (x.Sin() * y).Sum();
        var f = readsX + onlyY;

        var g = Substitute(f, [(x, Node.Variable("z", Shape.Vector(3)))]);

        Assert.NotSame(f, g);
        Assert.NotSame(readsX, g.Inputs[0]);
        Assert.Same(onlyY, g.Inputs[1]);
        Assert.Same(y, g.Inputs[0].Inputs[0].Inputs[1]);   // sum(sin z · y): y itself
        Assert.Same(f, Substitute(f, [(Node.Variable("unused", Shape.Scalar), Node.Constant(1.0))]));
        Assert.Same(f, Substitute(f, []));
    }

    [Fact]
    public void Replacement_of_another_shape_names_the_variable_and_both_shapes()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        var e = Assert.Throws<ShapeException>(() => Substitute(x.Sum(), [(x, Node.Variable("z", Shape.Vector(4)))]));
        Assert.Equal("Substitute: variable 'x' has shape (3) but its replacement has shape (4)", e.Message);
    }

    [Fact]
    public void Only_variables_can_be_replaced_and_each_once()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        var sin = x.Sin();
        var notVariable = Assert.Throws<ArgumentException>(() => Substitute(sin.Sum(), [(sin, x)]));
        Assert.Equal("Substitute: can only replace variables, not Sin(3)", notVariable.Message);
        var twice = Assert.Throws<ArgumentException>(() => Substitute(sin.Sum(), [(x, x.Cos()), (x, x)]));
        Assert.Equal("Substitute: variable 'x' is listed twice", twice.Message);
    }
}

/// <summary>The substitution is a loop, not a recursion: a chain a million nodes deep is rebuilt node by node.</summary>
[Collection(nameof(RunsAlone))]
public class SubstituteDeepChainTests
{
    [Fact]
    public void Million_deep_chain_is_substituted_without_recursion()
    {
        var x = Node.Variable("x", Shape.Scalar);
        var z = Node.Variable("z", Shape.Scalar);
        var c = Node.Constant(0.9);
        var y = x;
        for (int k = 0; k < DeepChainTests.Depth; k++) y = (k % 3) switch { 0 => y.Sin(), 1 => y * c, _ => y + x };

        var substituted = Substitute(y, [(x, 0.5 * z)]);

        double value = Evaluator.Evaluate(substituted, Bindings.Empty.Bind(z, 1.25)).ToScalar();
        double reference = Evaluator.Evaluate(y, Bindings.Empty.Bind(x, 0.5 * 1.25)).ToScalar();
        Assert.Equal(BitConverter.DoubleToInt64Bits(reference), BitConverter.DoubleToInt64Bits(value));
        Assert.Equal(DeepChainTests.Depth + 4, Topology.Of([substituted]).Order.Length);   // + z, 0.5, 0.5·z, c
    }
}
