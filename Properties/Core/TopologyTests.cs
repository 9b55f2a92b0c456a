using Xunit;

namespace AutoDiff.Functional.Properties.Graph;

/// <summary><see cref="Topology"/> files nodes by id; a graph whose ids are far apart (nodes made long before the
/// rest, with many unrelated nodes in between) takes its sparse path and must give the same order as a dense one.</summary>
public class TopologyTests
{
    [Fact]
    public void Nodes_made_far_apart_are_sorted_and_linked_like_a_dense_graph()
    {
        var x = Node.Variable("x", Shape.Scalar);
        var old = x.Sin() * x;
        var filler = x;
        for (int k = 0; k < 400_000; k++) filler = Node.Constant(k); // ids between the old nodes and the new
        var y = x;
        for (int k = 0; k < 2_000; k++) y = (k % 2 == 0 ? y * old : y.Cos()) + x;
        var far = old.Exp();
        var output = y * far;

        var topo = Topology.Of([output, x]);
        var expected = Reachable(output).OrderBy(n => n.Id).ToArray();
        Assert.Equal(expected, topo.Order);
        for (int i = 0; i < topo.Order.Length; i++)
        {
            Assert.Equal(i, topo.IndexOf(topo.Order[i]));
            Assert.Equal([.. topo.Order[i].Inputs.Select(topo.IndexOf)], topo.InputsOf(i).ToArray());
        }
        Assert.Equal(-1, topo.IndexOf(filler));
        Assert.Equal(Math.Exp(Math.Sin(0.5) * 0.5), Evaluator.Evaluate(far, Bindings.Empty.Bind(x, 0.5)).ToScalar(), 1e-15);
    }

    /// <summary>The reachable nodes by an explicit search with a set, the obvious way.</summary>
    static HashSet<Node> Reachable(Node output)
    {
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance) { output };
        var stack = new Stack<Node>([output]);
        while (stack.TryPop(out var n))
            foreach (var input in n.Inputs)
                if (seen.Add(input)) stack.Push(input);
        return seen;
    }
}
