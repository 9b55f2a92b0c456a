namespace AutoDiff.Functional;

/// <summary>The batching transformation (JAX's <c>vmap</c>, for the graphs the Jacobians need): a graph evaluated at
/// k values of some variables at once, each variable replaced by a (size × k) matrix of its values, so a chain of
/// matrix–vector products becomes one of matrix–matrix products. One sweep in topological order; each op batches
/// itself by <see cref="Op.Batch"/>. Builds a graph, like <see cref="ForwardMode"/>.</summary>
internal static class Batching
{
    /// <summary>The outputs batched over <paramref name="batched"/> (each variable with its (size × k) replacement):
    /// an output is <c>null</c> where it does not depend on them. <c>null</c> altogether when an op on the way has no
    /// batching rule.</summary>
    public static Node?[]? Batch(IReadOnlyList<Node> outputs, IReadOnlyList<(Node Variable, Node Batch)> batched, int k) =>
        Batch(Topology.Of(outputs), outputs, batched, k, out _);

    /// <summary>As above; when an op has no rule, <paramref name="unbatchable"/> is the first node of it met.</summary>
    public static Node?[]? Batch(IReadOnlyList<Node> outputs, IReadOnlyList<(Node Variable, Node Batch)> batched, int k, out Node? unbatchable) =>
        Batch(Topology.Of(outputs), outputs, batched, k, out unbatchable);

    static Node?[]? Batch(Topology topo, IReadOnlyList<Node> outputs, IReadOnlyList<(Node Variable, Node Batch)> batched, int k, out Node? unbatchable)
    {
        unbatchable = null;
        var order = topo.Order;
        var batch = new Node?[order.Length];
        foreach (var (v, b) in batched)
            if (topo.IndexOf(v) is var i and >= 0) batch[i] = b;

        var inputBatches = new Node?[8];
        for (int i = 0; i < order.Length; i++)
        {
            var node = order[i];
            var inputs = topo.InputsOf(i);
            if (inputs.IsEmpty) continue;
            if (inputBatches.Length < inputs.Length) inputBatches = new Node?[inputs.Length];
            bool any = false;
            for (int j = 0; j < inputs.Length; j++) any |= (inputBatches[j] = batch[inputs[j]]) is not null;
            if (!any) continue;
            var result = node.Op.Batch(node.Inputs, node, inputBatches.AsSpan(0, inputs.Length), k);
            if (result is null) { unbatchable = node; return null; }
            if (result.Shape != Shape.Matrix(node.Shape.Size, k))
                throw new InvalidOperationException($"internal: batching rule of {node.Op} returned {result.Shape}, not ({node.Shape.Size}×{k})");
            batch[i] = result;
        }
        return [.. outputs.Select(o => batch[topo.IndexOf(o)])];
    }

    /// <summary>The members per run: enough columns for matrix products to run at speed, few enough that a batched
    /// value of the largest node that depends on the seeds stays near 8 MB.</summary>
    static int Width(Topology topo, Node[] seeds, int lines)
    {
        var depends = new bool[topo.Order.Length];
        int largest = 1;
        foreach (var s in seeds)
            if (topo.IndexOf(s) is var i and >= 0) depends[i] = true;
        for (int i = 0; i < depends.Length; i++)
        {
            foreach (var j in topo.InputsOf(i)) depends[i] |= depends[j];
            if (depends[i]) largest = Math.Max(largest, topo.Order[i].Shape.Size);
        }
        return Math.Min(lines, Math.Clamp((1 << 20) / largest, 1, 128));
    }

    /// <summary>A derivative graph linear in its <paramref name="seeds"/> (tangents or cotangents), batched so that one
    /// run pushes several unit seeds; unbatched, one unit seed a run, when there is one line or an op cannot batch.</summary>
    public static Derivation Lines(Node[] outputs, Node[] seeds)
    {
        var topo = Topology.Of(outputs);
        int lines = seeds.Sum(s => s.Shape.Size), k = Width(topo, seeds, lines);
        if (k > 1)
        {
            Node[] wide = [.. seeds.Select(s => Node.Variable(((Variable)s.Op).Name, Shape.Matrix(s.Shape.Size, k), s.DType))];
            if (Batch(topo, outputs, [.. seeds.Zip(wide)], k, out _) is { } batched)
                return new([.. batched.Select((b, i) => b ?? Node.Zeros(Shape.Matrix(outputs[i].Shape.Size, k), outputs[i].DType))], wide, k);
        }
        return new(outputs, seeds);
    }
}

/// <summary>A derivative graph with the variables that seed it (tangents, cotangents; none for a gradient) and how
/// many members each run carries (1 unless <see cref="Batching.Lines"/> batched it).</summary>
internal sealed record Derivation(Node[] Outputs, Node[] Seeds, int Batch = 1);
