using System.Text;
using AutoDiff.Functional.Plans;

namespace AutoDiff.Functional;

/// <summary>A graph compiled for repeated evaluation, our analogue of JAX's <c>jit</c>: the topological order is
/// fixed, common subexpressions are merged, chains of element-wise ops (with the fills and broadcasts that feed them)
/// run as single passes over memory, and every value gets a storage slot that is reused once its last reader has run
/// (in place, for an element-wise op over a dying input). A plan is immutable; each run owns its
/// <see cref="Workspace"/>, so one plan serves many threads at once.</summary>
/// <remarks>Compiling is a pipeline of phases, each a function from immutable input to immutable output, each in its
/// own file: <see cref="CommonSubexpressions"/> (the distinct nodes, a <see cref="PlanGraph"/>), <see cref="Fusion"/>
/// (the passes), <see cref="Schedule"/> (the order of the steps), <see cref="Slots"/> (the steps with their storage).
/// A run (<c>PlanRun.cs</c>) is the one place that calls into ops.</remarks>
/// <example><code>
/// var plan = Plan.Compile([loss, .. Reverse.Grad(loss, [w])]);   // once
/// var workspace = plan.NewWorkspace();                          // one per thread, reused across runs
/// Tensor[] lossAndGradient = plan.Run(bindings, workspace);       // many times
/// </code></example>
public sealed partial class Plan
{
    readonly PlanGraph graph;
    readonly Storage storage;
    readonly (Node Node, int Position)[] variables;
    readonly (Tensor Value, int Position)[] constants;
    readonly int maxArity;

    /// <summary>The outputs, in the order <see cref="Run(Bindings, Workspace?)"/> returns their values.</summary>
    public IReadOnlyList<Node> Outputs { get; }
    /// <summary>The variables a run must bind.</summary>
    public IReadOnlyList<Node> Variables => [.. variables.Select(v => v.Node)];
    /// <summary>What compiling made of the graph: nodes, steps, fusion and storage.</summary>
    public PlanStatistics Statistics { get; }

    /// <summary>Compiles the graph below <paramref name="outputs"/>.</summary>
    /// <exception cref="BindingException">Two different variables share a name.</exception>
    public static Plan Compile(IReadOnlyList<Node> outputs) => new(outputs);

    /// <summary>Compiles the graph below one output.</summary>
    public static Plan Compile(Node output) => new([output ?? throw new ArgumentNullException(nameof(output))]);

    /// <summary>A workspace for runs of this plan: reusing it keeps intermediate buffers allocated between runs.
    /// One run at a time uses it.</summary>
    public Workspace NewWorkspace() => new(this, storage.SlotSize.Length, keepsOutputs: false);

    /// <summary>A workspace whose runs keep their outputs in it too, so that a run allocates nothing large (a fresh output
    /// array costs page faults and, past 85 kB, collections of the whole heap). The tensors a run returns are then
    /// overwritten by the next run with this workspace: read or copy them first, and do not bind them as inputs of that
    /// next run.</summary>
    public Workspace NewWorkspace(bool keepOutputs) => new(this, storage.SlotSize.Length, keepOutputs);

    Plan(IReadOnlyList<Node> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Count == 0) throw new ArgumentException("Plan: no outputs to compile");
        Outputs = [.. outputs];
        var whole = Topology.Of(outputs);
        var (distinct, positionOf) = CommonSubexpressions.Merge(whole);
        graph = new PlanGraph(distinct, [.. outputs.Select(o => positionOf[whole.IndexOf(o)])]);
        storage = Slots.Assign(graph, Schedule.Of(graph, Fusion.Of(graph)));

        var nodes = distinct.Order;
        variables = [.. Enumerable.Range(0, nodes.Length).Where(p => nodes[p].IsVariable).Select(p => (nodes[p], p))];
        constants = [.. Enumerable.Range(0, nodes.Length).Where(p => nodes[p].Op is Constant).Select(p => (((Constant)nodes[p].Op).Value, p))];
        maxArity = nodes.Length == 0 ? 0 : nodes.Max(n => n.Inputs.Length);
        var passes = storage.Steps.OfType<PassStep>().ToArray();
        Statistics = new(whole.Order.Length, nodes.Length, storage.Steps.Length, passes.Length,
            passes.Sum(f => f.Members.Length), storage.SlotSize.Length, Enumerable.Range(0, storage.SlotSize.Length).Sum(storage.Bytes));
    }

    /// <summary>The compiled steps, one line each: what runs, in which slot, and what was fused.</summary>
    public override string ToString()
    {
        var (s, stats) = (new StringBuilder(), Statistics);
        s.AppendLine($"Plan: {stats.GraphNodes} nodes, {stats.DistinctNodes} distinct, {stats.Steps} steps, {stats.FusedPasses} fused passes " +
                     $"({stats.FusedOps} ops), {stats.Slots} slots ({stats.SlotBytes / 1e6:G4} MB)");
        for (int i = 0; i < storage.Steps.Length; i++)
            s.AppendLine($"  {i}: " + storage.Steps[i] switch
            {
                OpStep(var p, var slot) => $"{graph[p]} → slot {slot}",
                ViewStep(var p, var slot) => $"{graph[p]} view → {(slot is { } k ? $"slot {k}" : "caller's storage")}",
                PassStep f => $"fused ({f.Size}{(f.InSingles ? ", in float32" : "")}): " + string.Join(", ", f.Members.Select(m => m.Slot is { } k ? $"{m.Op} → slot {k}" : $"{m.Op}")),
                _ => "",
            });
        return s.ToString();
    }
}
