using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AutoDiff.Functional.Plans;
using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional;

// The one general form behind every transformation: trace the function on variables of the inputs' shapes, derive a
// graph from the trace, compile it into a plan, all once per list of input shapes; every later call only runs the plan.
public static partial class Transforms
{
    /// <summary>The shape and element type of an input: what a trace depends on.</summary>
    internal readonly record struct Signature(Shape Shape, DType Type);

    /// <summary>A value per list of input shapes and element types, built by <paramref name="build"/> on first use;
    /// thread-safe, never changed after. A build that throws is dropped, so the next call builds again.
    /// <paramref name="check"/> sees the inputs, none of them null, before any build.</summary>
    static Func<Tensor[], T> PerShapes<T>(string who, Func<Signature[], T> build, Action<Tensor[]>? check = null)
    {
        var cache = new ConcurrentDictionary<Signature[], Lazy<T>>(SignatureList.Comparer);
        return xs =>
        {
            ArgumentNullException.ThrowIfNull(xs);
            var signatures = new Signature[xs.Length];
            for (int i = 0; i < xs.Length; i++)
            {
                var x = xs[i] ?? throw new ArgumentNullException(nameof(xs), $"Transforms.{who}: input {i} is null");
                signatures[i] = new(x.Shape, x.DType);
            }
            check?.Invoke(xs);
            var lazy = cache.GetOrAdd(signatures, s => new(() => build(s)));
            try { return lazy.Value; }
            catch
            {
                cache.TryRemove(new KeyValuePair<Signature[], Lazy<T>>(signatures, lazy));
                throw;
            }
        };
    }

    /// <summary>A derivative transformation: f traced per list of input shapes, <paramref name="derive"/>'s graph
    /// compiled once for them.</summary>
    static Func<Tensor[], Compiled> Cache(string who, Func<Node[], Node> f, int[] argnums, Func<Trace, Derivation> derive)
    {
        ArgumentNullException.ThrowIfNull(f);
        argnums = Checked(who, argnums);
        return PerShapes(who, signatures =>
        {
            var trace = new Trace(who, f, signatures, argnums);
            return new Compiled(trace, derive(trace));
        }, xs =>
        {
            if (argnums.FirstOrDefault(i => i >= xs.Length, -1) is var missing and >= 0)
                throw new ArgumentException($"Transforms.{who}: argnums names input {missing}, but the function was given {xs.Length} input(s)", nameof(argnums));
        });
    }

    static int[] Checked(string who, int[] argnums)
    {
        ArgumentNullException.ThrowIfNull(argnums);
        argnums = (int[])argnums.Clone();
        if (argnums.Any(i => i < 0) || argnums.Distinct().Count() != argnums.Length)
            throw new ArgumentException($"Transforms.{who}: argnums ({string.Join(", ", argnums)}) must be distinct input positions", nameof(argnums));
        return argnums;
    }

    // The argument of a returned function, named as the caller sees it.
    static Tensor Required(Tensor x, [CallerArgumentExpression(nameof(x))] string? name = null) =>
        x ?? throw new ArgumentNullException(name);

    static Func<Node[], Node> One(Func<Node, Node> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return xs => f(xs[0]);
    }

    /// <summary>Only the inputs can be bound: a variable the function made or captured would fail later, less clearly.</summary>
    static void ReadsOnly(string who, IReadOnlyList<Node> outputs, Node[] inputs)
    {
        foreach (var node in Topology.Of(outputs).Order)
            if (node.IsVariable && Array.IndexOf(inputs, node) < 0)
                throw new ArgumentException($"Transforms.{who}: the function reads {node}, which is not one of its inputs; " +
                                            "pass it as an input, or its value as a constant (Node.Constant)");
    }

    /// <summary>f traced on one variable per input, with the inputs to differentiate (<see cref="Wrt"/>).</summary>
    sealed class Trace
    {
        readonly string who;
        public Node[] X { get; }
        public Node[] Wrt { get; }
        public Node Y { get; }

        public Trace(string who, Func<Node[], Node> f, Signature[] inputs, int[] argnums)
        {
            this.who = who;
            X = [.. inputs.Select((s, i) => Node.Variable($"x{i}", s.Shape, s.Type))];
            Wrt = argnums.Length == 0 ? X : [.. argnums.Select(i => X[i])];
            Y = f((Node[])X.Clone()) ?? throw new ArgumentException($"Transforms.{who}: the function returned null");
            ReadsOnly(who, [Y], X);
        }

        /// <summary>Tangent or cotangent variables shaped like <paramref name="like"/>, named unlike any variable here.</summary>
        public Node[] Seeds(string stem, Node[] like) => AD.Seeds([Y], [.. like.Select(n => (stem, n))]);

        public Bindings Bind(Tensor[] xs)
        {
            var b = Bindings.Empty;
            for (int i = 0; i < X.Length; i++) b = b.Bind(X[i], xs[i]);
            return b;
        }

        public void CheckCount(string what, Tensor[] values, int count)
        {
            ArgumentNullException.ThrowIfNull(values, what);
            if (values.Length != count)
                throw new ArgumentException($"Transforms.{who}: {values.Length} {what} for {count} input(s) to differentiate", what);
            for (int i = 0; i < values.Length; i++)
                if (values[i] is null) throw new ArgumentNullException(what, $"Transforms.{who}: {what}[{i}] is null");
        }
    }

    /// <summary>A trace, the graphs derived from it with the variables that seed them, and their compiled plan.
    /// Workspaces are pooled (<see cref="PooledPlan"/>): each run takes one of its own, so concurrent runs never share
    /// buffers.</summary>
    sealed class Compiled(Trace trace, Derivation derived)
    {
        readonly PooledPlan plan = new(Plan.Compile(derived.Outputs));
        readonly Node[] seeds = derived.Seeds;

        public Bindings Bind(Tensor[] xs) => trace.Bind(xs);

        public Bindings Bind(Tensor[] xs, Tensor[] seedValues, string what)
        {
            trace.CheckCount(what, seedValues, seeds.Length);
            var b = trace.Bind(xs);
            for (int i = 0; i < seeds.Length; i++) b = b.Bind(seeds[i], seedValues[i]);
            return b;
        }

        public Tensor[] Run(Bindings b) => plan.Run(b);

        public DenseMatrix Jacobian(Tensor[] xs, bool byRows) => plan.With(ws => AD.Jacobian(plan.Plan, ws, trace.Bind(xs), seeds, derived.Batch, byRows));
    }

    sealed class SignatureList : IEqualityComparer<Signature[]>
    {
        public static readonly SignatureList Comparer = new();
        public bool Equals(Signature[]? a, Signature[]? b) => a.AsSpan().SequenceEqual(b);
        public int GetHashCode(Signature[] signatures)
        {
            var hash = new HashCode();
            foreach (var s in signatures) hash.Add(s);
            return hash.ToHashCode();
        }
    }
}
