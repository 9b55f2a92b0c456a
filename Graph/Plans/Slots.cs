namespace AutoDiff.Functional.Plans;

/// <summary>The steps with their storage: each slot's size in elements, whether it holds an output (a fresh array
/// each run, never kept in a workspace), and whether it holds singles (float32 values computed as such,
/// <see cref="Node.WritesSingles"/>) rather than doubles.</summary>
sealed record Storage(Step[] Steps, int[] SlotSize, bool[] SlotReturned, bool[] SlotSingles)
{
    /// <summary>The bytes of slot <paramref name="slot"/>'s buffer.</summary>
    public long Bytes(int slot) => (SlotSingles[slot] ? 4L : 8L) * SlotSize[slot];
}

/// <summary>A plan's last phase, slot assignment: every stored value gets a slot, reusing the slot of a value whose
/// last reader has run. For an element-wise op that is the slot of an input that dies at that very step (in place);
/// otherwise a free slot of the same size. Slots holding outputs are never freed. Each step is built here once, with
/// its final slots.</summary>
sealed class Slots
{
    readonly PlanGraph g;
    readonly int[] reads;                     // per node, the reads the steps perform
    readonly int?[] slotOf;                   // per node, once placed
    readonly List<int> size = [], pending = [];   // per slot: elements, and reads still to come
    readonly List<bool> returned = [], singles = [];
    readonly Dictionary<(int Size, bool Singles), Stack<int>> free = [];
    readonly List<int> dying = [];            // slots whose last read is in the current step
    readonly HashSet<int> wholeRead = [];     // slots the current step reads whole (a broadcast's input): never in place

    Slots(PlanGraph graph, ScheduledStep[] order)
    {
        (g, reads, slotOf) = (graph, new int[graph.Count], new int?[graph.Count]);
        foreach (var step in order)
            foreach (var (node, _) in Reads(step)) reads[node]++;
    }

    public static Storage Assign(PlanGraph g, ScheduledStep[] order)
    {
        var slots = new Slots(g, order);
        var steps = order.Select(slots.Build).ToArray();   // in order: each step sees the slots its predecessors freed
        return new(steps, [.. slots.size], [.. slots.returned], [.. slots.singles]);
    }

    Step Build(ScheduledStep scheduled)
    {
        Read(scheduled);
        Step step = scheduled switch
        {
            ScheduledOp(var p) when g.Kind[p] == OpKind.View => View(p),
            ScheduledOp(var p) => new OpStep(p, Place(p, inPlace: g.Kind[p] == OpKind.Elementwise, g[p].WritesSingles)),
            ScheduledPass(var n, var members) => new PassStep(n, [.. members.Select(m => new Member(m.Node, g[m.Node].Op,
                m.A, m.B, m.Stored ? Place(m.Node, inPlace: true, g[m.Node].DType == DType.Float32) : null, g[m.Node].DType == DType.Float32))],
                members.All(InSingles)),
            _ => throw new InvalidOperationException($"internal: unknown step {scheduled}"),
        };
        foreach (var slot in dying) Release(slot);
        return step;
    }

    /// <summary>Whether a member runs on float32 blocks: it is float32, and so is every value it reads (a take's indices
    /// aside; a member's block is float32 when that member is).</summary>
    bool InSingles(ScheduledMember m) => g[m.Node].DType == DType.Float32 && Float32(m.A) && (g[m.Node].Op is IIndexedExpand || Float32(m.B));

    bool Float32(Operand o) => !o.IsStored || g[o.Index].DType == DType.Float32;

    /// <summary>Counts the step's reads off its inputs' slots; a slot read for the last time dies with the step.</summary>
    void Read(ScheduledStep step)
    {
        dying.Clear();
        wholeRead.Clear();
        foreach (var (node, whole) in Reads(step))
        {
            if (slotOf[node] is not { } slot) continue;
            if (whole) wholeRead.Add(slot);
            if (--pending[slot] == 0 && !returned[slot]) dying.Add(slot);
        }
    }

    /// <summary>A view shares its input's slot, which then lives until the view's own readers have run.</summary>
    ViewStep View(int p)
    {
        var shared = slotOf[g.InputsOf(p)[0]];
        if (shared is { } s)
        {
            pending[s] += reads[p];
            returned[s] |= g.IsOutput[p];
            if (pending[s] > 0 || returned[s]) dying.Remove(s);
        }
        slotOf[p] = shared;
        return new(p, shared);
    }

    /// <summary>Gives node <paramref name="p"/> a slot of doubles or <paramref name="single"/>s: a dying input's (in
    /// place), else a free one, else a new one.</summary>
    int Place(int p, bool inPlace, bool single)
    {
        int n = g.Size(p);
        int slot = (inPlace ? Dying(n, single) : null) ?? Free(n, single) ?? New(n, single);
        pending[slot] = reads[p];
        returned[slot] |= g.IsOutput[p];   // an output's slot is never freed
        slotOf[p] = slot;
        return slot;
    }

    /// <summary>A slot of <paramref name="n"/> elements whose last read is this step's, unless the step reads it whole
    /// (a broadcast's input, read again for every block after the earlier blocks' results are written).</summary>
    int? Dying(int n, bool single)
    {
        foreach (var d in dying)
            if (size[d] == n && singles[d] == single && !wholeRead.Contains(d))
            {
                dying.Remove(d);
                return d;
            }
        return null;
    }

    int? Free(int n, bool single) => free.TryGetValue((n, single), out var stack) && stack.TryPop(out var slot) ? slot : null;

    int New(int n, bool single)
    {
        size.Add(n);
        singles.Add(single);
        returned.Add(false);
        pending.Add(0);
        return size.Count - 1;
    }

    void Release(int slot)
    {
        if (!free.TryGetValue((size[slot], singles[slot]), out var stack)) free[(size[slot], singles[slot])] = stack = new();
        stack.Push(slot);
    }

    /// <summary>The nodes a step reads, once per reading input; <c>Whole</c> for the input of a broadcast.</summary>
    IEnumerable<(int Node, bool Whole)> Reads(ScheduledStep step)
    {
        if (step is ScheduledOp(var p))
        {
            foreach (var k in g.InputsOf(p).ToArray()) yield return (k, false);
            yield break;
        }
        foreach (var m in ((ScheduledPass)step).Members)
            foreach (var o in (Operand[])[m.A, m.B])
                if (o.IsStored) yield return (o.Index, o.Source == Source.Whole);
    }
}
