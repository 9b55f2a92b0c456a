namespace AutoDiff.Functional.Plans;

/// <summary>The graph a plan runs: the distinct nodes (after <see cref="CommonSubexpressions"/>), with the facts every
/// later phase asks of a node, computed once: its kind, its readers, whether it is an output.</summary>
sealed class PlanGraph
{
    /// <summary>The distinct nodes, inputs before the nodes that read them.</summary>
    public Topology Nodes { get; }
    /// <summary>The outputs' positions, in the caller's order.</summary>
    public int[] Outputs { get; }
    public OpKind[] Kind { get; }
    public bool[] IsOutput { get; }
    /// <summary>For each node, the positions of the nodes that read it (once per reading input).</summary>
    public int[][] Readers { get; }

    public PlanGraph(Topology distinct, int[] outputs)
    {
        (Nodes, Outputs) = (distinct, outputs);
        Kind = [.. distinct.Order.Select(Plan.KindOf)];
        IsOutput = new bool[Count];
        foreach (var p in outputs) IsOutput[p] = true;
        var readers = new List<int>[Count];
        for (int p = 0; p < Count; p++)
            foreach (var k in InputsOf(p)) (readers[k] ??= []).Add(p);
        Readers = [.. readers.Select(r => r?.ToArray() ?? [])];
    }

    public int Count => Nodes.Order.Length;
    public Node this[int p] => Nodes.Order[p];
    public ReadOnlySpan<int> InputsOf(int p) => Nodes.InputsOf(p);
    /// <summary>Elements in node <paramref name="p"/>'s value.</summary>
    public int Size(int p) => Nodes.Order[p].Shape.Size;
}
