using AutoDiff.Functional.Properties.Ops;
using AutoDiff.Functional.Properties.Support;
using Xunit;

namespace AutoDiff.Functional.Properties.Graph;

/// <summary>Every law of the op table, on random straight-line programs with shared subexpressions (see
/// <see cref="Programs"/>): the interpreters must order, accumulate and skip correctly on any DAG.</summary>
public class RandomProgramTests
{
    public static TheoryData<string> LawNames => new(["value", "forward", "reverse", "adjoint", "second order", "topology"]);

    [Theory, MemberData(nameof(LawNames))]
    public void Laws_hold_on_random_programs(string law) => OpLaws.Holds(Programs.Arbitrary, law switch
    {
        "value" => Functional.Testing.Laws.Value,
        "forward" => Functional.Testing.Laws.Forward,
        "reverse" => Functional.Testing.Laws.Reverse,
        "adjoint" => AdjointWhereItChecks,
        "second order" => Functional.Testing.Laws.SecondOrder,
        _ => TopologyLaw,
    });

    /// <summary>The adjoint law, except on a program that is one element-wise op of a variable: its modes share one
    /// derivative graph, so the identity would compare a number with itself (the op's Derivative law checks it).</summary>
    static void AdjointWhereItChecks(OpCase c)
    {
        if (Functional.Testing.Laws.NotApplicable(Functional.Testing.Laws.Adjoint, c) is null) Functional.Testing.Laws.Adjoint(c);
    }

    /// <summary><see cref="Topology"/> lists exactly the nodes reachable from the output (found here by an explicit
    /// stack), each once, every node after its inputs.</summary>
    static void TopologyLaw(OpCase c)
    {
        var output = c.Instantiate().Output;
        var reachable = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node>([output]);
        while (stack.TryPop(out var n))
            if (reachable.Add(n)) foreach (var i in n.Inputs) stack.Push(i);
        var order = Topology.Of([output]).Order;
        Functional.Testing.Laws.Require(order.Length == reachable.Count && order.All(reachable.Contains), () => $"{order.Length} nodes in order, {reachable.Count} reachable");
        var position = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (int k = 0; k < order.Length; k++) position[order[k]] = k;
        foreach (var n in order)
            foreach (var i in n.Inputs)
                Functional.Testing.Laws.Require(position[i] < position[n], () => $"{i} comes after {n}, which reads it");
    }
}
