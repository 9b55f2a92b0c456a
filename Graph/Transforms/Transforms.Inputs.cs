using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional;

// The general forms: functions of several inputs, differentiated with respect to the inputs listed in argnums. The
// one-input forms (Transforms.cs) are conveniences over these.
public static partial class Transforms
{
    /// <summary>xs ↦ the gradient of a scalar-valued f with respect to each input listed in <paramref name="argnums"/>.</summary>
    public static Func<Tensor[], Tensor[]> Grad(Func<Node[], Node> f, params int[] argnums)
    {
        var valueAndGrad = ValueAndGrad(f, argnums);
        return Traceable<Func<Tensor[], Tensor[]>>(xs => valueAndGrad(xs).Gradients, GradGraph(f, Checked("Grad", argnums)));
    }

    /// <summary>The gradient as a graph of the nodes it is given, for <see cref="Vmap(Func{Tensor[], Tensor[]}, int?[], int[])"/>:
    /// f traced on variables of their shapes, differentiated, and the variables replaced by the nodes.</summary>
    static Func<Node[], Node[]> GradGraph(Func<Node[], Node> f, int[] argnums) => xs =>
    {
        if (argnums.FirstOrDefault(i => i >= xs.Length, -1) is var missing and >= 0)
            throw new ArgumentException($"Transforms.Grad: argnums names input {missing}, but the function was given {xs.Length} input(s)", nameof(argnums));
        var trace = new Trace("Grad", f, [.. xs.Select(x => new Signature(x.Shape, x.DType))], argnums);
        return Graph.Substitute(Reverse.Grad(trace.Y, trace.Wrt), [.. trace.X.Zip(xs)]);
    };

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
            return Batching.Lines(ForwardMode.Jvp(Reverse.Grad(AD.Scalar("Transforms.Hessian", t.Y), t.Wrt), [.. t.Wrt.Zip(seeds)]), seeds);
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
            return new Derivation(ForwardMode.Jvp(Reverse.Grad(AD.Scalar("Transforms.Hvp", t.Y), t.Wrt), [.. t.Wrt.Zip(seeds)]), seeds);
        });
        return (xs, vs) =>
        {
            var c = compiled(xs);
            return c.Run(c.Bind(xs, vs, nameof(vs)));
        };
    }
}
