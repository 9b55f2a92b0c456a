using System.Collections.Concurrent;
using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional;

/// <summary>Function transformations named as JAX users expect: each takes a function from a node to a node and
/// returns a function on values. MathNet vectors and matrices convert to <see cref="Tensor"/> without copying, and
/// <c>.AsVector()</c> / <c>.AsMatrix()</c> read results back without copying. The function is traced into a graph,
/// its derivative graph built and both compiled into a <see cref="Plan"/>, once per input shape; later calls only run
/// the plan.</summary>
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
        var valueAndGrad = ValueAndGrad(f);
        return x => valueAndGrad(x).Gradient;
    }

    /// <summary>x ↦ (f(x), ∇f(x)) for a scalar-valued f, from one backward pass.</summary>
    public static Func<Tensor, (double Value, Tensor Gradient)> ValueAndGrad(Func<Node, Node> f)
    {
        var traced = Cache(f, t => [t.Y, Reverse.Grad(t.Y, [t.X])[0]]);
        return x =>
        {
            var (trace, plan) = traced(x.Shape);
            var values = plan.Run(trace.Bind(x));
            return (values[0].ToScalar(), values[1]);
        };
    }

    /// <summary>(x, t) ↦ (f(x), J(x)·t): the Jacobian–vector product, forward mode.</summary>
    public static Func<Tensor, Tensor, (Tensor Value, Tensor Tangent)> Jvp(Func<Node, Node> f)
    {
        var traced = Cache(f, t => [t.Y, ForwardMode.Jvp([t.Y], [(t.X, t.Aux(t.X.Shape))])[0]]);
        return (x, tangent) =>
        {
            var (trace, plan) = traced(x.Shape);
            var values = plan.Run(trace.Bind(x).Bind(trace.Aux(x.Shape), tangent));
            return (values[0], values[1]);
        };
    }

    /// <summary>(x, u) ↦ (f(x), J(x)ᵀ·u): the vector–Jacobian product, reverse mode.</summary>
    public static Func<Tensor, Tensor, (Tensor Value, Tensor Cotangent)> Vjp(Func<Node, Node> f)
    {
        var traced = Cache(f, t => [t.Y, Reverse.Vjp([t.Y], [t.Aux(t.Y.Shape)], [t.X])[0]]);
        return (x, u) =>
        {
            var (trace, plan) = traced(x.Shape);
            var values = plan.Run(trace.Bind(x).Bind(trace.Aux(trace.Y.Shape), u));
            return (values[0], values[1]);
        };
    }

    /// <summary>x ↦ J(x), column by column with forward mode (cheap when the input is small).</summary>
    public static Func<Tensor, DenseMatrix> JacFwd(Func<Node, Node> f)
    {
        var traced = Cache(f, t => [t.Y]);
        return x =>
        {
            var trace = traced(x.Shape).Trace;
            return AD.JacobianForward(trace.Y, trace.X, trace.Bind(x));
        };
    }

    /// <summary>x ↦ J(x), row by row with reverse mode (cheap when the output is small).</summary>
    public static Func<Tensor, DenseMatrix> JacRev(Func<Node, Node> f)
    {
        var traced = Cache(f, t => [t.Y]);
        return x =>
        {
            var trace = traced(x.Shape).Trace;
            return AD.JacobianReverse(trace.Y, trace.X, trace.Bind(x));
        };
    }

    /// <summary>x ↦ ∇²f(x) for a scalar-valued f: forward-mode Jacobian of the gradient graph.</summary>
    public static Func<Tensor, DenseMatrix> Hessian(Func<Node, Node> f)
    {
        var traced = Cache(f, t => [Reverse.Grad(t.Y, [t.X])[0]]);
        return x =>
        {
            var t = traced(x.Shape);
            return AD.JacobianForward(t.Outputs[0], t.Trace.X, t.Trace.Bind(x));
        };
    }

    /// <summary>(x, v) ↦ ∇²f(x)·v for a scalar-valued f, forward-over-reverse, without forming the Hessian.</summary>
    public static Func<Tensor, Tensor, Tensor> Hvp(Func<Node, Node> f)
    {
        var traced = Cache(f, t => [ForwardMode.Jvp([Reverse.Grad(t.Y, [t.X])[0]], [(t.X, t.Aux(t.X.Shape))])[0]]);
        return (x, v) =>
        {
            var (trace, plan) = traced(x.Shape);
            return plan.Run(trace.Bind(x).Bind(trace.Aux(x.Shape), v))[0];
        };
    }

    /// <summary>f traced on a variable of one shape, with an auxiliary variable (a tangent or cotangent) per shape.</summary>
    sealed class Trace
    {
        readonly ConcurrentDictionary<Shape, Node> aux = new();
        public Node X { get; }
        public Node Y { get; }

        public Trace(Func<Node, Node> f, Shape shape)
        {
            X = Node.Variable("Transforms.x", shape);
            Y = f(X) ?? throw new ArgumentException("Transforms: the function returned null");
        }

        public Node Aux(Shape shape) => aux.GetOrAdd(shape, s => Node.Variable("Transforms.v", s));
        public Bindings Bind(Tensor x) => Bindings.Empty.Bind(X, x);
    }

    /// <summary>A trace, the graphs derived from it, and their plan, compiled on first run (the Jacobians and the
    /// Hessian evaluate column by column through the interpreter and never run it).</summary>
    sealed class Traced(Trace trace, Node[] outputs)
    {
        readonly Lazy<Plan> plan = new(() => Plan.Compile(outputs));
        public Trace Trace => trace;
        public Node[] Outputs => outputs;
        public void Deconstruct(out Trace t, out Plan p) => (t, p) = (trace, plan.Value);
    }

    // One trace and derivative graph per input shape, built on first use; thread-safe, and never changes after.
    static Func<Shape, Traced> Cache(Func<Node, Node> f, Func<Trace, Node[]> derive)
    {
        ArgumentNullException.ThrowIfNull(f);
        var cache = new ConcurrentDictionary<Shape, Lazy<Traced>>();
        return shape => cache.GetOrAdd(shape, s => new(() =>
        {
            var trace = new Trace(f, s);
            return new Traced(trace, derive(trace));
        })).Value;
    }
}
