namespace AutoDiff.Functional;

/// <summary>The buffers of one plan's runs, kept between runs so that repeated runs allocate nothing large. It belongs
/// to one plan and serves one run at a time: give each thread its own (<see cref="Plan.NewWorkspace()"/>). Values a run
/// returns never live in it, so they stay valid after later runs, unless it was made to keep them
/// (<see cref="Plan.NewWorkspace(bool)"/>).</summary>
public sealed class Workspace
{
    internal Plan Plan { get; }
    internal Array?[] Buffers { get; }
    /// <summary>Whether the plan's outputs live here too (overwritten by the next run) instead of in fresh arrays.</summary>
    internal bool KeepsOutputs { get; }
    int busy;

    internal Workspace(Plan plan, int slots, bool keepsOutputs) => (Plan, Buffers, KeepsOutputs) = (plan, new Array?[slots], keepsOutputs);

    internal void Enter(Plan plan)
    {
        if (!ReferenceEquals(plan, Plan)) throw new ArgumentException("Plan.Run: this workspace belongs to another plan");
        if (Interlocked.Exchange(ref busy, 1) == 1)
            throw new InvalidOperationException("Plan.Run: this workspace is in use by another run; give each thread its own (Plan.NewWorkspace)");
    }

    internal void Leave() => Volatile.Write(ref busy, 0);
}
