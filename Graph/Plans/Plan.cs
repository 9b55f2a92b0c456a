using System.Text;

namespace AutoDiff.Functional;

/// <summary>A graph compiled for repeated evaluation, our analogue of JAX's <c>jit</c>: the topological order is
/// fixed, common subexpressions are merged, chains of element-wise ops (with the fills and broadcasts that feed them)
/// run as single passes over memory, and every value gets a storage slot that is reused once its last reader has run
/// (in place, for an element-wise op over a dying input). A plan is immutable; each run owns its
/// <see cref="Workspace"/>, so one plan serves many threads at once.</summary>
/// <example><code>
/// var plan = Plan.Compile([loss, .. Reverse.Grad(loss, [w])]);   // once
/// var workspace = plan.NewWorkspace();                          // one per thread, reused across runs
/// Tensor[] lossAndGradient = plan.Run(bindings, workspace);       // many times
/// </code></example>
public sealed partial class Plan
{
    /// <summary>Elements per block of a fused pass: the blocks of all members of a pass stay in cache.</summary>
    internal const int Tile = 1024;
    const int MaxMembers = 64;

    readonly Node[] nodes;                  // the distinct nodes after merging, inputs first
    readonly int[] inputStart, inputPos;    // node p's inputs are nodes[inputPos[inputStart[p] .. inputStart[p + 1]]]
    readonly Step[] steps;
    readonly int[] slotSize;
    readonly bool[] slotReturned;           // holds an output: a fresh array each run, never kept in a workspace
    readonly int[] outputPos;
    readonly (Node Node, int Position)[] variables;
    readonly (Tensor Value, int Position)[] constants;
    readonly int maxArity;

    abstract record Step;
    /// <summary>One op; <paramref name="Slot"/> is its buffer (for a view, the slot it shares, or -1).</summary>
    sealed record Single(int Node, int Slot) : Step;
    /// <summary>A fused pass over <paramref name="Size"/> elements, block by block; members in topological order.</summary>
    sealed record Fused(int Size, Member[] Members) : Step;
    /// <summary>A member of a fused pass; <paramref name="Slot"/> is -1 when its value lives only inside the pass. A
    /// reduction (<see cref="IReduce"/>) is always stored, and written once its pass is over.</summary>
    sealed record Member(int Node, Op Op, Operand A, Operand B, int Slot);

    enum Source : byte { None, Block, Aligned, Scalar, Whole }
    /// <summary>Where a fused member reads an input: another member's block, the same block of a stored value, the
    /// single element of a stored scalar, or a whole stored value (the input of a broadcast).</summary>
    readonly record struct Operand(Source Source, int Index);

    /// <summary>The outputs, in the order <see cref="Run(Bindings, Workspace?)"/> returns their values.</summary>
    public IReadOnlyList<Node> Outputs { get; }
    /// <summary>The variables a run must bind.</summary>
    public IReadOnlyList<Node> Variables => [.. variables.Select(v => v.Node)];
    /// <summary>Nodes in the graph below the outputs, before merging.</summary>
    public int GraphNodes { get; }
    /// <summary>Distinct nodes after merging common subexpressions.</summary>
    public int DistinctNodes => nodes.Length;
    /// <summary>Steps a run executes (a fused pass is one step).</summary>
    public int Steps => steps.Length;
    /// <summary>Fused passes, and the ops they contain.</summary>
    public (int Passes, int Ops) Fusion => (steps.OfType<Fused>().Count(), steps.OfType<Fused>().Sum(f => f.Members.Length));
    /// <summary>Storage slots: every stored value has one, and values whose lifetimes do not overlap share one.</summary>
    public int SlotCount => slotSize.Length;
    /// <summary>Bytes of intermediate storage a run uses (every slot once), outputs included: the plan's memory beyond
    /// its inputs.</summary>
    public long SlotBytes => slotSize.Sum(s => 8L * s);

    /// <summary>Compiles the graph below <paramref name="outputs"/>.</summary>
    /// <exception cref="BindingException">Two different variables share a name.</exception>
    public static Plan Compile(IReadOnlyList<Node> outputs) => new(outputs);

    /// <summary>Compiles the graph below one output.</summary>
    public static Plan Compile(Node output) => new([output ?? throw new ArgumentNullException(nameof(output))]);

    /// <summary>A workspace for runs of this plan: reusing it keeps intermediate buffers allocated between runs.
    /// One run at a time uses it.</summary>
    public Workspace NewWorkspace() => new(this, slotSize.Length);

    Plan(IReadOnlyList<Node> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Count == 0) throw new ArgumentException("Plan: no outputs to compile");
        Outputs = [.. outputs];
        var topo = Topology.Of(outputs);
        GraphNodes = topo.Order.Length;

        var merged = Merge(topo);
        (nodes, inputStart, inputPos) = (merged.Nodes, merged.Start, merged.Inputs);
        outputPos = [.. outputs.Select(o => merged.Position[topo.IndexOf(o)])];
        variables = [.. Enumerable.Range(0, nodes.Length).Where(p => nodes[p].IsVariable).Select(p => (nodes[p], p))];
        constants = [.. Enumerable.Range(0, nodes.Length).Where(p => nodes[p].Op is Constant).Select(p => (((Constant)nodes[p].Op).Value, p))];
        maxArity = nodes.Length == 0 ? 0 : nodes.Max(n => n.Inputs.Length);

        var readers = Readers();
        var isOutput = new bool[nodes.Length];
        foreach (var p in outputPos) isOutput[p] = true;
        var group = Groups(readers);
        steps = Schedule(group, readers, isOutput);
        (slotSize, slotReturned) = AssignSlots(isOutput);
    }

    /// <summary>An element-wise op on one or two inputs (an <see cref="AddN"/> of more cannot run in place: its later
    /// inputs would be read after the first partial sum overwrote one of them).</summary>
    bool Elementwise(int p) => nodes[p].Op is IElementwise && nodes[p].Inputs.Length <= 2;

    ReadOnlySpan<int> InputsOf(int p) => inputPos.AsSpan(inputStart[p], inputStart[p + 1] - inputStart[p]);

    /// <summary>The same op (by <see cref="object.Equals(object)"/>) on the same inputs is computed once.</summary>
    static (Node[] Nodes, int[] Start, int[] Inputs, int[] Position) Merge(Topology topo)
    {
        var order = topo.Order;
        var position = new int[order.Length];
        var kept = new List<Node>(order.Length);
        var start = new List<int>(order.Length + 1) { 0 };
        var inputs = new List<int>();
        var seen = new Dictionary<MergeKey, int>();
        var names = new Dictionary<string, Node>();
        for (int i = 0; i < order.Length; i++)
        {
            var node = order[i];
            var ins = topo.InputsOf(i);
            var key = MergeKey.Of(node.Op, ins, position);
            if (node.Op is Variable v)
            {
                if (names.TryGetValue(v.Name, out var other) && !ReferenceEquals(other, node))
                    throw new BindingException($"two different variables are named '{v.Name}' ({other.Shape} and {node.Shape})");
                names[v.Name] = node;
            }
            else if (seen.TryGetValue(key, out var same) && kept[same].Shape == node.Shape)
            {
                position[i] = same;
                continue;
            }
            position[i] = kept.Count;
            seen.TryAdd(key, kept.Count);
            kept.Add(node);
            foreach (var k in ins) inputs.Add(position[k]);
            start.Add(inputs.Count);
        }
        return ([.. kept], [.. start], [.. inputs], position);
    }

    /// <summary>An op and its merged inputs: the first two inline (most ops have one or two), any more in an array.</summary>
    readonly record struct MergeKey(Op Op, int Count, int First, int Second, int[]? More)
    {
        public static MergeKey Of(Op op, ReadOnlySpan<int> ins, int[] position) => new(op, ins.Length,
            ins.Length > 0 ? position[ins[0]] : -1, ins.Length > 1 ? position[ins[1]] : -1,
            ins.Length > 2 ? [.. ins[2..].ToArray().Select(k => position[k])] : null);

        public bool Equals(MergeKey other) => Count == other.Count && First == other.First && Second == other.Second &&
            (More is null ? other.More is null : other.More is not null && More.AsSpan().SequenceEqual(other.More)) && Op.Equals(other.Op);

        public override int GetHashCode() => HashCode.Combine(Op, Count, First, Second);
    }

    /// <summary>For each node, the positions of the nodes that read it (once per reading input).</summary>
    int[][] Readers()
    {
        var lists = new List<int>[nodes.Length];
        for (int p = 0; p < nodes.Length; p++)
            foreach (var k in InputsOf(p)) (lists[k] ??= []).Add(p);
        return [.. lists.Select(l => l?.ToArray() ?? [])];
    }

    /// <summary>Fused passes: an element-wise node (or a sum) joins the passes of its same-size inputs where no node
    /// outside a pass reads one of its members before the node runs. Scalars run one by one.</summary>
    int[] Groups(int[][] readers)
    {
        var group = new int[nodes.Length];
        Array.Fill(group, -1);
        var members = new List<List<int>>();
        var joining = new List<int>();
        var seen = new int[nodes.Length];
        var groupSeen = new List<int>();
        int stamp = 0;
        for (int p = 0; p < nodes.Length; p++)
        {
            var op = nodes[p].Op;
            int size = nodes[p].Shape.Size;
            if (op is IReduce) size = nodes[InputsOf(p)[0]].Shape.Size;   // a reduction runs over its input
            if (size < 2 || !(Elementwise(p) || op is IExpand or IReduce)) continue;
            joining.Clear();
            if (Elementwise(p) || op is IReduce)
                foreach (var k in InputsOf(p))
                    if (group[k] >= 0 && nodes[k].Shape.Size == size && !joining.Contains(group[k]) && Consistent(group[k], p)
                        && (NoEarlyReaders(group[k], p) || Acyclic(group[k], p)))
                        joining.Add(group[k]);
            if (op is IReduce && joining.Count == 0) continue;   // nothing to fold into
            if (joining.Count > 0 && joining.Sum(g => members[g].Count) < MaxMembers)
            {
                int target = joining[0];
                foreach (var g in joining.Skip(1))
                {
                    foreach (var m in members[g]) group[m] = target;
                    members[target].AddRange(members[g]);
                    members[g].Clear();
                }
                members[target].Add(p);
                group[p] = target;
            }
            else
            {
                group[p] = members.Count;
                members.Add([p]);
                groupSeen.Add(0);
            }
        }
        foreach (var list in members)
            if (list.Count == 1) group[list[0]] = -1;
        return group;

        // Inside a pass, a member reads other members block by block; a sum's result exists only after the pass, and a
        // broadcast needs its whole input before it. So no member may read a sum of its own pass, and no broadcast may
        // take its input from its own pass.
        bool Consistent(int g, int p)
        {
            foreach (var m in members[g].Append(p))
                foreach (var k in InputsOf(m))
                {
                    bool inside = group[k] == g || joining.Contains(group[k]) && group[k] >= 0;
                    if (inside && (nodes[k].Op is IReduce || nodes[m].Op is IExpand)) return false;
                }
            foreach (var other in joining)
                foreach (var m in members[other])
                    foreach (var k in InputsOf(m))
                        if (group[k] == g && (nodes[k].Op is IReduce || nodes[m].Op is IExpand)) return false;
            return true;
        }

        // The common case, cheap: nothing outside the pass reads a member before p, so the pass can run where p stands.
        bool NoEarlyReaders(int g, int p)
        {
            foreach (var m in members[g])
                foreach (var r in readers[m])
                    if (r < p && group[r] != g) return false;
            return true;
        }

        // Otherwise the early reader runs after the pass (steps are sorted by their dependencies), which is right
        // unless joining closes a cycle: an input from outside the pass-to-be that depends on one of its members,
        // directly or through other passes, which run as wholes. A backward search from each outside input decides,
        // within a budget (past it, p starts a pass of its own).
        bool Acyclic(int g, int p)
        {
            bool Inside(int k) => k == p || group[k] == g || group[k] >= 0 && joining.Contains(group[k]);
            var union = members[g].Concat(joining.SelectMany(j => members[j])).Append(p).ToList();
            stamp++;
            int budget = 1024;
            var stack = new Stack<int>();
            foreach (var m in union)
                foreach (var k in InputsOf(m))
                    if (!Inside(k)) stack.Push(k);
            while (stack.Count > 0)
            {
                int n = stack.Pop();
                if (seen[n] == stamp) continue;
                seen[n] = stamp;
                if (--budget < 0) return false;
                if (group[n] >= 0 && groupSeen[group[n]] != stamp)
                {
                    groupSeen[group[n]] = stamp;   // a pass waits for everything any of its members reads
                    foreach (var q in members[group[n]]) stack.Push(q);
                }
                foreach (var k in InputsOf(n))
                {
                    if (Inside(k)) return false;
                    stack.Push(k);
                }
            }
            return true;
        }
    }

    /// <summary>The steps in an order that respects their dependencies: a node or a whole pass runs once every value it
    /// reads from outside has been computed; among the steps ready to run, the one whose last node comes first in the
    /// graph runs first (so without fusion the order is the graph's).</summary>
    Step[] Schedule(int[] group, int[][] readers, bool[] isOutput)
    {
        var membersOf = new Dictionary<int, List<int>>();
        for (int p = 0; p < nodes.Length; p++)
            if (group[p] >= 0)
            {
                if (!membersOf.TryGetValue(group[p], out var list)) membersOf[group[p]] = list = [];
                list.Add(p);
            }
        var stepOf = new int[nodes.Length];
        Array.Fill(stepOf, -1);
        var unordered = new List<(Step Step, int[] Nodes, int Anchor)>();
        for (int p = 0; p < nodes.Length; p++)
        {
            if (nodes[p].IsLeaf) continue;
            if (group[p] < 0)
            {
                stepOf[p] = unordered.Count;
                unordered.Add((new Single(p, -1), [p], p));
                continue;
            }
            int g = group[p];
            var memberNodes = membersOf[g];
            if (memberNodes[^1] != p) continue;
            int size = nodes[memberNodes[0]].Shape.Size;   // a pass starts with an element-wise op or an expansion
            var fused = memberNodes.Select(q =>
            {
                var ins = InputsOf(q).ToArray();
                Operand Read(int i) => i >= ins.Length ? new(Source.None, -1)
                    : group[ins[i]] == g ? new(Source.Block, memberNodes.IndexOf(ins[i]))
                    : nodes[q].Op is IExpand ? new(Source.Whole, ins[i])
                    : nodes[ins[i]].Shape.Size == size ? new(Source.Aligned, ins[i])
                    : new(Source.Scalar, ins[i]);
                bool stored = isOutput[q] || readers[q].Any(r => group[r] != g) || nodes[q].Op is IReduce;
                return new Member(q, nodes[q].Op, Read(0), Read(1), stored ? 0 : -1);
            }).ToArray();
            foreach (var q in memberNodes) stepOf[q] = unordered.Count;
            unordered.Add((new Fused(size, fused), [.. memberNodes], p));
        }

        // Kahn's algorithm over the steps.
        var waiting = new int[unordered.Count];
        var next = new List<int>[unordered.Count];
        for (int s = 0; s < unordered.Count; s++) next[s] = [];
        for (int s = 0; s < unordered.Count; s++)
            foreach (var q in unordered[s].Nodes)
                foreach (var k in InputsOf(q))
                    if (stepOf[k] >= 0 && stepOf[k] != s && next[stepOf[k]] is var after && (after.Count == 0 || after[^1] != s))
                    {
                        after.Add(s);   // s goes into lists in increasing order, so a repeat is always the last entry
                        waiting[s]++;
                    }
        var ready = new PriorityQueue<int, int>();
        for (int s = 0; s < unordered.Count; s++)
            if (waiting[s] == 0) ready.Enqueue(s, unordered[s].Anchor);
        var steps = new List<Step>(unordered.Count);
        while (ready.TryDequeue(out var s, out _))
        {
            steps.Add(unordered[s].Step);
            foreach (var t in next[s])
                if (--waiting[t] == 0) ready.Enqueue(t, unordered[t].Anchor);
        }
        if (steps.Count != unordered.Count) throw new InvalidOperationException("internal: the plan's steps form a cycle");
        return [.. steps];
    }

    /// <summary>Gives every stored value a slot, reusing the slot of a value whose last reader has run: for an
    /// element-wise op, the slot of an input that dies at that very step (in place); otherwise a free slot of the
    /// same size. Slots holding outputs are never freed.</summary>
    (int[] Size, bool[] Returned) AssignSlots(bool[] isOutput)
    {
        // Pending reads per node, as the steps will perform them.
        var reads = new int[nodes.Length];
        foreach (var step in steps)
            foreach (var (node, _) in Reads(step)) reads[node]++;

        var slotOf = new int[nodes.Length];
        Array.Fill(slotOf, -1);
        var size = new List<int>();
        var returned = new List<bool>();
        var pending = new List<int>();
        var free = new Dictionary<int, Stack<int>>();
        var dying = new List<int>();
        var wholeRead = new HashSet<int>();

        for (int s = 0; s < steps.Length; s++)
        {
            dying.Clear();
            wholeRead.Clear();
            foreach (var (node, whole) in Reads(steps[s]))
            {
                int slot = slotOf[node];
                if (slot < 0) continue;
                if (whole) wholeRead.Add(slot);
                if (--pending[slot] == 0 && !returned[slot]) dying.Add(slot);
            }
            switch (steps[s])
            {
                case Single(var p, _) when nodes[p].Op is IView:
                    int shared = slotOf[InputsOf(p)[0]];
                    if (shared >= 0)
                    {
                        pending[shared] += reads[p];
                        returned[shared] |= isOutput[p];
                        if (pending[shared] > 0 || returned[shared]) dying.Remove(shared);
                    }
                    slotOf[p] = shared;
                    steps[s] = new Single(p, shared);
                    break;
                case Single(var p, _):
                    steps[s] = new Single(p, Place(p, Elementwise(p)));
                    break;
                case Fused f:
                    for (int j = 0; j < f.Members.Length; j++)
                        if (f.Members[j].Slot >= 0) f.Members[j] = f.Members[j] with { Slot = Place(f.Members[j].Node, inPlace: true) };
                    break;
            }
            foreach (var slot in dying) Free(slot);
        }
        return ([.. size], [.. returned]);

        int Place(int p, bool inPlace)
        {
            int n = nodes[p].Shape.Size, slot = -1;
            if (inPlace)
                foreach (var d in dying)
                    if (size[d] == n && !wholeRead.Contains(d)) { slot = d; break; }
            if (slot >= 0) dying.Remove(slot);
            else if (free.TryGetValue(n, out var stack) && stack.Count > 0) slot = stack.Pop();
            else
            {
                slot = size.Count;
                size.Add(n);
                returned.Add(false);
                pending.Add(0);
            }
            pending[slot] = reads[p];
            returned[slot] |= isOutput[p];   // an output's slot is never freed
            slotOf[p] = slot;
            return slot;
        }

        void Free(int slot)
        {
            if (!free.TryGetValue(size[slot], out var stack)) free[size[slot]] = stack = new();
            stack.Push(slot);
        }
    }

    /// <summary>The stored values a step reads, once per reading input; <c>whole</c> for the input of a broadcast.</summary>
    IEnumerable<(int Node, bool Whole)> Reads(Step step)
    {
        if (step is Single(var p, _))
        {
            foreach (var k in inputPos.AsSpan(inputStart[p], inputStart[p + 1] - inputStart[p]).ToArray()) yield return (k, false);
            yield break;
        }
        foreach (var m in ((Fused)step).Members)
            foreach (var o in (Operand[])[m.A, m.B])
                if (o.Source is Source.Aligned or Source.Scalar or Source.Whole) yield return (o.Index, o.Source == Source.Whole);
    }

    /// <summary>The compiled steps, one line each: what runs, in which slot, and what was fused.</summary>
    public override string ToString()
    {
        var s = new StringBuilder();
        s.AppendLine($"Plan: {GraphNodes} nodes, {DistinctNodes} distinct, {Steps} steps, {Fusion.Passes} fused passes " +
                     $"({Fusion.Ops} ops), {slotSize.Length} slots ({SlotBytes / 1e6:G4} MB)");
        for (int i = 0; i < steps.Length; i++)
        {
            s.Append($"  {i}: ");
            s.AppendLine(steps[i] switch
            {
                Single(var p, var slot) => $"{nodes[p]}{(nodes[p].Op is IView ? " view" : "")} → {(slot < 0 ? "caller's storage" : $"slot {slot}")}",
                Fused f => $"fused ({f.Size}): " + string.Join(", ", f.Members.Select(m => m.Slot >= 0 ? $"{m.Op} → slot {m.Slot}" : $"{m.Op}")),
                _ => "",
            });
        }
        return s.ToString();
    }
}
