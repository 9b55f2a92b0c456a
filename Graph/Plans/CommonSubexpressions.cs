namespace AutoDiff.Functional.Plans;

/// <summary>A plan's first phase: the same op (by <see cref="object.Equals(object)"/>) on the same inputs is computed
/// once.</summary>
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
            positionOf[i] = kept.Count;
            seen.TryAdd(key, kept.Count);
            kept.Add(node);
            foreach (var k in ins) inputs.Add(positionOf[k]);
            start.Add(inputs.Count);
        }
        return (new Topology([.. kept], [.. start], [.. inputs]), positionOf);
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
        public static Key Of(Op op, ReadOnlySpan<int> ins, int[] positionOf) => new(op, ins.Length,
            ins.Length > 0 ? positionOf[ins[0]] : -1, ins.Length > 1 ? positionOf[ins[1]] : -1,
            ins.Length > 2 ? [.. ins[2..].ToArray().Select(k => positionOf[k])] : null);

        public bool Equals(Key other) => Count == other.Count && First == other.First && Second == other.Second &&
            (More is null ? other.More is null : other.More is not null && More.AsSpan().SequenceEqual(other.More)) && Op.Equals(other.Op);

        public override int GetHashCode() => HashCode.Combine(Op, Count, First, Second);
    }
}
