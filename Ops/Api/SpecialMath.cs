using AutoDiff.Functional.Ops;

namespace AutoDiff.Functional;

/// <summary>Special functions, element by element, each with a derivative rule of every order:
/// <c>x.Log1p()</c>, <c>x.Expm1()</c>, <c>x.LogSigmoid()</c>, <c>x.Erf()</c>, <c>x.LogGamma()</c>, <c>x.Digamma()</c>,
/// <c>x.Polygamma(n)</c>.</summary>
public static class SpecialMath
{
    /// <summary>ln(1 + x), accurate for tiny x.</summary>
    public static Node Log1p(this Node x) => Node.Apply(new Ops.Log1p(), x);
    /// <summary>eˣ − 1, accurate for tiny x.</summary>
    public static Node Expm1(this Node x) => Node.Apply(new Ops.Expm1(), x);
    /// <summary>ln σ(x) = −softplus(−x), finite at every finite x.</summary>
    public static Node LogSigmoid(this Node x) => Node.Apply(new Ops.LogSigmoid(), x);
    /// <summary>The error function erf x.</summary>
    public static Node Erf(this Node x) => Node.Apply(new Ops.Erf(), x);
    /// <summary>ln Γ(x) for x &gt; 0 (NaN elsewhere).</summary>
    public static Node LogGamma(this Node x) => Node.Apply(new Ops.LogGamma(), x);
    /// <summary>The digamma function ψ(x) = (ln Γ)′(x).</summary>
    public static Node Digamma(this Node x) => Node.Apply(new Ops.Digamma(), x);
    /// <summary>The polygamma function ψ⁽ⁿ⁾(x) of order 1 ≤ n ≤ 40 (n = 1: the trigamma).</summary>
    public static Node Polygamma(this Node x, int order) => Node.Apply(new Ops.Polygamma(order), x);
}
