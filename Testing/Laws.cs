using FsCheck;
using FsCheck.Fluent;
using static AutoDiff.Functional.Testing.Numerics;

namespace AutoDiff.Functional.Testing;

/// <summary>The op laws: each one a check of one <see cref="OpCase"/> that throws <see cref="LawViolated"/> naming the
/// quantity and both values, and <see cref="Check(OpEntry, Action{OpCase}, int, ValueTuple{ulong, ulong}?)"/> to run one
/// on random cases of an entry with shrinking. From xunit: <c>[Fact] public void Reverse() =&gt; Laws.Check(cube,
/// Laws.Reverse);</c>, or with FsCheck.Xunit: <c>[Property] public Property Reverse() =&gt;
/// Prop.ForAll(OpCases.Arbitrary(cube), Laws.Reverse);</c>. From a console program: call <c>Check</c> and catch.</summary>
/// <remarks>References are independent of the library's derivatives: float64 central differences per element, and
/// the two modes against each other.</remarks>
public static class Laws
{
    /// <summary>Agreement of a mode with finite differences: |a − fd| ≤ FdTolerance·max(1, size of the terms).</summary>
    public const double FdTolerance = 1e-6;
    /// <summary>Agreement of two AD computations of one quantity, relative to the size of its terms.</summary>
    public const double ModeTolerance = 1e-12;
    /// <summary>Second order: the two modes reach one quantity along different graphs.</summary>
    public const double SecondOrderModeTolerance = 1e-11;
    /// <summary>Vectorised kernels and summation orders differ from the reference loops by a few ulps.</summary>
    public const double ValueTolerance = 1e-13;

    /// <summary>Every law, by name, in the order <see cref="CheckAll"/> runs them.</summary>
    public static IReadOnlyList<(string Name, Action<OpCase> Law)> All { get; } =
    [
        (nameof(Shape), Shape), (nameof(Value), Value), (nameof(Forward), Forward),
        (nameof(Reverse), Reverse), (nameof(Adjoint), Adjoint), (nameof(SecondOrder), SecondOrder), (nameof(Batch), Batch),
    ];

    /// <summary>Runs <paramref name="law"/> on <paramref name="cases"/> random cases of <paramref name="entry"/>;
    /// on failure throws <see cref="LawViolated"/> with FsCheck's shrunk counterexample and its replay seed.</summary>
    public static void Check(OpEntry entry, Action<OpCase> law, int cases = 100, (ulong Seed, ulong Gamma)? replay = null) =>
        Check(OpCases.Arbitrary(entry), law, cases, replay);

    /// <summary>Runs <paramref name="law"/> on <paramref name="cases"/> cases drawn from <paramref name="arbitrary"/>.</summary>
    public static void Check(Arbitrary<OpCase> arbitrary, Action<OpCase> law, int cases = 100, (ulong Seed, ulong Gamma)? replay = null)
    {
        var config = Config.QuickThrowOnFailure.WithMaxTest(cases);
        if (replay is { } r) config = config.WithReplay(r.Seed, r.Gamma);
        try
        {
            FsCheck.Check.One(config, Prop.ForAll(arbitrary, law));
        }
        catch (Exception e) when (e is not LawViolated)
        {
            throw new LawViolated($"the {law.Method.Name} law failed: {e.Message}", e);
        }
    }

    /// <summary>Runs every law of <see cref="All"/> on <paramref name="entry"/>, stopping at the first that fails.</summary>
    public static void CheckAll(OpEntry entry, int cases = 100)
    {
        foreach (var (_, law) in All) Check(entry, law, cases);
    }

    /// <summary>Throws <see cref="LawViolated"/> with <paramref name="message"/> unless <paramref name="ok"/>.</summary>
    public static void Require(bool ok, Func<string> message)
    {
        if (!ok) throw new LawViolated(message());
    }

    /// <summary>The shape rule is a function of the input shapes; the forward rule writes every element of a buffer of
    /// that shape; the tangent from the JVP rule and each input's cotangent from the VJP rule have the shapes of the
    /// output and of the inputs.</summary>
    public static void Shape(OpCase c)
    {
        var g = c.Instantiate();
        var y = g.Output;
        var b = g.Bind();
        Require(y.Op.InferShape([.. y.Inputs.Select(i => i.Shape)]) == y.Shape, () => $"{y.Op}: the shape rule is not a function of the input shapes");
        if (y.Op is not IView)
        {
            var inputs = Evaluator.Evaluate(y.Inputs, b);
            var buffer = Enumerable.Repeat(double.NaN, y.Shape.Size).ToArray(); // the caller's buffer may hold garbage
            y.Op.Forward(inputs, buffer);
            int unwritten = Array.FindIndex(buffer, double.IsNaN);
            Require(unwritten < 0, () => $"{y.Op}: the forward rule left element {unwritten} of its {y.Shape} output unwritten (NaN)");
        }
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

    /// <summary>The forward rule computes what the definition says: the value against the entry's reference.</summary>
    public static void Value(OpCase c)
    {
        var value = c.Instantiate().Evaluate();
        var reference = c.ReferenceValue();
        Require(value.Shape.Size == reference.Length, () => $"{value.Shape.Size} values, the reference has {reference.Length}");
        for (int i = 0; i < reference.Length; i++)
            Require(Math.Abs(value[i] - reference[i]) <= ValueTolerance * Math.Max(1, Math.Abs(reference[i])),
                () => $"element {i}: {value[i]:R}, reference {reference[i]:R}");
    }

    /// <summary>J·t from forward mode equals J·t from central differences, element by element.</summary>
    public static void Forward(OpCase c)
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
    public static void Reverse(OpCase c)
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
    public static void Adjoint(OpCase c)
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
    public static void SecondOrder(OpCase c)
    {
        var g = c.Instantiate();
        var rng = c.Rng();
        var u = Node.Constant(Numerics.Random(rng, g.Output.Shape));
        var v = g.Variables.Select(x => Numerics.Random(rng, x.Shape)).ToArray();
        var gradient = Functional.Reverse.Vjp([g.Output], [u], g.Variables);
        var forwardOverReverse = ForwardMode.Jvp(gradient, [.. g.Variables.Zip(v.Select(Node.Constant))]);
        // H is symmetric, so the VJP of the gradient along v is H·v too.
        var reverseOverReverse = Functional.Reverse.Vjp(gradient, [.. v.Select(Node.Constant)], g.Variables);
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

    /// <summary>The batching rule (<see cref="Op.Batch"/>): the op applied to k members at once, with a random choice of
    /// inputs batched and the rest shared, equals the op applied to each member. Members are the case's values scaled
    /// by up to ±1% (signs kept). Ops without a rule, and composite rows, pass: their ops' own rows check theirs.</summary>
    public static void Batch(OpCase c)
    {
        var g = c.Instantiate();
        var y = g.Output;
        if (!y.Inputs.SequenceEqual(g.Variables)) return;
        var rng = c.Rng();
        int k = 1 + rng.Next(3), n = g.Variables.Length;
        var isBatched = g.Variables.Select(_ => rng.Next(2) == 0).ToArray();
        if (!isBatched.Any(b => b)) isBatched[rng.Next(n)] = true;
        var members = Enumerable.Range(0, k).Select(m => g.Values.Select((v, i) => isBatched[i] && m > 0
            ? Tensor.FromColumnMajor(v.Shape, [.. v.Values.ToArray().Select(e => e * (1 + 0.01 * (2 * rng.NextDouble() - 1)))])
            : v).ToArray()).ToArray();
        var wide = g.Variables.Select((v, i) => isBatched[i] ? Node.Variable($"{v}·{k}", Functional.Shape.Matrix(v.Shape.Size, k)) : null).ToArray();
        if (y.Op.Batch(y.Inputs, y, wide, k) is not { } rule) return;
        Require(rule.Shape == Functional.Shape.Matrix(y.Shape.Size, k), () => $"the batched output has shape {rule.Shape}, not ({y.Shape.Size}×{k})");
        var at = Bindings.Empty;
        for (int i = 0; i < n; i++)
            at = wide[i] is { } w
                ? at.Bind(w, Tensor.FromColumnMajor(w.Shape, [.. members.SelectMany(m => m[i].Values.ToArray())]))
                : at.Bind(g.Variables[i], g.Values[i]);
        var batch = Evaluator.Evaluate(rule, at).Values.ToArray();
        var each = members.Select(m => g.Evaluate(m).Values.ToArray()).ToArray();
        double scale = Math.Max(1, each.Max(v => MaxAbs(v)));
        for (int m = 0; m < k; m++)
            for (int e = 0; e < y.Shape.Size; e++)
            {
                double a = batch[e + m * y.Shape.Size], b = each[m][e];
                Require(a.Equals(b) || Math.Abs(a - b) <= ModeTolerance * scale,
                    () => $"member {m} of {k}, element {e}: batched {a:R}, one at a time {b:R}");
            }
    }
}

/// <summary>A law failed; the message says which law, which quantity and both values, and the shrunk counterexample.</summary>
public sealed class LawViolated : Exception
{
    /// <summary>A violation described by <paramref name="message"/>.</summary>
    public LawViolated(string message) : base(message) { }
    /// <summary>A violation found by a property run, <paramref name="inner"/> holding FsCheck's report.</summary>
    public LawViolated(string message, Exception inner) : base(message, inner) { }
}
