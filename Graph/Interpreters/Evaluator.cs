namespace AutoDiff.Functional;

/// <summary>The forward interpreter: a fold over the topological order with an explicit environment.
/// Pure: all state is local to one call, so one graph can be evaluated from many threads at once.</summary>
public static class Evaluator
{
    /// <summary>The values of <paramref name="outputs"/> given <paramref name="bindings"/>.</summary>
    /// <exception cref="BindingException">A variable is unbound, or two variables share a name.</exception>
    public static Tensor[] Evaluate(IReadOnlyList<Node> outputs, Bindings bindings)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(bindings);
        var (topo, values) = Run(outputs, bindings, keepAll: false);
        return [.. outputs.Select(o => values[topo.IndexOf(o)]!)];
    }

    /// <summary>The value of one output.</summary>
    public static Tensor Evaluate(Node output, Bindings bindings) => Evaluate([output ?? throw new ArgumentNullException(nameof(output))], bindings)[0];

    /// <summary>Every node's value, for diagnostics (<see cref="FiniteCheck"/>); intermediates are kept.</summary>
    internal static (Topology Topology, Tensor[] Values) EvaluateAll(IReadOnlyList<Node> outputs, Bindings bindings)
    {
        var (topo, values) = Run(outputs, bindings, keepAll: true);
        return (topo, values.Select(v => v!).ToArray());
    }

    static (Topology, Tensor?[]) Run(IReadOnlyList<Node> outputs, Bindings bindings, bool keepAll)
    {
        var topo = Topology.Of(outputs);
        var order = topo.Order;
        // Reference counts let an intermediate go as soon as its last reader has run.
        var readers = new int[order.Length];
        for (int i = 0; i < order.Length; i++)
            foreach (var k in topo.InputsOf(i)) readers[k]++;
        foreach (var output in outputs) readers[topo.IndexOf(output)]++;

        var names = new Dictionary<string, Node>();
        var values = new Tensor?[order.Length];
        var args = new Tensor[8];
        for (int i = 0; i < order.Length; i++)
        {
            var node = order[i];
            if (node.Op is Variable v)
            {
                if (names.TryGetValue(v.Name, out var other) && !ReferenceEquals(other, node))
                    throw new BindingException($"two different variables are named '{v.Name}' ({other.Shape} and {node.Shape})");
                names[v.Name] = node;
                values[i] = bindings[node];
                continue;
            }
            if (node.Op is Constant c) { values[i] = c.Value; continue; }
            var inputs = topo.InputsOf(i);
            if (args.Length < inputs.Length) args = new Tensor[inputs.Length];
            for (int k = 0; k < inputs.Length; k++) args[k] = values[inputs[k]]!;
            values[i] = node.Compute(args.AsSpan(0, inputs.Length));
            foreach (var k in inputs)
                if (--readers[k] == 0 && !keepAll) values[k] = null;
        }
        return (topo, values);
    }
}
