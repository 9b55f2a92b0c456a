namespace AutoDiff.Functional;

/// <summary>A user's forward-mode rule: the output's tangent given the inputs <paramref name="x"/>, the output
/// <paramref name="y"/> and the inputs' tangents <paramref name="t"/> (zeros where an input has none).</summary>
public delegate Node CustomJvp(Node[] x, Node y, Node[] t);

/// <summary>A user's reverse-mode rule: each input's cotangent given the inputs <paramref name="x"/>, the output
/// <paramref name="y"/> and the output's cotangent <paramref name="ct"/>.</summary>
public delegate Node[] CustomVjp(Node[] x, Node y, Node ct);

/// <summary>Derivative rules stated by the user (JAX's <c>custom_jvp</c>/<c>custom_vjp</c>, PyTorch's
/// <c>autograd.Function</c>), and <see cref="StopGradient"/>.</summary>
/// <example><code>
/// // log(1 + eˣ) with its derivative σ(x) stated, stable where the traced formula's derivative is not
/// var softplus = CustomRule.Define("softplus", x =&gt; (x[0].Exp() + 1).Log(),
///     jvp: (x, y, t) =&gt; t[0] * x[0].Sigmoid(),
///     vjp: (x, y, ct) =&gt; [ct * x[0].Sigmoid()]);
/// Node loss = softplus([w]).Sum();
/// </code></example>
public static class CustomRule
{
    /// <summary>The function <paramref name="f"/> with its own derivative rules. Its value is <paramref name="f"/>,
    /// traced on each call on variables of the arguments' shapes (it may read only its arguments). Forward mode uses
    /// <paramref name="jvp"/> and reverse mode <paramref name="vjp"/>; a rule not given is the derivative of
    /// <paramref name="f"/> itself. Rules are graphs of nodes, so they can be differentiated again, and are checked
    /// when used: a rule returning a wrong shape is a <see cref="ShapeException"/> naming <paramref name="name"/>.
    /// Check a rule with <see cref="GradCheck"/>: it compares both modes with finite differences of
    /// <paramref name="f"/>.</summary>
    public static Func<Node[], Node> Define(string name, Func<Node[], Node> f, CustomJvp? jvp = null, CustomVjp? vjp = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(f);
        return xs =>
        {
            ArgumentNullException.ThrowIfNull(xs);
            var shapes = new Shape[xs.Length];
            for (int i = 0; i < xs.Length; i++)
                shapes[i] = (xs[i] ?? throw new ArgumentNullException(nameof(xs), $"{name}: argument {i} is null")).Shape;
            var body = Ops.Traced.Of(name, shapes, x => [f(x)], [.. xs.Select(x => x.DType)]);
            return Node.Apply(new Ops.Custom(name, body, jvp, vjp), xs);
        };
    }

    /// <summary>x on values, zero on derivatives: forward and reverse mode treat it as a constant.</summary>
    public static Node StopGradient(this Node x) => Node.Apply(new Ops.StopGradient(), x);
}
