using AutoDiff.Functional.Properties.Ops;
using AutoDiff.Functional.Properties.Support;
using Xunit;

namespace AutoDiff.Functional.Properties.Graph;

/// <summary>Graphs are values: evaluating twice gives the same bits, and building derived graphs (gradients, JVPs,
/// second derivatives, new nodes on top) never changes an existing node's op, inputs, shape or value.
/// Checked on every row of the op table.</summary>
public class PurityTests
{
    /// <summary>Everything observable about a graph: each node's op, inputs (by reference), shape and id, and the
    /// bits of its value.</summary>
    sealed record Snapshot(Node[] Nodes, Op[] Ops, Node[][] Inputs, Shape[] Shapes, long[] Ids, long[][] Values)
    {
        public static Snapshot Of(Node output, Bindings b)
        {
            var nodes = Topology.Of([output]).Order;
            return new(nodes, [.. nodes.Select(n => n.Op)], [.. nodes.Select(n => n.Inputs.ToArray())],
                [.. nodes.Select(n => n.Shape)], [.. nodes.Select(n => n.Id)], [.. Evaluator.Evaluate(nodes, b).Select(PurityTests.Bits)]);
        }

        public void AssertSame(Snapshot later)
        {
            Laws.Require(Nodes.Length == later.Nodes.Length, () => $"the graph had {Nodes.Length} nodes, now {later.Nodes.Length}");
            for (int i = 0; i < Nodes.Length; i++)
            {
                var n = Nodes[i];
                Laws.Require(ReferenceEquals(n, later.Nodes[i]) && ReferenceEquals(Ops[i], later.Ops[i])
                    && Inputs[i].SequenceEqual(later.Inputs[i], ReferenceEqualityComparer.Instance)
                    && Shapes[i] == later.Shapes[i] && Ids[i] == later.Ids[i], () => $"node {n} changed");
                Laws.Require(Values[i].SequenceEqual(later.Values[i]), () => $"the value of node {n} changed");
            }
        }
    }

    static long[] Bits(Tensor t) => t.DType == DType.Int32 ? [.. t.Ints.ToArray().Select(i => (long)i)]
        : [.. t.Values.ToArray().Select(BitConverter.DoubleToInt64Bits)];

    [Theory, MemberData(nameof(OpLaws.DifferentiableRows), MemberType = typeof(OpLaws))]
    public void Evaluating_twice_gives_identical_bits(string row) => OpLaws.Holds(row, c =>
    {
        var g = c.Instantiate();
        var gradient = Reverse.Vjp([g.Output], [Node.Constant(Numerics.Random(c.Rng(), g.Output.Shape))], g.Variables);
        var first = Evaluator.Evaluate([g.Output, .. gradient], g.Bind()).Select(Bits).ToArray();
        var second = Evaluator.Evaluate([g.Output, .. gradient], g.Bind()).Select(Bits).ToArray();
        Laws.Require(first.Select((f, i) => f.SequenceEqual(second[i])).All(same => same), () => "two evaluations differ");
    });

    [Theory, MemberData(nameof(OpLaws.DifferentiableRows), MemberType = typeof(OpLaws))]
    public void Derived_graphs_never_change_existing_nodes(string row) => OpLaws.Holds(row, c =>
    {
        var g = c.Instantiate();
        var b = g.Bind();
        var before = Snapshot.Of(g.Output, b);
        var rng = c.Rng();
        var u = Node.Constant(Numerics.Random(rng, g.Output.Shape));
        var gradient = Reverse.Vjp([g.Output], [u], g.Variables);
        var tangents = g.Variables.Select(v => Node.Constant(Numerics.Random(rng, v.Shape))).ToArray();
        var jvp = ForwardMode.Jvp([g.Output], [.. g.Variables.Zip(tangents)]);
        var hvp = ForwardMode.Jvp(gradient, [.. g.Variables.Zip(tangents)]);
        var onTop = (g.Output.Sin() * g.Output + 1.0).Sum();
        var gradOnTop = Reverse.Grad(onTop, g.Variables);
        Evaluator.Evaluate([.. gradient, .. jvp, .. hvp, onTop, .. gradOnTop], b);
        before.AssertSame(Snapshot.Of(g.Output, b));
    });

    [Fact]
    public void Binding_never_changes_the_bound_tensor_or_earlier_bindings()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        var values = new[] { 1.0, 2.0, 3.0 };
        var t = Tensor.Vector(values);
        values[0] = 99; // Vector copies
        var b1 = Bindings.Empty.Bind(x, t);
        var b2 = b1.Rebind(x, Tensor.Vector(4, 5, 6));
        AD.Grad(x.Square().Sum(), b2, x);
        Assert.Equal([1.0, 2.0, 3.0], b1[x].Values.ToArray());
        Assert.Equal([4.0, 5.0, 6.0], b2[x].Values.ToArray());
        Assert.False(Bindings.Empty.Contains(x));
    }
}
