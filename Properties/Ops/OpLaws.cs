using AutoDiff.Functional.Properties.Support;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static AutoDiff.Functional.Properties.Support.Numerics;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>The generic laws, each one theory over the rows of <see cref="OpTable"/> (the row's name is in the test
/// name and in every counterexample), each row checked on 100 FsCheck cases with shrinking.</summary>
/// <remarks>References are independent of the library's derivatives: float64 central differences per element, and
/// the two modes against each other. Replay a failure by setting <c>PROPS_REPLAY="seed,gamma"</c> (from the
/// failure message) and running the one failing theory case; set <c>PROPS_MAXTEST=1000</c> for a heavier run.</remarks>
public class OpLaws
{
    /// <summary>Every row's name.</summary>
    public static TheoryData<string> Rows => new(OpTable.Entries.Select(e => e.Name));

    /// <summary>Agreement of a mode with finite differences: |a − fd| ≤ FdTolerance·max(1, size of the terms).</summary>
    const double FdTolerance = 1e-6;
    /// <summary>Agreement of two AD computations of one quantity, relative to the size of its terms.</summary>
    const double ModeTolerance = 1e-12;
    /// <summary>Second order: the two modes reach one quantity along different graphs.</summary>
    const double SecondOrderModeTolerance = 1e-11;

    /// <summary>Runs <paramref name="law"/> on 100 cases of the row named <paramref name="row"/>.</summary>
    internal static void Holds(string row, Action<OpCase> law, int cases = 100) => Holds(OpTable.Named(row), law, cases);

    /// <summary>Runs <paramref name="law"/> on <paramref name="cases"/> cases of <paramref name="entry"/>.</summary>
    internal static void Holds(OpEntry entry, Action<OpCase> law, int cases = 100) => Holds(OpCases.Arbitrary(entry), law, cases);

    /// <summary>Runs <paramref name="law"/> on <paramref name="cases"/> cases drawn from <paramref name="arbitrary"/>.</summary>
    internal static void Holds(Arbitrary<OpCase> arbitrary, Action<OpCase> law, int cases = 100)
    {
        // PROPS_MAXTEST scales every law up (or down) for a heavier run, e.g. PROPS_MAXTEST=1000.
        if (int.TryParse(Environment.GetEnvironmentVariable("PROPS_MAXTEST"), out var scaled) && scaled > 0)
            cases = Math.Max(1, cases * scaled / 100);
        var config = Config.QuickThrowOnFailure.WithMaxTest(cases);
        if (Environment.GetEnvironmentVariable("PROPS_REPLAY") is { Length: > 0 } replay)
        {
            var parts = replay.Trim('(', ')').Split(',');
            config = config.WithReplay(ulong.Parse(parts[0]), ulong.Parse(parts[1]));
        }
        Check.One(config, Prop.ForAll(arbitrary, law));
    }

    internal static void Require(bool ok, Func<string> message)
    {
        if (!ok) throw new LawViolated(message());
    }

    /// <summary>The forward rule's value has the shape the shape rule gave the node, and so do the tangent from
    /// the JVP rule and each input's cotangent from the VJP rule.</summary>
    [Theory, MemberData(nameof(Rows))]
    public void Shape_rule_matches_forward_result(string row) => Holds(row, ShapeLaw);

    internal static void ShapeLaw(OpCase c)
    {
        var g = c.Instantiate();
        var y = g.Output;
        var b = g.Bind();
        Require(y.Op.InferShape([.. y.Inputs.Select(i => i.Shape)]) == y.Shape, () => $"{y.Op}: the shape rule is not a function of the input shapes");
        var inputs = Evaluator.Evaluate(y.Inputs, b);
        var value = y.Compute(inputs);
        Require(value.Shape == y.Shape, () => $"{y.Op}: forward gave {value.Shape}, the shape rule {y.Shape}");
        var tangents = y.Inputs.Select(i => (Node?)Node.Constant(Numerics.Random(c.Rng(), i.Shape))).ToArray();
        if (y.Op.Jvp(y.Inputs, y, tangents) is { } t)
            Require(t.Shape == y.Shape, () => $"{y.Op}: JVP gave {t.Shape}, the output is {y.Shape}");
        var all = Enumerable.Repeat(true, y.Inputs.Length).ToArray();
        var cotangents = y.Op.Vjp(y.Inputs, y, Node.Constant(Numerics.Random(c.Rng(), y.Shape)), all);
        Require(cotangents.Length == y.Inputs.Length, () => $"{y.Op}: VJP gave {cotangents.Length} cotangents for {y.Inputs.Length} inputs");
        for (int k = 0; k < cotangents.Length; k++)
            if (cotangents[k] is { } ct)
                Require(ct.Shape == y.Inputs[k].Shape, () => $"{y.Op}: VJP gave input {k} a cotangent {ct.Shape}, the input is {y.Inputs[k].Shape}");
    }

    /// <summary>The forward rule computes what the definition says: the value against a plain-loop reference.</summary>
    [Theory, MemberData(nameof(Rows))]
    public void Forward_value_matches_reference(string row) => Holds(row, ValueLaw);

    internal static void ValueLaw(OpCase c)
    {
        var g = c.Instantiate();
        var value = g.Evaluate();
        var reference = c.Entry.Reference!(c.Values, c.Dims, c.Pick);
        Require(value.Shape.Size == reference.Length, () => $"{value.Shape.Size} values, the reference has {reference.Length}");
        for (int i = 0; i < reference.Length; i++)
            Require(Math.Abs(value[i] - reference[i]) <= ValueTolerance * Math.Max(1, Math.Abs(reference[i])),
                () => $"element {i}: {value[i]:R}, reference {reference[i]:R}");
    }

    /// <summary>Vectorised kernels and summation orders differ from the reference loops by a few ulps.</summary>
    const double ValueTolerance = 1e-13;

    /// <summary>J·t from forward mode equals J·t from central differences, element by element.</summary>
    [Theory, MemberData(nameof(Rows))]
    public void Forward_mode_matches_finite_differences(string row) => Holds(row, ForwardLaw);

    internal static void ForwardLaw(OpCase c)
    {
        var g = c.Instantiate();
        var rng = c.Rng();
        var t = g.Variables.Select(v => Numerics.Random(rng, v.Shape)).ToArray();
        var jvp = AD.Jvp([g.Output], g.Bind(), [.. g.Variables.Zip(t)]).Tangents[0];
        var jac = Jacobian(g.Evaluate, g.Values);
        var fd = Times(jac, t);
        var tFlat = Flatten(t);
        for (int i = 0; i < fd.Length; i++)
        {
            double scale = 0;
            for (int j = 0; j < tFlat.Length; j++) scale += Math.Abs(jac[i, j] * tFlat[j]);
            Require(Math.Abs(jvp[i] - fd[i]) <= FdTolerance * Math.Max(1, scale),
                () => $"output element {i}: forward mode {jvp[i]:R}, finite differences {fd[i]:R}");
        }
    }

    /// <summary>Jᵀ·u from reverse mode equals Jᵀ·u from central differences, element by element.</summary>
    [Theory, MemberData(nameof(Rows))]
    public void Reverse_mode_matches_finite_differences(string row) => Holds(row, ReverseLaw);

    internal static void ReverseLaw(OpCase c)
    {
        var g = c.Instantiate();
        var rng = c.Rng();
        var u = Numerics.Random(rng, g.Output.Shape);
        var vjp = Flatten(AD.Vjp(g.Output, g.Bind(), u, g.Variables).Cotangents);
        var jac = Jacobian(g.Evaluate, g.Values);
        var fd = TransposeTimes(jac, u.Values);
        for (int j = 0; j < fd.Length; j++)
        {
            double scale = 0;
            for (int i = 0; i < u.Shape.Size; i++) scale += Math.Abs(jac[i, j] * u[i]);
            Require(Math.Abs(vjp[j] - fd[j]) <= FdTolerance * Math.Max(1, scale),
                () => $"input element {j}: reverse mode {vjp[j]:R}, finite differences {fd[j]:R}");
        }
    }

    /// <summary>⟨u, J·t⟩ from forward mode equals ⟨Jᵀ·u, t⟩ from reverse mode to ~1e-12 of the size of the terms.</summary>
    [Theory, MemberData(nameof(Rows))]
    public void Adjoint_identity_between_modes(string row) => Holds(row, AdjointLaw);

    internal static void AdjointLaw(OpCase c)
    {
        var g = c.Instantiate();
        var rng = c.Rng();
        var t = g.Variables.Select(v => Numerics.Random(rng, v.Shape)).ToArray();
        var u = Numerics.Random(rng, g.Output.Shape);
        var jt = AD.Jvp([g.Output], g.Bind(), [.. g.Variables.Zip(t)]).Tangents[0];
        var jtu = Flatten(AD.Vjp(g.Output, g.Bind(), u, g.Variables).Cotangents);
        var tFlat = Flatten(t);
        double lhs = Dot(u.Values, jt.Values), rhs = Dot(jtu, tFlat);
        // The scale is the size of the terms of uᵀJt (Jacobian by differences: a scale needs no precision), but at
        // least ‖u‖·‖t‖: a function that cancels internally (f(x) = m(x) − m(m(x)) ≡ 0 in a random program) has tiny
        // final terms while the modes still round on intermediate terms of size ~‖u‖·‖t‖.
        double scale = Math.Max(AbsBilinear(u.Values, Jacobian(g.Evaluate, g.Values), t),
            Math.Max(AbsDot(u.Values, jt.Values), AbsDot(jtu, tFlat)));
        scale = Math.Max(scale, Math.Sqrt(Dot(u.Values, u.Values) * Dot(tFlat, tFlat)));
        Require(Math.Abs(lhs - rhs) <= ModeTolerance * scale + double.Epsilon,
            () => $"⟨u, J·t⟩ = {lhs:R} but ⟨Jᵀ·u, t⟩ = {rhs:R} (terms of size {scale:G3}, relative error {Math.Abs(lhs - rhs) / scale:G3})");
    }

    /// <summary>Second order through the gradient graph: the Hessian–vector product of ⟨u, f⟩ by forward-over-reverse
    /// and by reverse-over-reverse agree with each other and with central differences of the gradient.</summary>
    [Theory, MemberData(nameof(Rows))]
    public void Second_order_modes_agree_with_differences_of_the_gradient(string row) => Holds(row, SecondOrderLaw);

    internal static void SecondOrderLaw(OpCase c)
    {
        var g = c.Instantiate();
        var rng = c.Rng();
        var u = Node.Constant(Numerics.Random(rng, g.Output.Shape));
        var v = g.Variables.Select(x => Numerics.Random(rng, x.Shape)).ToArray();
        var gradient = Reverse.Vjp([g.Output], [u], g.Variables);
        var forwardOverReverse = ForwardMode.Jvp(gradient, [.. g.Variables.Zip(v.Select(Node.Constant))]);
        // H is symmetric, so the VJP of the gradient along v is H·v too.
        var reverseOverReverse = Reverse.Vjp(gradient, [.. v.Select(Node.Constant)], g.Variables);
        var b = g.Bind();
        var fwd = Flatten(Evaluator.Evaluate(forwardOverReverse, b));
        var rev = Flatten(Evaluator.Evaluate(reverseOverReverse, b));
        var fd = Directional(x => Evaluator.Evaluate(gradient, g.Bind(x)), g.Values, v).SelectMany(a => a).ToArray();
        double scale = Math.Max(1, Math.Max(MaxAbs(fd), Math.Max(MaxAbs(fwd), MaxAbs(rev))));
        for (int j = 0; j < fd.Length; j++)
        {
            Require(Math.Abs(fwd[j] - rev[j]) <= SecondOrderModeTolerance * scale,
                () => $"H·v element {j}: forward-over-reverse {fwd[j]:R}, reverse-over-reverse {rev[j]:R}");
            Require(Math.Abs(fwd[j] - fd[j]) <= 10 * FdTolerance * scale,
                () => $"H·v element {j}: forward-over-reverse {fwd[j]:R}, differences of the gradient {fd[j]:R}");
        }
    }
}

/// <summary>A law failed; the message says which quantity and both values.</summary>
public sealed class LawViolated(string message) : Exception(message);
