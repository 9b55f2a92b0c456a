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
/// rows too. <c>Vmap</c> runs a function written for one member on a batch, through the ops' batching rules; a
/// function <c>Grad</c> returned can be batched too (<c>Vmap(Grad(f))</c>, per-example gradients). The general form
/// of every transform is in Tracing.cs; the forms of several inputs in Transforms.Inputs.cs; Vmap in
/// Transforms.Vmap.cs.</remarks>
/// <example><code>
/// Func&lt;Node, Node&gt; f = x =&gt; x.Sin().Sum();
/// var df = Transforms.Grad(f);
/// DenseVector g = df(DenseVector.OfArray([0.1, 0.2])).AsVector();   // cos(x)
/// </code></example>
public static partial class Transforms
{
    /// <summary>x ↦ ∇f(x) for a scalar-valued f.</summary>
    public static Func<Tensor, Tensor> Grad(Func<Node, Node> f)
    {
        var grad = Grad(One(f), 0);
        return Traceable<Func<Tensor, Tensor>>(x => grad([Required(x)])[0], GradGraph(One(f), [0]));
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
}
