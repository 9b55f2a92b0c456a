namespace AutoDiff.Functional;

/// <summary>Topological order of the nodes reachable from some outputs. A node's <see cref="Node.Id"/> is larger
/// than its inputs', so visiting nodes in decreasing id from a heap yields the reverse order, with each node's
/// repeats adjacent: no recursion, no visited set, and a heap only as large as the graph's frontier.</summary>
public sealed class Topology
{
    /// <summary>Every reachable node, inputs before the nodes that use them (ascending id).</summary>
    public Node[] Order { get; }
    readonly long[] ids;
    readonly int[] inputStart, inputPositions; // node i's inputs sit at inputPositions[inputStart[i]..inputStart[i+1]]

    Topology(Node[] order)
    {
        Order = order;
        ids = [.. order.Select(n => n.Id)];
        inputStart = new int[order.Length + 1];
        for (int i = 0; i < order.Length; i++) inputStart[i + 1] = inputStart[i] + order[i].Inputs.Length;
        inputPositions = new int[inputStart[^1]];
        for (int i = 0, e = 0; i < order.Length; i++)
            foreach (var input in order[i].Inputs) inputPositions[e++] = IndexOfInput(input, i);
    }

    /// <summary>The positions in <see cref="Order"/> of the inputs of the node at <paramref name="position"/>.</summary>
    public ReadOnlySpan<int> InputsOf(int position) =>
        inputPositions.AsSpan(inputStart[position], inputStart[position + 1] - inputStart[position]);

    /// <summary>The position of <paramref name="node"/> in <see cref="Order"/>, or -1 if it is not reachable.</summary>
    public int IndexOf(Node node) => Found(node, Array.BinarySearch(ids, node.Id));

    // The position of an input of the node at `position`: searched backwards from there,
    // doubling the step, so the near inputs of long chains are found in a few cache-local steps.
    int IndexOfInput(Node input, int position)
    {
        long id = input.Id;
        int hi = position, step = 1;
        while (hi - step >= 0 && ids[hi - step] > id) { hi -= step; step *= 2; }
        int lo = Math.Max(0, hi - step);
        return Found(input, Array.BinarySearch(ids, lo, hi - lo, id));
    }

    int Found(Node node, int k) => k >= 0 && ReferenceEquals(Order[k], node) ? k : -1;

    /// <summary>Sorts the graph below <paramref name="outputs"/>.</summary>
    public static Topology Of(IReadOnlyList<Node> outputs)
    {
        var heap = new PriorityQueue<Node, long>();
        foreach (var o in outputs) heap.Enqueue(o ?? throw new ArgumentNullException(nameof(outputs)), -o.Id);
        var reversed = new List<Node>();
        long last = 0;
        while (heap.TryDequeue(out var node, out _))
        {
            if (node.Id == last) continue;
            last = node.Id;
            reversed.Add(node);
            foreach (var input in node.Inputs) heap.Enqueue(input, -input.Id);
        }
        reversed.Reverse();
        return new Topology([.. reversed]);
    }
}
