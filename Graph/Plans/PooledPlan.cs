namespace AutoDiff.Functional.Plans;

/// <summary>A plan with a pool of workspaces, for callers that run one plan from many threads without managing
/// workspaces: each run takes a workspace of its own and gives it back. The pool keeps at most one workspace per core,
/// so it cannot grow beyond what runs at once.</summary>
/// <remarks>A plain locked stack, not a <c>ConcurrentBag</c>: a bag parks its items in thread-local storage, which
/// roots them, and a workspace references its plan and so its graph, which would then never be collected.</remarks>
sealed class PooledPlan(Plan plan)
{
    readonly Stack<Workspace> pool = new();

    public Plan Plan { get; } = plan;

    public Tensor[] Run(Bindings bindings) => With(ws => Plan.Run(bindings, ws));

    /// <summary>Runs <paramref name="use"/> with a workspace no other run holds.</summary>
    public T With<T>(Func<Workspace, T> use)
    {
        Workspace? ws;
        lock (pool) pool.TryPop(out ws);
        ws ??= Plan.NewWorkspace();
        try { return use(ws); }
        finally
        {
            lock (pool)
                if (pool.Count < Environment.ProcessorCount) pool.Push(ws);
        }
    }
}
