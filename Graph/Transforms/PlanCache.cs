using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AutoDiff.Functional.Plans;

namespace AutoDiff.Functional;

/// <summary>The compiled derivative plans behind <see cref="AD"/>: graphs are immutable, so the derivative graph of a
/// call (which outputs, which variables, which transformation) and its <see cref="Plan"/> are built on the first call
/// and reused by every later one on the same nodes. Entries hang off the first output node in a
/// <see cref="ConditionalWeakTable{TKey, TValue}"/>, so they live exactly as long as the graph does and never keep it
/// alive; each graph keeps at most <see cref="PerGraph"/> of them (beyond that a call compiles for itself and keeps
/// nothing). Thread-safe: concurrent first calls build once, and each run takes a workspace of its own.</summary>
static class PlanCache
{
    /// <summary>The most derivative plans one graph keeps (distinct transformations × lists of variables).</summary>
    internal const int PerGraph = 16;

    static readonly ConditionalWeakTable<Node, ConcurrentDictionary<Key, Lazy<Derived>>> table = [];

    /// <summary>A derivative graph's plan, the variables that seed it and the members a run carries (<see cref="Derivation"/>).</summary>
    internal sealed record Derived(PooledPlan Plan, Node[] Seeds, int Batch);

    /// <summary>The plan of <paramref name="derive"/>'s graph for this call on these nodes, compiled on first use.</summary>
    internal static Derived Get(string call, IReadOnlyList<Node> outputs, IReadOnlyList<Node> wrt,
        Func<Derivation> derive)
    {
        var entries = table.GetValue(outputs[0], _ => new());
        var key = new Key(call, [.. outputs], [.. wrt]);
        if (!entries.TryGetValue(key, out var lazy))
        {
            if (entries.Count >= PerGraph) return Build(derive);
            entries.TryAdd(key, new(() => Build(derive)));
            // Fetched by a lookup that finds it, as every later call will: the first call then JIT-compiles the hit
            // path (the key's equality), which otherwise cost the second call ~0.8 ms, twice a small plan's run.
            lazy = entries.GetOrAdd(key, _ => new(() => Build(derive)));
        }
        try { return lazy.Value; }
        catch
        {
            // A derivation that throws (a bad variable, a non-scalar output) is not kept: the next call tries again.
            entries.TryRemove(new KeyValuePair<Key, Lazy<Derived>>(key, lazy));
            throw;
        }
    }

    /// <summary>How many derivative plans the graph of <paramref name="output"/> keeps (for tests).</summary>
    internal static int CountFor(Node output) => table.TryGetValue(output, out var entries) ? entries.Count : 0;

    static Derived Build(Func<Derivation> derive)
    {
        var d = derive();
        return new(new PooledPlan(Plan.Compile(d.Outputs)), d.Seeds, d.Batch);
    }

    /// <summary>A call on some nodes: equal when the same transformation was asked of the very same nodes.</summary>
    sealed class Key(string call, Node[] outputs, Node[] wrt) : IEquatable<Key>
    {
        readonly int hash = HashOf(call, outputs, wrt);
        readonly string call = call;
        readonly Node[] outputs = outputs, wrt = wrt;

        public bool Equals(Key? other) => other is not null && hash == other.hash && call == other.call
            && Same(outputs, other.outputs) && Same(wrt, other.wrt);
        public override bool Equals(object? obj) => Equals(obj as Key);
        public override int GetHashCode() => hash;

        static bool Same(Node[] a, Node[] b)
        {
            if (a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++) if (!ReferenceEquals(a[i], b[i])) return false;
            return true;
        }

        static int HashOf(string call, Node[] outputs, Node[] wrt)
        {
            var h = new HashCode();
            h.Add(call);
            foreach (var n in outputs) h.Add(n.Id);
            h.Add(-1);
            foreach (var n in wrt) h.Add(n?.Id ?? 0);   // a null is named by the derivation's own check
            return h.ToHashCode();
        }
    }
}
