namespace AutoDiff.Functional;

/// <summary>What compiling made of a graph (<see cref="Plan.Statistics"/>).</summary>
/// <param name="GraphNodes">Nodes in the graph below the outputs, before merging.</param>
/// <param name="DistinctNodes">Distinct nodes after merging common subexpressions.</param>
/// <param name="Steps">Steps a run executes (a fused pass is one step).</param>
/// <param name="FusedPasses">Fused passes: steps that run several ops block by block.</param>
/// <param name="FusedOps">The ops those passes contain.</param>
/// <param name="Slots">Storage slots: every stored value has one, and values whose lifetimes do not overlap share one.</param>
/// <param name="SlotBytes">Bytes of intermediate storage a run uses (every slot once), outputs included: the plan's
/// memory beyond its inputs.</param>
public sealed record PlanStatistics(int GraphNodes, int DistinctNodes, int Steps, int FusedPasses, int FusedOps, int Slots, long SlotBytes);
