namespace AutoDiff.Functional;

/// <summary>Topological order of the nodes reachable from some outputs. A node's <see cref="Node.Id"/> is larger
/// than its inputs', so ascending id is a topological order: a walk with an explicit stack (no recursion) files each
/// node it reaches under its id, and reading the files back in id order sorts them without comparisons.</summary>
public sealed class Topology
{
    /// <summary>Every reachable node, inputs before the nodes that use them (ascending id).</summary>
    public Node[] Order { get; }
    readonly long[] ids;
    readonly int[] inputStart, inputPositions; // node i's inputs sit at inputPositions[inputStart[i]..inputStart[i+1]]

    Topology(Node[] order)
    {
        Order = order;
        ids = new long[order.Length];
        for (int i = 0; i < order.Length; i++) ids[i] = order[i].Id;
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
        long maxId = 0;
        foreach (var o in outputs) maxId = Math.Max(maxId, (o ?? throw new ArgumentNullException(nameof(outputs))).Id);
        var reached = new Reached(maxId);
        var stack = new Stack<Node>();
        foreach (var o in outputs)
            if (reached.Add(o)) stack.Push(o);
        while (stack.TryPop(out var node))
            foreach (var input in node.Inputs)
                if (reached.Add(input)) stack.Push(input);
        return new Topology(reached.InIdOrder());
    }

    /// <summary>The nodes reached, filed by maxId − Id in pages made as the walk gets there: as fast as an array
    /// indexed by id where a graph's ids are dense (built in one go), and proportional to the graph, not to its id
    /// range, where they are not (a variable made long before the rest).</summary>
    sealed class Reached(long maxId)
    {
        const int PageBits = 9, PageSize = 1 << PageBits;
        readonly Dictionary<long, Node?[]> pages = [];
        long lastKey = -1;
        Node?[] lastPage = [];
        int count;

        /// <summary>Files <paramref name="node"/>; false if it was there already.</summary>
        public bool Add(Node node)
        {
            long offset = maxId - node.Id, key = offset >> PageBits;
            if (key != lastKey)
            {
                if (!pages.TryGetValue(key, out var page)) pages.Add(key, page = new Node?[PageSize]);
                (lastKey, lastPage) = (key, page);
            }
            ref var slot = ref lastPage[(int)(offset & (PageSize - 1))];
            if (slot is not null) return false; // ids are unique, so an occupied slot holds this node
            slot = node;
            count++;
            return true;
        }

        /// <summary>The nodes in ascending id, i.e. descending offset.</summary>
        public Node[] InIdOrder()
        {
            var keys = pages.Keys.ToArray();
            Array.Sort(keys);
            var order = new Node[count];
            int n = 0;
            for (int p = keys.Length - 1; p >= 0; p--)
            {
                var page = pages[keys[p]];
                for (int i = PageSize - 1; i >= 0; i--)
                    if (page[i] is { } node) order[n++] = node;
            }
            return order;
        }
    }
}
