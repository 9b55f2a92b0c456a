namespace AutoDiff.Functional.Plans;

/// <summary>A plan's third phase: the steps in an order that respects their dependencies. A node or a whole pass runs
/// once every value it reads from outside has been computed; among the steps ready to run, the one whose last node
/// comes first in the graph runs first (so without fusion the order is the graph's).</summary>
static class Schedule
{
    /// <summary>A step before ordering: the nodes it computes, and its anchor (its last node), which orders it.</summary>
    readonly record struct Unordered(ScheduledStep Step, int[] Nodes, int Anchor);

    public static ScheduledStep[] Of(PlanGraph g, Passes passes)
    {
        var unordered = new List<Unordered>();
        var stepOf = new int?[g.Count];
        for (int p = 0; p < g.Count; p++)
        {
            if (g.Kind[p] == OpKind.Leaf) continue;
            if (passes.PassOf[p] is not { } pass) unordered.Add(new(new ScheduledOp(p), [p], p));
            else if (passes.Members[pass][^1] == p) unordered.Add(new(Pass(g, passes, pass), passes.Members[pass], p));
            else continue;
            foreach (var q in unordered[^1].Nodes) stepOf[q] = unordered.Count - 1;
        }
        return InDependencyOrder(g, unordered, stepOf);
    }

    /// <summary>The members of a pass and where each reads its operands; a member is stored when a step outside the
    /// pass or the caller reads it, and a reduction always is.</summary>
    static ScheduledPass Pass(PlanGraph g, Passes passes, int pass)
    {
        var members = passes.Members[pass];
        // A reduction's size is one; the pass runs over the size of its other members (a sum may come first when the
        // take it reads left the pass).
        int size = g.Size(members.First(q => g.Kind[q] != OpKind.Reduce));
        return new(size, [.. members.Select(q => new ScheduledMember(q, Read(q, 0), Read(q, 1),
            g.IsOutput[q] || g.Readers[q].Any(r => passes.PassOf[r] != pass) || g.Kind[q] == OpKind.Reduce))]);

        Operand Read(int q, int i)
        {
            var ins = g.InputsOf(q);
            if (i >= ins.Length) return Operand.None;
            int k = ins[i];
            return passes.PassOf[k] == pass ? new(Source.Block, Array.IndexOf(members, k))
                : g.Kind[q] == OpKind.Expand ? new(Source.Whole, k)
                : g.Size(k) == size ? new(Source.Aligned, k)
                : new(Source.Scalar, k);
        }
    }

    /// <summary>Kahn's algorithm over the steps, the ready step with the smallest anchor first.</summary>
    static ScheduledStep[] InDependencyOrder(PlanGraph g, List<Unordered> steps, int?[] stepOf)
    {
        var waiting = new int[steps.Count];
        var next = new List<int>[steps.Count];
        for (int s = 0; s < steps.Count; s++) next[s] = [];
        for (int s = 0; s < steps.Count; s++)
            foreach (var q in steps[s].Nodes)
                foreach (var k in g.InputsOf(q))
                    if (stepOf[k] is { } before && before != s && (next[before].Count == 0 || next[before][^1] != s))
                    {
                        next[before].Add(s);   // s goes into lists in increasing order, so a repeat is always the last entry
                        waiting[s]++;
                    }
        var ready = new PriorityQueue<int, int>();
        for (int s = 0; s < steps.Count; s++)
            if (waiting[s] == 0) ready.Enqueue(s, steps[s].Anchor);
        var order = new List<ScheduledStep>(steps.Count);
        while (ready.TryDequeue(out var s, out _))
        {
            order.Add(steps[s].Step);
            foreach (var t in next[s])
                if (--waiting[t] == 0) ready.Enqueue(t, steps[t].Anchor);
        }
        if (order.Count != steps.Count) throw new InvalidOperationException("internal: the plan's steps form a cycle");
        return [.. order];
    }
}
