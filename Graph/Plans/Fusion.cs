namespace AutoDiff.Functional.Plans;

/// <summary>Fused passes: the nodes of each (two or more, ascending), and each node's pass if it has one.</summary>
sealed record Passes(int[][] Members, int?[] PassOf);

/// <summary>A plan's second phase, fusion into passes: an element-wise node (or a sum) joins the passes of its
/// same-size inputs where no node outside a pass reads one of its members before the node runs. A fill, broadcast
/// or take starts a pass (a take read outside its pass leaves it again); scalars run one by one.</summary>
sealed class Fusion
{
    const int MaxMembers = 64;
    const int SearchBudget = 1024;   // nodes the cycle check visits before it gives up (and p starts a pass of its own)

    readonly PlanGraph g;
    // The passes as they grow: passOf[p] is p's pass or -1; a pass absorbed by another is left empty.
    readonly int[] passOf;
    readonly List<List<int>> members = [];
    readonly List<int> joining = [];           // the passes node p joins, gathered one input at a time
    readonly int[] seen;                       // the cycle check's marks, by stamp, per node and per pass
    readonly List<int> passSeen = [];
    int stamp;

    Fusion(PlanGraph graph) => (g, passOf, seen) = (graph, Enumerable.Repeat(-1, graph.Count).ToArray(), new int[graph.Count]);

    public static Passes Of(PlanGraph graph)
    {
        var fusion = new Fusion(graph);
        for (int p = 0; p < graph.Count; p++) fusion.Add(p);
        // A pass left with sums alone (their input was a take that left) has nothing to fold them into.
        var passes = fusion.members.Select(m => m.Where(p => !fusion.StoredTake(p)).ToList())
            .Where(m => m.Count > 1 && m.Any(p => graph.Kind[p] != OpKind.Reduce)).Select(m => m.Order().ToArray()).ToArray();
        var passOf = new int?[graph.Count];
        for (int i = 0; i < passes.Length; i++)
            foreach (var p in passes[i]) passOf[p] = i;
        return new(passes, passOf);
    }

    void Add(int p)
    {
        var kind = g.Kind[p];
        if (kind is not (OpKind.Elementwise or OpKind.Expand or OpKind.Reduce)) return;
        int size = kind == OpKind.Reduce ? g.Size(g.InputsOf(p)[0]) : g.Size(p);   // a reduction runs over its input
        if (size < 2) return;
        joining.Clear();
        if (kind != OpKind.Expand)
            foreach (var k in g.InputsOf(p))
                if (passOf[k] >= 0 && g.Size(k) == size && !joining.Contains(passOf[k]) && Consistent(passOf[k], p)
                    && (NoEarlyReaders(passOf[k], p) || Acyclic(passOf[k], p)))
                    joining.Add(passOf[k]);
        if (kind == OpKind.Reduce && joining.Count == 0) return;   // nothing to fold into
        if (joining.Count > 0 && joining.Sum(j => members[j].Count) < MaxMembers) Join(p);
        else Start(p);
    }

    /// <summary>A take that something outside its pass reads is written to memory either way; inside the pass it would
    /// also be computed into scratch and copied out, block by block, which measured slower than running it alone (the
    /// recommender's plans, whose gathered factors the reverse pass reads again). It leaves the pass, whose members then
    /// read it as a stored value; it reads nothing from the pass, so no cycle can form.</summary>
    bool StoredTake(int p) =>
        g[p].Op is IIndexedExpand && (g.IsOutput[p] || g.Readers[p].Any(r => passOf[r] != passOf[p]));

    /// <summary>Merges the passes p joins into the first of them, and p with them.</summary>
    void Join(int p)
    {
        int target = joining[0];
        foreach (var j in joining.Skip(1))
        {
            foreach (var m in members[j]) passOf[m] = target;
            members[target].AddRange(members[j]);
            members[j].Clear();
        }
        members[target].Add(p);
        passOf[p] = target;
    }

    void Start(int p)
    {
        passOf[p] = members.Count;
        members.Add([p]);
        passSeen.Add(0);
    }

    bool Inside(int k, int pass) => passOf[k] == pass || passOf[k] >= 0 && joining.Contains(passOf[k]);

    /// <summary>Inside a pass, a member reads other members block by block; a sum's result exists only after the pass,
    /// and a broadcast needs its whole input before it. So no member may read a sum of its own pass, and no broadcast
    /// may take its input from its own pass.</summary>
    bool Consistent(int pass, int p)
    {
        foreach (var m in members[pass].Append(p))
            foreach (var k in g.InputsOf(m))
                if (Inside(k, pass) && NeedsWhole(k, m)) return false;
        foreach (var other in joining)
            foreach (var m in members[other])
                foreach (var k in g.InputsOf(m))
                    if (passOf[k] == pass && NeedsWhole(k, m)) return false;
        return true;
    }

    bool NeedsWhole(int input, int reader) => g.Kind[input] == OpKind.Reduce || g.Kind[reader] == OpKind.Expand;

    /// <summary>The common case, cheap: nothing outside the pass reads a member before p, so the pass can run where p
    /// stands.</summary>
    bool NoEarlyReaders(int pass, int p)
    {
        foreach (var m in members[pass])
            foreach (var r in g.Readers[m])
                if (r < p && passOf[r] != pass) return false;
        return true;
    }

    /// <summary>Otherwise the early reader runs after the pass (steps are sorted by their dependencies), which is right
    /// unless joining closes a cycle: an input from outside the pass-to-be that depends on one of its members, directly
    /// or through other passes, which run as wholes. A backward search from each outside input decides, within a
    /// budget.</summary>
    bool Acyclic(int pass, int p)
    {
        stamp++;
        int budget = SearchBudget;
        var stack = new Stack<int>();
        foreach (var m in members[pass].Concat(joining.SelectMany(j => members[j])).Append(p))
            foreach (var k in g.InputsOf(m))
                if (k != p && !Inside(k, pass)) stack.Push(k);
        while (stack.TryPop(out int n))
        {
            if (seen[n] == stamp) continue;
            seen[n] = stamp;
            if (--budget < 0) return false;
            if (passOf[n] >= 0 && passSeen[passOf[n]] != stamp)
            {
                passSeen[passOf[n]] = stamp;   // a pass waits for everything any of its members reads
                foreach (var q in members[passOf[n]]) stack.Push(q);
            }
            foreach (var k in g.InputsOf(n))
            {
                if (k == p || Inside(k, pass)) return false;
                stack.Push(k);
            }
        }
        return true;
    }
}
