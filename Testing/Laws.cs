using FsCheck;
using FsCheck.Fluent;
using static AutoDiff.Functional.Testing.Numerics;

namespace AutoDiff.Functional.Testing;

/// <summary>The op laws: each one a check of one <see cref="OpCase"/> that throws <see cref="LawViolated"/> naming the
/// quantity and both values (or <see cref="LawNotApplicable"/> with the reason, when the law cannot apply to the
/// entry), and <see cref="Check(OpEntry, Action{OpCase}, int, ValueTuple{ulong, ulong}?)"/> to run one on random cases
/// of an entry with shrinking. From xunit: <c>[Fact] public void Reverse() =&gt; Laws.Check(cube, Laws.Reverse);</c>,
/// or with FsCheck.Xunit: <c>[Property] public Property Reverse() =&gt; Prop.ForAll(OpCases.Arbitrary(cube),
/// Laws.Reverse);</c>. From a console program: call <c>Check</c> and catch.</summary>
/// <remarks>
/// <para>What each law compares, and against what:</para>
/// <list type="bullet">
/// <item><see cref="Value"/>: the forward rule against the entry's plain-loop <see cref="OpEntry.Reference"/>, to
/// <see cref="ValueTolerance"/> of max(1, |reference|).</item>
/// <item><see cref="Forward"/> and <see cref="Reverse"/>: J·t and Jᵀ·u against Richardson-extrapolated central
/// differences (<see cref="Numerics.Richardson"/>), element by element, to <see cref="FdTolerance"/> of the size of the
/// terms plus the differences' own error estimate; no floor of 1. Past <see cref="JacobianLimit"/> input elements, one
/// random projection ⟨u, J·w⟩ instead of the whole Jacobian.</item>
/// <item><see cref="Adjoint"/>: ⟨u, J·t⟩ from forward mode against ⟨Jᵀ·u, t⟩ from reverse mode, to
/// <see cref="ModeTolerance"/>. Not a check for an element-wise op (<c>UnaryElementwise</c>, <c>BinaryElementwise</c>):
/// both modes multiply by one shared derivative graph, so the identity holds by construction; the law then throws
/// <see cref="LawNotApplicable"/>, and <see cref="Derivative"/> is the check.</item>
/// <item><see cref="Derivative"/>: for element-wise entries, the JVP and the VJP element by element against the
/// entry's separately written f′ (<see cref="OpEntry.Derivative"/>), to <see cref="DerivativeTolerance"/>.</item>
/// <item><see cref="SecondOrder"/>: H·w of ⟨u, f⟩ by forward-over-reverse against reverse-over-reverse
/// (<see cref="SecondOrderModeTolerance"/>) and against Richardson differences of the gradient
/// (<see cref="SecondOrderFdTolerance"/> plus the error estimate).</item>
/// <item><see cref="SecondDerivative"/>: for element-wise entries, H·w by both second-order modes against the entry's
/// separately written f″ (<see cref="OpEntry.SecondDerivative"/>), element by element.</item>
/// <item><see cref="Batch"/>: the op's batching rule against the op applied member by member, exactly or to
/// <see cref="ModeTolerance"/>; <see cref="LawNotApplicable"/> when the op has no rule.</item>
/// </list>
/// </remarks>
public static partial class Laws
{
    /// <summary>A mode against Richardson differences: AD rounds to ~1e-15 of the terms and the differences' error is
    /// added separately (their estimate), so this only absorbs the estimate's misses (a few 1e-10 where a special
    /// function's value is not smooth to the last digits, as MathNet's ln Γ); half of 1e-9, so that a rule wrong by
    /// 1e-9 relative fails.</summary>
    public const double FdTolerance = 5e-10;
    /// <summary>Two AD computations of one quantity: each rounds to a few ε (2.2e-16) per term, over up to ~100 terms.</summary>
    public const double ModeTolerance = 1e-12;
    /// <summary>Second order: the two modes reach one quantity along different graphs of a few dozen nodes, each
    /// rounding a few ε; 1e-11 of the largest element.</summary>
    public const double SecondOrderModeTolerance = 1e-11;
    /// <summary>Second order against Richardson differences of the gradient, normwise (the gradient graph cancels
    /// internally more than the function does), plus the error estimate; half of 1e-9, as for the first order.</summary>
    public const double SecondOrderFdTolerance = 5e-10;
    /// <summary>Vectorised kernels and summation orders differ from the reference loops by a few ulps.</summary>
    public const double ValueTolerance = 1e-13;
    /// <summary>An element-wise rule against a separately written f′ or f″: the rule and the reference each round to a
    /// few ε of the terms (special functions to ~1e-14); 1e-12 leaves a margin of 10 and fails a rule wrong by 1e-11.</summary>
    public const double DerivativeTolerance = 1e-12;
    /// <summary>Below 2⁻¹⁰²² a product keeps only absolute precision, one subnormal ulp 2⁻¹⁰⁷⁴ ≈ 4.9e-324 per operation:
    /// 64 of them cover the few operations of a rule.</summary>
    public const double UnderflowFloor = 64 * double.Epsilon;
    /// <summary>Input elements up to which the laws build the whole Jacobian by differences (six evaluations of the
    /// function per element); past it, one random projection, so derivative laws also run at dimensions up to 70.</summary>
    public const int JacobianLimit = 400;

    /// <summary>Every law, by name, in the order <see cref="CheckAll"/> runs them.</summary>
    public static IReadOnlyList<(string Name, Action<OpCase> Law)> All { get; } =
    [
        (nameof(Shape), Shape), (nameof(Value), Value), (nameof(Forward), Forward), (nameof(Reverse), Reverse),
        (nameof(Adjoint), Adjoint), (nameof(Derivative), Derivative), (nameof(SecondOrder), SecondOrder),
        (nameof(SecondDerivative), SecondDerivative), (nameof(Batch), Batch), (nameof(Float32), Float32),
    ];

    /// <summary>Runs <paramref name="law"/> on <paramref name="cases"/> random cases of <paramref name="entry"/>;
    /// on failure throws <see cref="LawViolated"/> with FsCheck's shrunk counterexample and its replay seed, and
    /// <see cref="LawNotApplicable"/> when the law does not apply to the entry.</summary>
    public static void Check(OpEntry entry, Action<OpCase> law, int cases = 100, (ulong Seed, ulong Gamma)? replay = null) =>
        Check(OpCases.Arbitrary(entry), law, cases, replay);

    /// <summary>Runs <paramref name="law"/> on <paramref name="cases"/> cases drawn from <paramref name="arbitrary"/>.</summary>
    public static void Check(Arbitrary<OpCase> arbitrary, Action<OpCase> law, int cases = 100, (ulong Seed, ulong Gamma)? replay = null)
    {
        var config = Config.QuickThrowOnFailure.WithMaxTest(cases);
        if (replay is { } r) config = config.WithReplay(r.Seed, r.Gamma);
        LawNotApplicable? notApplicable = null;
        OpCase? failed = null;   // the last case that failed: after shrinking, the counterexample
        try
        {
            FsCheck.Check.One(config, Prop.ForAll(arbitrary, c =>
            {
                try { law(c); }
                catch (LawNotApplicable e) { notApplicable = e; throw; }
                catch { failed = c; throw; }
            }));
        }
        catch (Exception e) when (e is not LawViolated)
        {
            if (notApplicable is not null) throw new LawNotApplicable(notApplicable.Message);
            throw new LawViolated($"the {law.Method.Name} law failed: {e.Message}{(failed is null ? "" : KinkHint(law, failed))}", e);
        }
    }

    /// <summary>Runs every law of <see cref="All"/> on <paramref name="entry"/> and returns the laws that did not apply,
    /// each with its reason (never a silent pass). Every law runs even when one fails, so a false failure (differences
    /// across an undeclared kink) cannot hide a real one behind it: when any fail, one <see cref="LawViolated"/> names
    /// them all, each with its own message, in <see cref="LawViolated.Failures"/>.</summary>
    public static IReadOnlyList<(string Law, string Reason)> CheckAll(OpEntry entry, int cases = 100)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var skipped = new List<(string, string)>();
        var failures = new List<(string, LawViolated)>();
        foreach (var (name, law) in All)
            try { Check(entry, law, cases); }
            catch (LawNotApplicable e) { skipped.Add((name, e.Message)); }
            catch (LawViolated e) { failures.Add((name, e)); }
        if (failures.Count > 0)
            throw new LawViolated($"{entry.Name}: {failures.Count} of {All.Count} laws failed ({string.Join(", ", failures.Select(f => f.Item1))}):\n" +
                string.Join("\n", failures.Select(f => $"• {f.Item1}: {f.Item2.Message}")), failures);
        return skipped;
    }

    /// <summary>How far from a kink an input element must be for the laws' differences not to cross it: twice
    /// Richardson's largest step, <see cref="Numerics.RichardsonStep"/>·max(1, |kink|).</summary>
    public static double KinkReach(double kink) => 2 * Numerics.RichardsonStep * Math.Max(1, Math.Abs(kink));

    /// <summary>Per input element (the inputs in order, each column-major): whether it lies within
    /// <see cref="KinkReach"/> of one of the entry's declared <see cref="OpEntry.Kinks"/>.</summary>
    static bool[] NearKink(OpCase c, Tensor[] values)
    {
        var near = new bool[values.Sum(v => v.Shape.Size)];
        if (c.Entry.Kinks.Count == 0) return near;
        int flat = 0;
        foreach (var v in values)
            foreach (var x in v.Values) near[flat++] = c.Entry.Kinks.Any(k => Math.Abs(x - k) <= KinkReach(k));
        return near;
    }

    /// <summary><paramref name="t"/> with the elements marked in <paramref name="near"/> set to 0: a tangent or a
    /// direction that does not move them, so the differences never step across their kink.</summary>
    static Tensor[] OffKinks(Tensor[] t, bool[] near)
    {
        if (!near.Contains(true)) return t;
        int flat = 0;
        return [.. t.Select(v => Tensor.FromColumnMajor(v.Shape, [.. v.Values.ToArray().Select(e => near[flat++] ? 0 : e)]))];
    }

    /// <summary>After a law against differences failed on <paramref name="c"/>: moves one input element at a time off its
    /// value, by ±1% of max(1, |x|), and says so when that alone clears the law both ways: the function is then not
    /// smooth at that value (a kink), where differences measure neither side's derivative. Empty otherwise (a wrong
    /// rule fails wherever its elements are).</summary>
    static string KinkHint(Action<OpCase> law, OpCase c)
    {
        if (law != Forward && law != Reverse && law != SecondOrder) return "";
        var inputs = c.Inputs;
        if (inputs.Any(i => i.Domain.Map is not null)) return "";   // drawn entries are not the function's inputs
        bool Holds(OpCase moved)
        {
            try { law(moved); return true; }
            catch (Exception) { return false; }
        }
        for (int k = 0, tried = 0; k < c.Values.Length; k++)
            for (int j = 0; j < c.Values[k].Length && tried < 64; j++, tried++)
            {
                double x = c.Values[k][j], delta = 0.01 * Math.Max(1, Math.Abs(x));
                var moves = new[] { x - delta, x + delta }.Where(inputs[k].Domain.Contains).ToArray();
                if (moves.Length == 0 || !moves.All(m => Holds(c with { Values = [.. c.Values.Select((v, i) => i != k ? v : [.. v.Select((e, l) => l == j ? m : e)])] })))
                    continue;
                string name = inputs[k].Name ?? $"x{k}", point = x.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                string domain = x == 0 ? "Domain.NonZero" : $"a Domain that leaves {point} out";
                return $"\nThe disagreement vanishes when {name} element {j} = {point} alone moves by ±{delta:G2}: {c.Entry.Name} looks not smooth " +
                       $"at {point} (a kink), where differences measure neither side's derivative. Declare it on the entry " +
                       $"(Kinks = [{point}]: the laws against differences then leave that point to the Derivative law and the row's f′), " +
                       $"or draw the input from {domain}.";
            }
        return "";
    }

    /// <summary>Why <paramref name="law"/> does not apply to <paramref name="c"/>'s entry, or null when it does: the
    /// law's own applicability test, without running the check.</summary>
    public static string? NotApplicable(Action<OpCase> law, OpCase c)
    {
        var g = c.Instantiate();
        var y = g.Output;
        if ((law == Forward || law == Reverse || law == Adjoint || law == SecondOrder) && NoDerivatives(g) is { } data) return data;
        if (law == Adjoint && SharedDerivative(g)) return SharedReason(y.Op);
        if (law == Float32) return Float32NotApplicable(c);
        if ((law == Derivative && c.Entry.Derivative is null) || (law == SecondDerivative && c.Entry.SecondDerivative is null))
            return $"{c.Entry.Name} is not an element-wise row with a separately written {(law == Derivative ? "f′" : "f″")}";
        if (law == Batch)
        {
            // Applicable when some choice of batched inputs has a rule: every input, or one alone.
            int n = g.Variables.Length;
            var reasons = new[] { Enumerable.Repeat(true, n).ToArray() }.Concat(Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Select(j => j == i).ToArray()))
                .Select(choice => BatchRule(g, [.. g.Variables.Select((v, i) => choice[i] ? Node.Variable("probe", Functional.Shape.Matrix(v.Shape.Size, 2)) : null)], 2).Reason)
                .ToList();
            return reasons.Any(r => r is null) ? null : reasons[0];
        }
        return null;
    }

    /// <summary>Throws <see cref="LawViolated"/> with <paramref name="message"/> unless <paramref name="ok"/>.</summary>
    public static void Require(bool ok, Func<string> message)
    {
        if (!ok) throw new LawViolated(message());
    }

    /// <summary>The graph is one element-wise op applied to the variables, whose JVP and VJP share one derivative
    /// graph (a composite graph's modes go through different rules, so the identity is a check there).</summary>
    static bool SharedDerivative(Instance g) => g.Output.Op is Ops.UnaryElementwise or Ops.BinaryElementwise && g.Output.Inputs.All(g.Variables.Contains);
    static string SharedReason(Op op) => $"{op}: JVP and VJP multiply by one shared derivative graph, so the adjoint identity holds by construction (the Derivative law checks it)";

    /// <summary>Why no derivative law applies to <paramref name="g"/>: its output is int32 data (positions, as ArgMin
    /// gives), which has no derivatives; null for a float output.</summary>
    static string? NoDerivatives(Instance g) =>
        g.Output.DType.IsFloat() ? null : $"{g.Output.Op}: its output is {g.Output.DType.Name()} data, which has no derivatives";

    /// <summary>Throws <see cref="LawNotApplicable"/> when <paramref name="g"/>'s output has no derivatives.</summary>
    static Instance Differentiable(Instance g) => NoDerivatives(g) is { } reason ? throw new LawNotApplicable(reason) : g;

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

    /// <summary>The forward rule computes what the definition says: the value against the entry's reference, to
    /// <see cref="ValueTolerance"/>·max(1, |reference|) (NaN and ±∞ must match exactly).</summary>
    public static void Value(OpCase c)
    {
        var value = c.Instantiate().Evaluate().ToFloat64();   // int32 positions as the numbers they are
        var reference = c.ReferenceValue();
        var terms = c.Entry.ValueTerms?.Invoke(c.InputValues, c.Dims, c.Pick);
        Require(value.Shape.Size == reference.Length, () => $"{value.Shape.Size} values, the reference has {reference.Length}");
        for (int i = 0; i < reference.Length; i++)
            Require(value[i].Equals(reference[i]) || Math.Abs(value[i] - reference[i]) <= ValueTolerance * Math.Max(1, Math.Max(Math.Abs(reference[i]), terms?[i] ?? 0)),
                () => $"element {i}: {value[i]:R}, reference {reference[i]:R}{(terms is null ? "" : $" (Σ|terms| {terms[i]:G4})")}");
    }

    /// <summary>The bound on |AD − differences| for one quantity: <see cref="FdTolerance"/> of its terms plus the
    /// differences' error estimate, never looser than the law's former 1e-6·max(1, terms).</summary>
    static double FdBound(OpCase c, double terms, double error) =>
        Math.Min(c.Entry.ToleranceScale * FdTolerance * terms + error + UnderflowFloor + c.Entry.DifferencesAbsoluteError, 1e-6 * Math.Max(1, terms));

    /// <summary>Differences whose own error estimate exceeds the law's former bound 1e-6·max(1, terms) (steps that leave
    /// the domain, overflow, or round away, as eˣ at x = 1e-300 in steps of x's size) cannot check an element; it is left
    /// to the other laws (the Derivative law, for element-wise ops).</summary>
    static bool Resolved(double error, double terms = 0) => double.IsFinite(error) && error <= 1e-6 * Math.Max(1, terms);

    /// <summary>J·t from forward mode equals J·t from Richardson differences, element by element (past
    /// <see cref="JacobianLimit"/> input elements: ⟨u, J·w⟩ for random u and a direction w scaled to x).</summary>
    public static void Forward(OpCase c)
    {
        var g = Differentiable(c.Instantiate());
        var rng = c.Rng();
        if (g.Values.Sum(v => v.Shape.Size) > JacobianLimit) { Projected(c, g, rng, reverse: false); return; }
        var t = OffKinks([.. g.Variables.Select(v => Numerics.Random(rng, v.Shape))], NearKink(c, g.Values));
        var jvp = AD.Jvp([g.Output], g.Bind(), [.. g.Variables.Zip(t)]).Tangents[0];
        var (jac, err) = RichardsonJacobian(g.Evaluate, g.Values);
        var tFlat = Flatten(t);
        var noise = new Lazy<double>(() => TangentRounding([g.Output], g.Bind(), [.. g.Variables.Zip(t)]));
        for (int i = 0; i < jac.GetLength(0); i++)
        {
            double fd = 0, terms = 0, error = 0;
            for (int j = 0; j < tFlat.Length; j++)
            {
                fd += jac[i, j] * tFlat[j];
                terms += Math.Abs(jac[i, j] * tFlat[j]);
                error += tFlat[j] == 0 ? 0 : err[i, j] * Math.Abs(tFlat[j]);
            }
            if (!Resolved(error, terms)) continue;
            double gap = Math.Abs(jvp[i] - fd);
            Require(gap <= FdBound(c, terms, error) || gap <= FdBound(c, terms, error) + noise.Value,
                () => $"output element {i}: forward mode {jvp[i]:R}, finite differences (Richardson) {fd:R} (error estimate {error:G3}, relative error {gap / terms:G3}, forward mode's own rounding ≤ {noise.Value:G3})");
        }
    }

    /// <summary>Jᵀ·u from reverse mode equals Jᵀ·u from Richardson differences, element by element (past
    /// <see cref="JacobianLimit"/> input elements: ⟨Jᵀ·u, w⟩ against ⟨u, J·w⟩ by differences).</summary>
    public static void Reverse(OpCase c)
    {
        var g = Differentiable(c.Instantiate());
        var rng = c.Rng();
        if (g.Values.Sum(v => v.Shape.Size) > JacobianLimit) { Projected(c, g, rng, reverse: true); return; }
        var u = Numerics.Random(rng, g.Output.Shape);
        var vjp = Flatten(AD.Vjp(g.Output, g.Bind(), u, g.Variables).Cotangents);
        var (jac, err) = RichardsonJacobian(g.Evaluate, g.Values);
        var near = NearKink(c, g.Values);
        var noise = new Lazy<double>(() => CotangentRounding([g.Output], g.Bind(), [Node.Constant(u)]));
        for (int j = 0; j < vjp.Length; j++)
        {
            if (near[j]) continue;   // differences along it would cross a declared kink
            double fd = 0, terms = 0, error = 0;
            for (int i = 0; i < u.Shape.Size; i++)
            {
                fd += jac[i, j] * u[i];
                terms += Math.Abs(jac[i, j] * u[i]);
                error += u[i] == 0 ? 0 : err[i, j] * Math.Abs(u[i]);
            }
            if (!Resolved(error, terms)) continue;
            double gap = Math.Abs(vjp[j] - fd);
            Require(gap <= FdBound(c, terms, error) || gap <= FdBound(c, terms, error) + noise.Value,
                () => $"input element {j}: reverse mode {vjp[j]:R}, finite differences (Richardson) {fd:R} (error estimate {error:G3}, relative error {gap / terms:G3}, reverse mode's own rounding ≤ {noise.Value:G3})");
        }
    }

    /// <summary>A bound on reverse mode's own rounding: 16·2⁻⁵²·Σ‖z̄‖₁ over every value z the graph makes, z̄ the cotangent
    /// that reaches it from <paramref name="cotangents"/> (by reverse mode over the graph rebuilt with each z as z + ε_z, at
    /// ε = 0). Differences see a Jacobian's entries; reverse mode sums paths through the graph, and where paths cancel
    /// (the derivative of mean(mean(x)) − mean(x), zero but for rounding) its result is rounding of the size of the
    /// cotangents it carried, which the entries do not show. Computed only when the differences' bound alone fails.</summary>
    static double CotangentRounding(IReadOnlyList<Node> outputs, Bindings at, IReadOnlyList<Node> cotangents)
    {
        var (images, perturbations, perturbedAt) = Rounding.Perturbed(outputs, at, z => !z.IsLeaf && z.DType == DType.Float64, (z, ε) => z + ε);
        if (perturbations.Length == 0) return 0;
        var bars = Evaluator.Evaluate(Functional.Reverse.Vjp(images, cotangents, perturbations), perturbedAt);
        return 16 * Math.Pow(2, -52) * bars.Sum(b => b.Values.ToArray().Sum(Math.Abs));
    }

    /// <summary>Forward mode's counterpart of <see cref="CotangentRounding"/>: 16·2⁻⁵²·Σ‖ż‖₁ over every float64 value z
    /// the graph makes, ż its tangent along <paramref name="t"/>.</summary>
    static double TangentRounding(IReadOnlyList<Node> outputs, Bindings at, (Node Variable, Tensor Tangent)[] t)
    {
        Node[] values = [.. Topology.Of(outputs).Order.ToArray().Where(n => !n.IsLeaf && n.DType == DType.Float64)];
        if (values.Length == 0) return 0;
        var tangents = AD.Jvp(values, at, t).Tangents;
        return 16 * Math.Pow(2, -52) * tangents.Sum(z => z.Values.ToArray().Sum(Math.Abs));
    }

    /// <summary>The large-case form of <see cref="Forward"/> and <see cref="Reverse"/>: ⟨u, J·w⟩ by Richardson differences
    /// along w against ⟨u, J·w⟩ from forward mode, or against ⟨Jᵀ·u, w⟩ from reverse mode. The terms are those of the
    /// mode's inner product (AD rounds each element to ~1e-15 of its own terms; summed over elements of random signs).</summary>
    static void Projected(OpCase c, Instance g, Random rng, bool reverse)
    {
        var u = Numerics.Random(rng, g.Output.Shape);
        var w = OffKinks(ScaledDirection(rng, g.Values), NearKink(c, g.Values));
        var (fdAlong, err) = RichardsonDirectional(x => [g.Evaluate(x)], g.Values, w);
        double fd = Dot(u.Values, fdAlong[0]), error = AbsDot(u.Values, err[0]);
        double ad, terms;
        if (reverse)
        {
            var vjp = Flatten(AD.Vjp(g.Output, g.Bind(), u, g.Variables).Cotangents);
            var wFlat = Flatten(w);
            (ad, terms) = (Dot(vjp, wFlat), AbsDot(vjp, wFlat));
        }
        else
        {
            var jvp = AD.Jvp([g.Output], g.Bind(), [.. g.Variables.Zip(w)]).Tangents[0];
            (ad, terms) = (Dot(u.Values, jvp.Values), AbsDot(u.Values, jvp.Values));
        }
        if (!Resolved(error, terms)) return;
        Require(Math.Abs(ad - fd) <= c.Entry.ToleranceScale * FdTolerance * terms + error + UnderflowFloor + c.Entry.DifferencesAbsoluteError * Math.Max(1, terms),
            () => $"⟨u, J·w⟩ over {g.Values.Sum(v => v.Shape.Size)} input elements: {(reverse ? "reverse" : "forward")} mode {ad:R}, finite differences (Richardson) {fd:R} (error estimate {error:G3}, relative error {Math.Abs(ad - fd) / terms:G3})");
    }

    /// <summary>⟨u, J·t⟩ from forward mode equals ⟨Jᵀ·u, t⟩ from reverse mode to ~1e-12 of the size of the terms. Not
    /// applicable to an element-wise op, whose two modes share one derivative graph.</summary>
    public static void Adjoint(OpCase c)
    {
        var g = Differentiable(c.Instantiate());
        if (SharedDerivative(g)) throw new LawNotApplicable(SharedReason(g.Output.Op));
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
        double scale = Math.Max(AbsDot(u.Values, jt.Values), AbsDot(jtu, tFlat));
        if (tFlat.Length <= JacobianLimit) scale = Math.Max(scale, AbsBilinear(u.Values, Jacobian(g.Evaluate, g.Values), t));
        scale = Math.Max(scale, Math.Sqrt(Dot(u.Values, u.Values) * Dot(tFlat, tFlat)));
        Require(Math.Abs(lhs - rhs) <= ModeTolerance * scale + double.Epsilon,
            () => $"⟨u, J·t⟩ = {lhs:R} but ⟨Jᵀ·u, t⟩ = {rhs:R} (terms of size {scale:G3}, relative error {Math.Abs(lhs - rhs) / scale:G3})");
    }

    /// <summary>Where output element i of an element-wise entry reads input k: element i, or element 0 of a scalar.</summary>
    static int Source(double[][] x, int k, int i) => x[k].Length == 1 ? 0 : i;

    /// <summary>The JVP and the VJP of an element-wise entry against its separately written f′
    /// (<see cref="OpEntry.Derivative"/>), element by element: J·t against Σₖ ∂f/∂xₖ·tₖ and Jᵀ·u against Σᵢ ∂f/∂xₖ·uᵢ, to
    /// <see cref="DerivativeTolerance"/> of the terms (plus <see cref="UnderflowFloor"/>).</summary>
    public static void Derivative(OpCase c)
    {
        var d = c.Entry.Derivative ?? throw new LawNotApplicable($"{c.Entry.Name} is not an element-wise row with a separately written f′");
        var g = c.Instantiate();
        var x = c.InputValues;
        int n = g.Output.Shape.Size, a = x.Length;
        var partials = Enumerable.Range(0, n).Select(i => d([.. Enumerable.Range(0, a).Select(k => x[k][Source(x, k, i)])])).ToArray();
        var rng = c.Rng();
        var t = g.Variables.Select(v => Numerics.Random(rng, v.Shape)).ToArray();
        var u = Numerics.Random(rng, g.Output.Shape);
        var jt = AD.Jvp([g.Output], g.Bind(), [.. g.Variables.Zip(t)]).Tangents[0];
        for (int i = 0; i < n; i++)
        {
            double expected = 0, terms = 0;
            for (int k = 0; k < a; k++)
            {
                expected += partials[i][k] * t[k][Source(x, k, i)];
                terms += Math.Abs(partials[i][k] * t[k][Source(x, k, i)]);
            }
            double absolute = 0;
            for (int k = 0; k < a; k++) absolute += c.Entry.DerivativeAbsoluteError * Math.Abs(t[k][Source(x, k, i)]);
            Require(Same(jt[i], expected, terms, absolute),
                () => $"output element {i} at x = ({Args(x, i)}): forward mode {jt[i]:R}, the row's f′ gives {expected:R} (relative error {Math.Abs(jt[i] - expected) / terms:G3})");
        }
        var cotangents = AD.Vjp(g.Output, g.Bind(), u, g.Variables).Cotangents;
        var expectedCt = x.Select(v => new double[v.Length]).ToArray();
        var termsCt = x.Select(v => new double[v.Length]).ToArray();
        var absoluteCt = x.Select(v => new double[v.Length]).ToArray();
        for (int i = 0; i < n; i++)
            for (int k = 0; k < a; k++)
            {
                expectedCt[k][Source(x, k, i)] += partials[i][k] * u[i];
                termsCt[k][Source(x, k, i)] += Math.Abs(partials[i][k] * u[i]);
                absoluteCt[k][Source(x, k, i)] += Math.Abs(u[i]);
            }
        for (int k = 0; k < a; k++)
            for (int j = 0; j < x[k].Length; j++)
            {
                double r = cotangents[k][j], e = expectedCt[k][j], terms = termsCt[k][j];
                Require(Same(r, e, terms, c.Entry.DerivativeAbsoluteError * absoluteCt[k][j]), () => $"input {k} element {j} at x = ({Args(x, j)}): reverse mode {r:R}, the row's f′ gives {e:R} (relative error {Math.Abs(r - e) / terms:G3})");
            }
    }

    static bool Same(double ad, double reference, double terms, double absolute = 0) =>
        ad.Equals(reference) || Math.Abs(ad - reference) <= DerivativeTolerance * terms + absolute + UnderflowFloor;

    static string Args(double[][] x, int i) => string.Join(", ", x.Select((v, k) => v[Source(x, k, i)].ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Second order through the gradient graph: the Hessian–vector product H·w of ⟨u, f⟩ by forward-over-reverse
    /// and by reverse-over-reverse agree with each other (<see cref="SecondOrderModeTolerance"/> of the largest element)
    /// and with Richardson differences of the gradient along w (<see cref="SecondOrderFdTolerance"/> of the largest
    /// element plus the error estimate), w a random direction scaled to x.</summary>
    public static void SecondOrder(OpCase c)
    {
        var g = Differentiable(c.Instantiate());
        var rng = c.Rng();
        var uValue = Numerics.Random(rng, g.Output.Shape);
        var u = Node.Constant(uValue);
        var w = OffKinks(ScaledDirection(rng, g.Values), NearKink(c, g.Values));
        var (fwd, rev, gradient) = Hvp(g, u, w);
        var (fdParts, errParts) = RichardsonDirectional(x => Evaluator.Evaluate(gradient, g.Bind(x)), g.Values, w);
        double[] fd = [.. fdParts.SelectMany(p => p)], err = [.. errParts.SelectMany(p => p)];
        // The scale: the largest element of H·w, but at least the size H·w would have with H of the size of ∇f/x (the
        // terms the gradient graph rounds on: a Hessian that is 0 by cancellation, as for |x|, still rounds on them).
        // At x = 0 the length is w's (StepScale gives 1 there): softmax of two zeros has H·w = 0 and modes that round
        // to 1e-17 apart.
        var grad = Flatten(Evaluator.Evaluate(gradient, g.Bind()));
        double wSize = FiniteMaxAbs(Flatten(w)), xSize = MaxAbs(Flatten(g.Values)), length = xSize == 0 ? wSize : xSize;
        double terms = length == 0 ? 0 : FiniteMaxAbs(grad) * wSize / length;
        double scale = Math.Max(terms, Math.Max(FiniteMaxAbs(fd), Math.Max(FiniteMaxAbs(fwd), FiniteMaxAbs(rev))));
        // The differences' own rounding, which Richardson's estimate can miss when the gradient barely moves along w:
        // each difference rounds on the terms of the gradient, at least the size of u (a gradient small by cancellation,
        // as softmax's s⊙(u − ⟨u, s⟩) for u₀ ≈ u₁, still rounds on u), divided by the smallest step.
        double noise = DifferenceNoise(Math.Max(FiniteMaxAbs(grad), FiniteMaxAbs(Flatten([uValue]))), wSize);
        var modesRounding = new Lazy<double>(() => SecondOrderRounding(g, gradient, w));
        for (int j = 0; j < fd.Length; j++)
        {
            // Former bounds: 1e-11·max(1, scale) between the modes, 1e-5·max(1, scale) against plain differences.
            double modes = Math.Min(SecondOrderModeTolerance * scale + UnderflowFloor, SecondOrderModeTolerance * Math.Max(1, scale));
            Require(fwd[j].Equals(rev[j]) || Math.Abs(fwd[j] - rev[j]) <= modes || Math.Abs(fwd[j] - rev[j]) <= modes + modesRounding.Value,
                () => $"H·w element {j}: forward-over-reverse {fwd[j]:R}, reverse-over-reverse {rev[j]:R} (their own rounding ≤ {modesRounding.Value:G3})");
            if (!Resolved(err[j], scale / 10)) continue; // the former bound: 1e-5·max(1, scale)
            Require(Math.Abs(fwd[j] - fd[j]) <= Math.Min(c.Entry.ToleranceScale * SecondOrderFdTolerance * scale + err[j] + noise + UnderflowFloor, 1e-5 * Math.Max(1, scale)),
                () => $"H·w element {j}: forward-over-reverse {fwd[j]:R}, finite differences of the gradient (Richardson) {fd[j]:R} (error estimate {err[j]:G3}, relative to the largest element {Math.Abs(fwd[j] - fd[j]) / scale:G3})");
        }
    }

    static double FiniteMaxAbs(double[] a) => MaxAbs([.. a.Where(double.IsFinite)]);

    /// <summary>The rounding of Richardson differences of a function of size <paramref name="size"/> along a direction of
    /// size <paramref name="w"/>: an ulp of the values over the smallest step (4⁻⁶, of w's scale when w is above 1),
    /// times 16 for the extrapolation's weights.</summary>
    static double DifferenceNoise(double size, double w)
    {
        double smallest = Math.Pow(4, -6) * (w > 1 ? Math.Pow(2, -Math.Ceiling(Math.Log2(w))) : 1);
        return 16 * Math.Pow(2, -52) * size / (2 * smallest);
    }

    /// <summary>A bound on the two second-order modes' own rounding, the first-order bounds applied to the gradient graph:
    /// <see cref="TangentRounding"/> along w plus <see cref="CotangentRounding"/> from w. Where the gradient is zero by
    /// cancellation (the gradient of ½(σ(−x) + σ(x)) = ½ is ½(σ′(x) − σ′(−x))·u), H·w is too, and each mode's result is
    /// rounding of the size of the terms it cancelled, which neither H·w nor the gradient shows. Computed only when the
    /// modes' bound alone fails.</summary>
    static double SecondOrderRounding(Instance g, Node[] gradient, Tensor[] w) =>
        TangentRounding(gradient, g.Bind(), [.. g.Variables.Zip(w)]) + CotangentRounding(gradient, g.Bind(), [.. w.Select(Node.Constant)]);

    /// <summary>H·w of ⟨u, f⟩ by forward-over-reverse and by reverse-over-reverse (H is symmetric, so the VJP of the
    /// gradient along w is H·w too), and the gradient graph.</summary>
    static (double[] Fwd, double[] Rev, Node[] Gradient) Hvp(Instance g, Node u, Tensor[] w)
    {
        var gradient = Functional.Reverse.Vjp([g.Output], [u], g.Variables);
        var forwardOverReverse = ForwardMode.Jvp(gradient, [.. g.Variables.Zip(w.Select(Node.Constant))]);
        var reverseOverReverse = Functional.Reverse.Vjp(gradient, [.. w.Select(Node.Constant)], g.Variables);
        var b = g.Bind();
        return (Flatten(Evaluator.Evaluate(forwardOverReverse, b)), Flatten(Evaluator.Evaluate(reverseOverReverse, b)), gradient);
    }

    /// <summary>Second order of an element-wise entry against its separately written f″ (<see cref="OpEntry.SecondDerivative"/>),
    /// element by element: H·w of ⟨u, f⟩ by both second-order modes against Σᵢ uᵢ·∂²f/∂xₖ∂xₗ·wₗ, to
    /// <see cref="DerivativeTolerance"/> of the terms. A self-consistent wrong second derivative fails here.</summary>
    public static void SecondDerivative(OpCase c)
    {
        var d2 = c.Entry.SecondDerivative ?? throw new LawNotApplicable($"{c.Entry.Name} is not an element-wise row with a separately written f″");
        var g = c.Instantiate();
        var x = c.InputValues;
        int n = g.Output.Shape.Size, a = x.Length;
        var rng = c.Rng();
        var u = Numerics.Random(rng, g.Output.Shape);
        var w = g.Variables.Select(v => Numerics.Random(rng, v.Shape)).ToArray();
        var (fwd, rev, _) = Hvp(g, Node.Constant(u), w);
        var expected = x.Select(v => new double[v.Length]).ToArray();
        var terms = x.Select(v => new double[v.Length]).ToArray();
        for (int i = 0; i < n; i++)
        {
            var h = d2([.. Enumerable.Range(0, a).Select(k => x[k][Source(x, k, i)])]); // a×a, row-major
            for (int k = 0; k < a; k++)
                for (int l = 0; l < a; l++)
                {
                    double term = u[i] * h[k * a + l] * w[l][Source(x, l, i)];
                    expected[k][Source(x, k, i)] += term;
                    terms[k][Source(x, k, i)] += Math.Abs(term);
                }
        }
        for (int k = 0, flat = 0; k < a; k++)
            for (int j = 0; j < x[k].Length; j++, flat++)
            {
                double e = expected[k][j], s = terms[k][j], f = fwd[flat], r = rev[flat];
                Require(Same(f, e, s), () => $"H·w, input {k} element {j} at x = ({Args(x, j)}): forward-over-reverse {f:R}, the row's f″ gives {e:R} (relative error {Math.Abs(f - e) / s:G3})");
                Require(Same(r, e, s), () => $"H·w, input {k} element {j} at x = ({Args(x, j)}): reverse-over-reverse {r:R}, the row's f″ gives {e:R} (relative error {Math.Abs(r - e) / s:G3})");
            }
    }

    /// <summary>The op's batching rule applied to <paramref name="wide"/> (null where an input is shared), or the reason
    /// the law does not apply.</summary>
    static (Node? Rule, string? Reason) BatchRule(Instance g, Node?[] wide, int k)
    {
        var y = g.Output;
        if (!y.Inputs.SequenceEqual(g.Variables))
            return (null, $"the row's output is not its op applied to its variables (the op's own row, and batching the whole row, check it)");
        return y.Op.Batch(y.Inputs, y, wide, k) is { } rule ? (rule, null) : (null, $"{y.Op} has no batching rule");
    }

    /// <summary>The batching rule (<see cref="Op.Batch"/>): the op applied to k members at once, with a random choice of
    /// inputs batched and the rest shared, equals the op applied to each member, exactly or to
    /// <see cref="ModeTolerance"/>·max(1, largest value). Members are the case's values scaled by up to ±1% (signs kept).
    /// Throws <see cref="LawNotApplicable"/> for an op without a rule and for a row that is not its op applied to its
    /// variables.</summary>
    public static void Batch(OpCase c)
    {
        var g = c.Instantiate();
        var y = g.Output;
        var rng = c.Rng();
        int k = 1 + rng.Next(3), n = g.Variables.Length;
        var chosen = g.Variables.Select(_ => rng.Next(2) == 0).ToArray();
        if (!chosen.Any(b => b)) chosen[rng.Next(n)] = true;
        // Some rules batch only some inputs (a product of two batched factors has none; AddN needs every term
        // batched): the random choice first, then every input, then each one alone.
        bool[][] choices = [chosen, [.. chosen.Select(_ => true)], .. Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Select(j => j == i).ToArray())];
        bool[] isBatched = chosen;
        Node?[] wide = [];
        Node? rule = null;
        string? reason = null;
        foreach (var choice in choices)
        {
            isBatched = choice;
            wide = [.. g.Variables.Select((v, i) => isBatched[i] ? Node.Variable($"{v}·{k}", Functional.Shape.Matrix(v.Shape.Size, k)) : null)];
            (rule, reason) = BatchRule(g, wide, k);
            if (rule is not null || !reason!.EndsWith("has no batching rule", StringComparison.Ordinal)) break;
        }
        if (rule is null) throw new LawNotApplicable(reason!);
        var members = Enumerable.Range(0, k).Select(m => g.Values.Select((v, i) => isBatched[i] && m > 0
            ? Tensor.FromColumnMajor(v.Shape, [.. v.Values.ToArray().Select(e => e * (1 + 0.01 * (2 * rng.NextDouble() - 1)))])
            : v).ToArray()).ToArray();
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

/// <summary>A law does not apply to an entry (an op without a batching rule, a row without a separately written f′, the
/// adjoint identity of an op whose modes share one derivative graph); the message says why. Callers count these and
/// show them: a law that does not apply is never a silent pass.</summary>
public sealed class LawNotApplicable(string reason) : Exception(reason);

/// <summary>A law failed; the message says which law, which quantity and both values, and the shrunk counterexample.</summary>
public sealed class LawViolated : Exception
{
    /// <summary>A violation described by <paramref name="message"/>.</summary>
    public LawViolated(string message) : base(message) { }
    /// <summary>A violation found by a property run, <paramref name="inner"/> holding FsCheck's report.</summary>
    public LawViolated(string message, Exception inner) : base(message, inner) { }
    /// <summary>The violations of several laws at once (<see cref="Laws.CheckAll"/>), each under its law's name.</summary>
    public LawViolated(string message, IReadOnlyList<(string Law, LawViolated Violation)> failures) : base(message) => Failures = failures;

    /// <summary>From <see cref="Laws.CheckAll"/>: every law that failed, with its own violation; empty for one law.</summary>
    public IReadOnlyList<(string Law, LawViolated Violation)> Failures { get; } = [];
}
