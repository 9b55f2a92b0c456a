namespace AutoDiff.Functional.Plans;

/// <summary>An op whose node holds, first, what a node of <see cref="Prefix"/> on the same inputs holds, and more (a
/// loop that also records its carries for its reverse pass). A plan holding both runs only this one.</summary>
internal interface IExtends
{
    /// <summary>The op whose value this one's begins with, or null when there is none.</summary>
    Op? Prefix { get; }
}

/// <summary>A plan's first phase: the same op (by <see cref="object.Equals(object)"/>) on the same inputs is computed
/// once, and an op that an <see cref="IExtends"/> node on the same inputs extends is read from that node.</summary>
static class CommonSubexpressions
{
    /// <summary>The distinct nodes of <paramref name="graph"/> in its order, their inputs given by position among
    /// them, and for each node of <paramref name="graph"/> the position of the distinct node that stands for it.</summary>
    /// <exception cref="BindingException">Two different variables share a name.</exception>
    public static (Topology Distinct, int[] PositionOf) Merge(Topology graph)
    {
        var order = graph.Order;
        var positionOf = new int[order.Length];
        var kept = new List<Node>(order.Length);
        var start = new List<int>(order.Length + 1) { 0 };
        var inputs = new List<int>();
        var seen = new Dictionary<Key, int>();
        var names = new Dictionary<string, Node>();
        var extenders = Extenders(graph);
        int Keep(Node node, ReadOnlySpan<int> ins, Key key)
        {
            seen.TryAdd(key, kept.Count);
            kept.Add(node);
            foreach (var k in ins) inputs.Add(positionOf[k]);
            start.Add(inputs.Count);
            return kept.Count - 1;
        }
        for (int i = 0; i < order.Length; i++)
        {
            var node = order[i];
            var ins = graph.InputsOf(i);
            var key = Key.Of(node.Op, ins, positionOf);
            if (node.Op is Variable v) CheckName(names, v, node);
            else if (seen.TryGetValue(key, out var same) && kept[same].Shape == node.Shape)
            {
                positionOf[i] = same;
                continue;
            }
            else if (extenders.TryGetValue(Key.Of(node.Op, ins, null), out var e))
            {
                // The extender runs here (its inputs are this node's), and this node's value is its first elements.
                var wider = order[e];
                if (!seen.TryGetValue(Key.Of(wider.Op, ins, positionOf), out var at)) at = Keep(wider, ins, Key.Of(wider.Op, ins, positionOf));
                var prefix = Node.Apply(new Output(0, 0, node.Shape), wider);
                positionOf[i] = kept.Count;
                kept.Add(prefix);
                inputs.Add(at);
                start.Add(inputs.Count);
                continue;
            }
            positionOf[i] = Keep(node, ins, key);
        }
        return (new Topology([.. kept], [.. start], [.. inputs]), positionOf);
    }

    /// <summary>The nodes of <paramref name="graph"/> that extend another op, by that op and their inputs' positions.</summary>
    static Dictionary<Key, int> Extenders(Topology graph)
    {
        var extenders = new Dictionary<Key, int>();
        for (int i = 0; i < graph.Order.Length; i++)
            if (graph.Order[i].Op is IExtends { Prefix: { } prefix })
                extenders.TryAdd(Key.Of(prefix, graph.InputsOf(i), null), i);
        return extenders;
    }

    /// <summary>Variables are never merged, and a run binds them by name: two of one name would be ambiguous.</summary>
    static void CheckName(Dictionary<string, Node> names, Variable v, Node node)
    {
        if (names.TryGetValue(v.Name, out var other) && !ReferenceEquals(other, node))
            throw new BindingException($"two different variables are named '{v.Name}' ({other.Shape} and {node.Shape})");
        names[v.Name] = node;
    }

    /// <summary>An op and its merged inputs: the first two inline (most ops have one or two), any more in an array.</summary>
    readonly record struct Key(Op Op, int Count, int First, int Second, int[]? More)
    {
        /// <summary>The key of <paramref name="op"/> on the inputs <paramref name="ins"/>, as merged positions by
        /// <paramref name="positionOf"/> or, when it is null, as positions in the graph.</summary>
        public static Key Of(Op op, ReadOnlySpan<int> ins, int[]? positionOf)
        {
            int At(int k) => positionOf is null ? k : positionOf[k];
            return new(op, ins.Length, ins.Length > 0 ? At(ins[0]) : -1, ins.Length > 1 ? At(ins[1]) : -1,
                ins.Length > 2 ? [.. ins[2..].ToArray().Select(At)] : null);
        }

        public bool Equals(Key other) => Count == other.Count && First == other.First && Second == other.Second &&
            (More is null ? other.More is null : other.More is not null && More.AsSpan().SequenceEqual(other.More)) && Op.Equals(other.Op);

        public override int GetHashCode() => HashCode.Combine(Op, Count, First, Second);
    }
}
