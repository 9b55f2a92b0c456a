using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AutoDiff.Functional.Plans;
using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional;

/// <summary>Function transformations named as JAX users expect: each takes a function from nodes to a node and
/// returns a function on values. The function is traced into a graph, its derivative graph built and compiled into a
/// <see cref="Plan"/>, once per input shape(s); every later call only runs the plan, on a workspace of its own, so the
/// returned functions are safe to call from many threads and return fresh arrays. A trace that throws is not kept:
/// the next call traces again. MathNet vectors and matrices convert to <see cref="Tensor"/> without copying, and
/// <c>.AsVector()</c> / <c>.AsMatrix()</c> read results back without copying.</summary>
/// <remarks>The forms over <c>Func&lt;Node[], Node&gt;</c> take several inputs and differentiate with respect to the
/// inputs listed in <c>argnums</c> (all of them when none are listed), as JAX's <c>argnums</c>. Their Jacobians and
/// Hessians stack the blocks of the listed inputs, in <c>argnums</c> order: columns for the inputs, and for a Hessian
/// rows too.</remarks>
/// <example><code>
/// Func&lt;Node, Node&gt; f = x =&gt; x.Sin().Sum();
/// var df = Transforms.Grad(f);
/// DenseVector g = df(DenseVector.OfArray([0.1, 0.2])).AsVector();   // cos(x)
/// </code></example>
public static class Transforms
{
    /// <summary>x ↦ ∇f(x) for a scalar-valued f.</summary>
    public static Func<Tensor, Tensor> Grad(Func<Node, Node> f)
    {
        var grad = Grad(One(f), 0);
        return x => grad([Required(x)])[0];
    }

    /// <summary>x ↦ (f(x), ∇f(x)) for a scalar-valued f, from one backward pass.</summary>
    public static Func<Tensor, (double Value, Tensor Gradient)> ValueAndGrad(Func<Node, Node> f)
    {
        var valueAndGrad = ValueAndGrad(One(f), 0);
        return x =>
        {
            var (value, gradients) = valueAndGrad([Required(x)]);
            return (value, gradients[0]);
        };
    }

    /// <summary>(x, t) ↦ (f(x), J(x)·t): the Jacobian–vector product, forward mode.</summary>
    public static Func<Tensor, Tensor, (Tensor Value, Tensor Tangent)> Jvp(Func<Node, Node> f)
    {
        var jvp = Jvp(One(f), 0);
        return (x, tangent) => jvp([Required(x)], [Required(tangent)]);
    }

    /// <summary>(x, u) ↦ (f(x), J(x)ᵀ·u): the vector–Jacobian product, reverse mode.</summary>
    public static Func<Tensor, Tensor, (Tensor Value, Tensor Cotangent)> Vjp(Func<Node, Node> f)
    {
        var vjp = Vjp(One(f), 0);
        return (x, u) =>
        {
            var (value, cotangents) = vjp([Required(x)], Required(u));
            return (value, cotangents[0]);
        };
    }

    /// <summary>x ↦ J(x), column by column with forward mode (cheap when the input is small).</summary>
    public static Func<Tensor, DenseMatrix> JacFwd(Func<Node, Node> f)
    {
        var jacobian = JacFwd(One(f), 0);
        return x => jacobian([Required(x)]);
    }

    /// <summary>x ↦ J(x), row by row with reverse mode (cheap when the output is small).</summary>
    public static Func<Tensor, DenseMatrix> JacRev(Func<Node, Node> f)
    {
        var jacobian = JacRev(One(f), 0);
        return x => jacobian([Required(x)]);
    }

    /// <summary>x ↦ ∇²f(x) for a scalar-valued f: the forward-mode Jacobian of the gradient graph.</summary>
    public static Func<Tensor, DenseMatrix> Hessian(Func<Node, Node> f)
    {
        var hessian = Hessian(One(f), 0);
        return x => hessian([Required(x)]);
    }

    /// <summary>(x, v) ↦ ∇²f(x)·v for a scalar-valued f, forward-over-reverse, without forming the Hessian.</summary>
    public static Func<Tensor, Tensor, Tensor> Hvp(Func<Node, Node> f)
    {
        var hvp = Hvp(One(f), 0);
        return (x, v) => hvp([Required(x)], [Required(v)])[0];
    }

    /// <summary>xs ↦ the gradient of a scalar-valued f with respect to each input listed in <paramref name="argnums"/>.</summary>
    public static Func<Tensor[], Tensor[]> Grad(Func<Node[], Node> f, params int[] argnums)
    {
        var valueAndGrad = ValueAndGrad(f, argnums);
        return xs => valueAndGrad(xs).Gradients;
    }

    /// <summary>xs ↦ (f(xs), the gradient with respect to each input listed in <paramref name="argnums"/>), from one
    /// backward pass.</summary>
    public static Func<Tensor[], (double Value, Tensor[] Gradients)> ValueAndGrad(Func<Node[], Node> f, params int[] argnums)
    {
        var compiled = Cache("ValueAndGrad", f, argnums, t => new Derivation([t.Y, .. Reverse.Grad(t.Y, t.Wrt)], []));
        return xs =>
        {
            var c = compiled(xs);
            var values = c.Run(c.Bind(xs));
            return (values[0].ToScalar(), values[1..]);
        };
    }

    /// <summary>(xs, ts) ↦ (f(xs), J·t): the Jacobian–vector product for tangents <paramref name="argnums"/>-wise
    /// (the other inputs held fixed), forward mode.</summary>
    public static Func<Tensor[], Tensor[], (Tensor Value, Tensor Tangent)> Jvp(Func<Node[], Node> f, params int[] argnums)
    {
        var compiled = Cache("Jvp", f, argnums, t =>
        {
            var seeds = t.Seeds("t", t.Wrt);
            return new Derivation([t.Y, ForwardMode.Jvp([t.Y], [.. t.Wrt.Zip(seeds)])[0]], seeds);
        });
        return (xs, tangents) =>
        {
            var c = compiled(xs);
            var values = c.Run(c.Bind(xs, tangents, nameof(tangents)));
            return (values[0], values[1]);
        };
    }

    /// <summary>(xs, u) ↦ (f(xs), Jᵀ·u): the cotangent of each input listed in <paramref name="argnums"/>, reverse mode.</summary>
    public static Func<Tensor[], Tensor, (Tensor Value, Tensor[] Cotangents)> Vjp(Func<Node[], Node> f, params int[] argnums)
    {
        var compiled = Cache("Vjp", f, argnums, t =>
        {
            var u = t.Seeds("u", [t.Y]);
            return new Derivation([t.Y, .. Reverse.Vjp([t.Y], u, t.Wrt)], u);
        });
        return (xs, u) =>
        {
            var c = compiled(xs);
            var values = c.Run(c.Bind(xs, [u], nameof(u)));
            return (values[0], values[1..]);
        };
    }

    /// <summary>xs ↦ J(xs) with respect to the inputs listed in <paramref name="argnums"/> by forward mode: one JVP
    /// graph, compiled once and batched, each run pushing a block of columns' tangents as one matrix.</summary>
    public static Func<Tensor[], DenseMatrix> JacFwd(Func<Node[], Node> f, params int[] argnums)
    {
        var compiled = Cache("JacFwd", f, argnums, t =>
        {
            var seeds = t.Seeds("t", t.Wrt);
            return Batching.Lines(ForwardMode.Jvp([t.Y], [.. t.Wrt.Zip(seeds)]), seeds);
        });
        return xs => compiled(xs).Jacobian(xs, byRows: false);
    }

    /// <summary>xs ↦ J(xs) with respect to the inputs listed in <paramref name="argnums"/> by reverse mode: one VJP
    /// graph, compiled once and batched, each run pulling a block of rows' cotangents as one matrix.</summary>
    public static Func<Tensor[], DenseMatrix> JacRev(Func<Node[], Node> f, params int[] argnums)
    {
        var compiled = Cache("JacRev", f, argnums, t =>
        {
            var u = t.Seeds("u", [t.Y]);
            return Batching.Lines(Reverse.Vjp([t.Y], u, t.Wrt), u);
        });
        return xs => compiled(xs).Jacobian(xs, byRows: true);
    }

    /// <summary>xs ↦ ∇²f(xs) for a scalar-valued f, with respect to the inputs listed in <paramref name="argnums"/>:
    /// the forward-mode Jacobian of the gradient graph, compiled once and batched like <see cref="JacFwd(Func{Node[], Node}, int[])"/>.</summary>
    public static Func<Tensor[], DenseMatrix> Hessian(Func<Node[], Node> f, params int[] argnums)
    {
        var compiled = Cache("Hessian", f, argnums, t =>
        {
            var seeds = t.Seeds("t", t.Wrt);
            return Batching.Lines(ForwardMode.Jvp(Reverse.Grad(t.Y, t.Wrt), [.. t.Wrt.Zip(seeds)]), seeds);
        });
        return xs => compiled(xs).Jacobian(xs, byRows: false);
    }

    /// <summary>(xs, vs) ↦ ∇²f(xs)·v for a scalar-valued f, one block per input listed in <paramref name="argnums"/>,
    /// forward-over-reverse, without forming the Hessian.</summary>
    public static Func<Tensor[], Tensor[], Tensor[]> Hvp(Func<Node[], Node> f, params int[] argnums)
    {
        var compiled = Cache("Hvp", f, argnums, t =>
        {
            var seeds = t.Seeds("v", t.Wrt);
            return new Derivation(ForwardMode.Jvp(Reverse.Grad(t.Y, t.Wrt), [.. t.Wrt.Zip(seeds)]), seeds);
        });
        return (xs, vs) =>
        {
            var c = compiled(xs);
            return c.Run(c.Bind(xs, vs, nameof(vs)));
        };
    }

    // The argument of a returned function, named as the caller sees it.
    static Tensor Required(Tensor x, [CallerArgumentExpression(nameof(x))] string? name = null) =>
        x ?? throw new ArgumentNullException(name);

    static Func<Node[], Node> One(Func<Node, Node> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return xs => f(xs[0]);
    }

    /// <summary>f traced on one variable per input, with the inputs to differentiate (<see cref="Wrt"/>).</summary>
    sealed class Trace
    {
        readonly string who;
        public Node[] X { get; }
        public Node[] Wrt { get; }
        public Node Y { get; }

        public Trace(string who, Func<Node[], Node> f, Shape[] shapes, int[] argnums)
        {
            this.who = who;
            X = [.. shapes.Select((s, i) => Node.Variable($"x{i}", s))];
            Wrt = argnums.Length == 0 ? X : [.. argnums.Select(i => X[i])];
            Y = f((Node[])X.Clone()) ?? throw new ArgumentException($"Transforms.{who}: the function returned null");
            // Only the inputs can be bound: a variable the function made or captured would fail later, less clearly.
            foreach (var node in Topology.Of([Y]).Order)
                if (node.IsVariable && Array.IndexOf(X, node) < 0)
                    throw new ArgumentException($"Transforms.{who}: the function reads {node}, which is not one of its inputs; " +
                                                "pass it as an input, or its value as a constant (Node.Constant)");
        }

        /// <summary>Tangent or cotangent variables shaped like <paramref name="like"/>, named unlike any variable here.</summary>
        public Node[] Seeds(string stem, Node[] like) => AD.Seeds([Y], [.. like.Select(n => (stem, n.Shape))]);

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

    // One trace, derivative graph and plan per list of input shapes, built on first use; thread-safe, never changed
    // after. A build that throws is dropped, so the next call traces again.
    static Func<Tensor[], Compiled> Cache(string who, Func<Node[], Node> f, int[] argnums,
        Func<Trace, Derivation> derive)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(argnums);
        argnums = (int[])argnums.Clone();
        if (argnums.Any(i => i < 0) || argnums.Distinct().Count() != argnums.Length)
            throw new ArgumentException($"Transforms.{who}: argnums ({string.Join(", ", argnums)}) must be distinct input positions", nameof(argnums));
        var cache = new ConcurrentDictionary<Shape[], Lazy<Compiled>>(ShapeList.Comparer);
        return xs =>
        {
            ArgumentNullException.ThrowIfNull(xs);
            var shapes = new Shape[xs.Length];
            for (int i = 0; i < xs.Length; i++)
                shapes[i] = (xs[i] ?? throw new ArgumentNullException(nameof(xs), $"Transforms.{who}: input {i} is null")).Shape;
            if (argnums.FirstOrDefault(i => i >= xs.Length, -1) is var missing and >= 0)
                throw new ArgumentException($"Transforms.{who}: argnums names input {missing}, but the function was given {xs.Length} input(s)", nameof(argnums));
            var lazy = cache.GetOrAdd(shapes, s => new(() =>
            {
                var trace = new Trace(who, f, s, argnums);
                return new Compiled(trace, derive(trace));
            }));
            try { return lazy.Value; }
            catch
            {
                cache.TryRemove(new KeyValuePair<Shape[], Lazy<Compiled>>(shapes, lazy));
                throw;
            }
        };
    }

    sealed class ShapeList : IEqualityComparer<Shape[]>
    {
        public static readonly ShapeList Comparer = new();
        public bool Equals(Shape[]? a, Shape[]? b) => a.AsSpan().SequenceEqual(b);
        public int GetHashCode(Shape[] shapes)
        {
            var hash = new HashCode();
            foreach (var s in shapes) hash.Add(s);
            return hash.ToHashCode();
        }
    }
}
