namespace AutoDiff.Functional;

/// <summary>Transformations that rebuild a graph into another graph.</summary>
public static class Graph
{
    /// <summary>The <paramref name="outputs"/> with every listed variable replaced by its node: composition of graphs
    /// (f built on a variable x, then x ↦ g gives f ∘ g), as calling a traced function on other arguments does in JAX.
    /// The replacement is simultaneous and the replacement nodes are not rewritten themselves (x ↦ x + 1 yields
    /// f(x + 1)). Only nodes that read a replaced variable are rebuilt; every other node is reused, not copied, and
    /// the original graph is unchanged. Variables not reachable from the outputs are ignored.</summary>
    /// <exception cref="ArgumentException">A key is not a variable, or a variable is listed twice.</exception>
    /// <exception cref="ShapeException">A replacement's shape differs from its variable's.</exception>
    public static Node[] Substitute(IReadOnlyList<Node> outputs, IReadOnlyList<(Node Variable, Node Replacement)> replacements)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(replacements);
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        foreach (var (variable, replacement) in replacements)
        {
            ArgumentNullException.ThrowIfNull(variable, nameof(replacements));
            ArgumentNullException.ThrowIfNull(replacement, nameof(replacements));
            if (variable.Op is not Variable v) throw new ArgumentException($"Substitute: can only replace variables, not {variable}");
            if (!seen.Add(variable)) throw new ArgumentException($"Substitute: variable '{v.Name}' is listed twice");
            if (replacement.Shape != variable.Shape)
                throw new ShapeException($"Substitute: variable '{v.Name}' has shape {variable.Shape} but its replacement has shape {replacement.Shape}");
            if (replacement.DType != variable.DType)
                throw new ShapeException($"Substitute: variable '{v.Name}' holds {variable.DType.Name()} but its replacement {replacement} is {replacement.DType.Name()}");
        }

        return Rebuilt(outputs, replacements);
    }

    /// <summary>The outputs with every float variable retyped to <paramref name="type"/>: each replaced by a variable of
    /// the same name and shape (its twin), every float constant by its value in <paramref name="type"/> (rounded to
    /// nearest), and every node that reads one rebuilt, its op following its inputs' type (the rules' weak constants
    /// adapt; a cast to <paramref name="type"/> that no longer casts is dropped). The same model in float32, say. Int32
    /// data is left as it is, and its casts to a float type cast to <paramref name="type"/> instead.</summary>
    /// <returns>The rebuilt outputs and each retyped variable's twin (bind the twins to values of <paramref name="type"/>).</returns>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a float type.</exception>
    public static (Node[] Outputs, IReadOnlyDictionary<Node, Node> Twins) Retyped(IReadOnlyList<Node> outputs, DType type)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (!type.IsFloat()) throw new ArgumentException($"Retyped: variables are retyped to float64 or float32, not {type.Name()}", nameof(type));
        var twins = new Dictionary<Node, Node>(ReferenceEqualityComparer.Instance);
        var constants = new List<(Node, Node)>();
        foreach (var v in Topology.Of(outputs).Order)
            if (v.DType.IsFloat() && v.DType != type)
                if (v.Op is Variable variable) twins[v] = Node.Variable(variable.Name, v.Shape, type);
                else if (v.Op is Constant constant && !v.Weak) constants.Add((v, Node.Constant(constant.Value.To(type))));
                else if (v.Op is Cast && v.Inputs[0].Weak) constants.Add((v, v.Inputs[0]));   // a weak literal's cast: it adapts again
                else if (v.Op is Cast && v.Inputs[0].DType == DType.Int32) constants.Add((v, Node.Apply(new Cast(type), v.Inputs[0])));
        return (Rebuilt(outputs, [.. twins.Select(t => (t.Key, t.Value)), .. constants]), twins);
    }

    static Node[] Rebuilt(IReadOnlyList<Node> outputs, IReadOnlyList<(Node Variable, Node Replacement)> replacements)
    {
        // One sweep, inputs first: image[i] is what node i becomes; a node keeps itself unless an input's image changed.
        var topo = Topology.Of(outputs);
        var order = topo.Order;
        var image = new Node[order.Length];
        foreach (var (variable, replacement) in replacements)
            if (topo.IndexOf(variable) is var k and >= 0) image[k] = replacement;

        for (int i = 0; i < order.Length; i++)
        {
            var node = order[i];
            if (image[i] is not null) continue;
            var inputs = topo.InputsOf(i);
            Node[]? rebuilt = null;
            for (int k = 0; k < inputs.Length; k++)
            {
                var input = image[inputs[k]];
                if (rebuilt is null && ReferenceEquals(input, node.Inputs[k])) continue;
                rebuilt ??= [.. node.Inputs];
                rebuilt[k] = input;
            }
            image[i] = rebuilt is null ? node
                : node.Op is Cast cast && rebuilt[0].DType == cast.To ? rebuilt[0]   // retyped to what it cast to
                : Node.Apply(node.Op, rebuilt);
        }
        return [.. outputs.Select(o => image[topo.IndexOf(o)])];
    }

    /// <summary><see cref="Substitute(IReadOnlyList{Node}, IReadOnlyList{ValueTuple{Node, Node}})"/> for one output.</summary>
    public static Node Substitute(Node output, IReadOnlyList<(Node Variable, Node Replacement)> replacements) =>
        Substitute([output ?? throw new ArgumentNullException(nameof(output))], replacements)[0];
}
