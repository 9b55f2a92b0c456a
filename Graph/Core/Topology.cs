namespace AutoDiff.Functional;

/// <summary>Topological order of the nodes reachable from some outputs. A node's <see cref="Node.Id"/> is larger
/// than its inputs', so ascending id is a topological order: a walk with an explicit stack (no recursion) files each
/// node it reaches under its id, and reading the files back in id order sorts them without comparisons.</summary>
public sealed class Topology
{
    /// <summary>Every reachable node, inputs before the nodes that use them (ascending id).</summary>
    public Node[] Order { get; }
    readonly int[] inputStart, inputPositions; // node i's inputs sit at inputPositions[inputStart[i]..inputStart[i+1]]

    Topology(Node[] order, Reached reached)
    {
        Order = order;
        inputStart = new int[order.Length + 1];
        for (int i = 0; i < order.Length; i++) inputStart[i + 1] = inputStart[i] + order[i].Inputs.Length;
        inputPositions = new int[inputStart[^1]];
        for (int i = 0, e = 0; i < order.Length; i++)
            foreach (var input in order[i].Inputs) inputPositions[e++] = reached.PositionOf(input);
    }

    /// <summary>A graph already in topological order, its inputs given by position: node i's inputs sit at
    /// <paramref name="inputPositions"/>[<paramref name="inputStart"/>[i] .. <paramref name="inputStart"/>[i + 1]]. A
    /// plan's graph after merging is one (<see cref="Plan"/>).</summary>
    internal Topology(Node[] order, int[] inputStart, int[] inputPositions) =>
        (Order, this.inputStart, this.inputPositions) = (order, inputStart, inputPositions);

    /// <summary>The positions in <see cref="Order"/> of the inputs of the node at <paramref name="position"/>.</summary>
    public ReadOnlySpan<int> InputsOf(int position) =>
        inputPositions.AsSpan(inputStart[position], inputStart[position + 1] - inputStart[position]);

    /// <summary>The position of <paramref name="node"/> in <see cref="Order"/>, or -1 if it is not reachable.</summary>
    public int IndexOf(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        long id = node.Id;
        int lo = 0, hi = Order.Length - 1;
        while (lo <= hi)
        {
            int mid = lo + (hi - lo) / 2;
            long m = Order[mid].Id;
            if (m == id) return ReferenceEquals(Order[mid], node) ? mid : -1;
            if (m < id) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    /// <summary>Sorts the graph below <paramref name="outputs"/>.</summary>
    public static Topology Of(IReadOnlyList<Node> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        long maxId = 0;
        foreach (var o in outputs) maxId = Math.Max(maxId, (o ?? throw new ArgumentNullException(nameof(outputs))).Id);
        var reached = new Reached(maxId);
        var stack = new Stack<Node>();
        foreach (var o in outputs)
            if (reached.Add(o)) stack.Push(o);
        while (stack.TryPop(out var node))
            foreach (var input in node.Inputs)
                if (reached.Add(input)) stack.Push(input);
        return new Topology(reached.InIdOrder(), reached);
    }

    /// <summary>The nodes reached, filed by maxId − Id in pages made as the walk gets there: as fast as an array
    /// indexed by id where a graph's ids are dense (built in one go), and proportional to the graph, not to its id
    /// range, where they are not (a variable made long before the rest).</summary>
    sealed class Reached(long maxId)
    {
        const int PageBits = 9, PageSize = 1 << PageBits;
        // Pages by key = offset / PageSize: an array while it stays within a few entries per page in use, a
        // dictionary for the far, sparse rest.
        Slot[]?[] near = new Slot[16][];
        readonly Dictionary<long, Slot[]> far = [];
        int pages, count;

        struct Slot
        {
            public Node? Node;
            public int Position; // in the order, once it is known
        }

        /// <summary>Files <paramref name="node"/>; false if it was there already.</summary>
        public bool Add(Node node)
        {
            ref var slot = ref SlotOf(node);
            if (slot.Node is not null) return false; // ids are unique, so an occupied slot holds this node
            slot.Node = node;
            count++;
            return true;
        }

        /// <summary>The position of a node filed here, after <see cref="InIdOrder"/>.</summary>
        public int PositionOf(Node node) => SlotOf(node).Position;

        ref Slot SlotOf(Node node)
        {
            long offset = maxId - node.Id;
            return ref Page(offset >> PageBits)[(int)(offset & (PageSize - 1))];
        }

        Slot[] Page(long key)
        {
            if (key < near.Length) return near[key] ??= NewPage();
            if (key < Math.Max(256, 16L * pages))
            {
                Array.Resize(ref near, (int)Math.Max(key + 1, 2L * near.Length));
                foreach (var (k, page) in far.Where(p => p.Key < near.Length).ToList())
                    (near[k], _) = (page, far.Remove(k));
                return near[key] ??= NewPage();
            }
            if (!far.TryGetValue(key, out var p)) far.Add(key, p = NewPage());
            return p;
        }

        Slot[] NewPage()
        {
            pages++;
            return new Slot[PageSize];
        }

        /// <summary>The nodes in ascending id, i.e. descending offset; records each one's position.</summary>
        public Node[] InIdOrder()
        {
            var order = new Node[count];
            int n = 0;
            foreach (var key in far.Keys.Order().Reverse()) Read(far[key]);
            for (int k = near.Length - 1; k >= 0; k--)
                if (near[k] is { } page) Read(page);
            return order;

            void Read(Slot[] page)
            {
                for (int i = PageSize - 1; i >= 0; i--)
                    if (page[i].Node is { } node) (order[n], page[i].Position) = (node, n++);
            }
        }
    }
}
