namespace AutoDiff.Functional.Testing;

public static partial class Laws
{
    /// <summary>The unit roundoff of float32, 2⁻²⁴: a float32 result is its float64 value within this relative error.</summary>
    public const double Float32Roundoff = Rounding.Float32Roundoff;

    /// <summary>The graph built on float32 variables gives float32 values and float32 cotangents that agree with the
    /// float64 evaluation of the same graph at the same (float32) inputs, element by element, within the bound that
    /// float32's rounding implies: every value the evaluation makes (each node, constants included) is its exact value
    /// times (1 + δ), |δ| ≤ 2⁻²⁴, so to first order an output moves by at most 2⁻²⁴·Σₖ|∂y/∂zₖ|·|zₖ| over the values zₖ
    /// (<see cref="RoundingSensitivity"/>, by the library's reverse mode on the float64 graph); 1.5 times that covers the
    /// second-order terms. A matrix product summed in float32 counts its accumulation's bound k·(|A|·|B|) in place of
    /// |zₖ| (k roundings, not one). A value no rounding can reach (a sensitivity of 0) must agree exactly.</summary>
    /// <remarks>Where the float64 evaluation leaves float32's normal range (a value beyond 3.4e38, or a nonzero one
    /// below 2⁻¹²⁶ ≈ 1.2e-38), float32 overflows or loses relative precision by design: the case is discarded (FsCheck
    /// counts discards and gives up on a row that has too few cases left). Rows whose inputs' domain reaches past that
    /// range, and rows whose output is not float32 whatever their inputs (a cast), are outside the law.</remarks>
    public static void Float32(OpCase c)
    {
        if (Float32NotApplicable(c) is { } reason) throw new LawNotApplicable(reason);
        var g32 = c.Instantiate(DType.Float32);
        var g = c.Instantiate();
        var at = g.Bind([.. g32.Values.Select(v => v.ToFloat64())]);
        if (g32.Values.Any(v => !InFloat32Range(v.Values)) || !InFloat32Range([g.Output], at)) FsCheck.Fluent.Prop.Discard<bool>();

        var y32 = g32.Evaluate();
        Require(y32.DType == DType.Float32, () => $"the value is {y32.DType.Name()}, not float32");
        Agree("value", y32.Values, Evaluator.Evaluate(g.Output, at).Values, RoundingSensitivity([g.Output], at)[0]);

        var rng = c.Rng();
        var u = Numerics.Random(rng, g.Output.Shape).ToFloat32();
        var vjp32 = AD.Vjp(g32.Output, g32.Bind(), u, g32.Variables).Cotangents;
        Require(vjp32.All(v => v.DType == DType.Float32), () => "a cotangent of a float32 variable is not float32");
        var seed = Node.Variable("u", g.Output.Shape);
        var cotangents = Functional.Reverse.Vjp([g.Output], [seed], g.Variables);
        var at64 = at.Bind(seed, u.ToFloat64());
        if (!InFloat32Range(cotangents, at64)) FsCheck.Fluent.Prop.Discard<bool>();
        var reference = Evaluator.Evaluate(cotangents, at64);
        var sensitivity = RoundingSensitivity(cotangents, at64);
        for (int i = 0; i < cotangents.Length; i++)
            Agree($"cotangent of {g.Variables[i]}", vjp32[i].Values, reference[i].Values, sensitivity[i]);
    }

    /// <summary>Why the float32 law cannot apply to <paramref name="c"/>'s row, or null.</summary>
    static string? Float32NotApplicable(OpCase c)
    {
        foreach (var input in c.Inputs)
        {
            var d = input.Domain;
            double smallest = d.Logarithmic ? d.Gap : Math.Max(d.Gap, 0);
            if (Math.Max(Math.Abs(d.Low), Math.Abs(d.High)) > float.MaxValue || (smallest > 0 && smallest < Float32Normal))
                return $"the domain {d} reaches past float32's normal range (2⁻¹²⁶ to 3.4e38): the row checks float64 extremes";
        }
        Node y;
        try { y = c.Instantiate(DType.Float32).Output; }
        catch (ShapeException e) { return $"{c.Entry.Name} cannot be built on float32 inputs: {e.Message}"; }
        if (y.DType == DType.Int32) return $"{c.Entry.Name} is int32 data on float32 inputs (positions), so it has no float32 rounding to check";
        if (y.DType != DType.Float32) return $"{c.Entry.Name} is {y.DType.Name()} on float32 inputs (a cast), so it has no float32 evaluation to check";
        if (Topology.Of([y]).Order.FirstOrDefault(n => n.Op is IInnerGraph) is { } inner)
            return $"{inner.Op.Name} evaluates a graph of its own, whose float32 roundings the bound (one per node of the outer graph) does not count";
        // Points across the domain (every input at one grid point): a row whose float64 values or cotangents there leave
        // float32's normal range (exp at 700, tanh′ at 50) checks float64 extremes.
        for (int tick = 0; tick <= 1000; tick += 50)
        {
            var point = c with { Values = [.. c.Inputs.Select(input => Enumerable.Repeat(input.Domain.At(tick), input.Shape.Size).ToArray())] };
            var g = point.Instantiate();
            var ones = Node.Variable("u", g.Output.Shape);
            var cotangents = Functional.Reverse.Vjp([g.Output], [ones], g.Variables);
            if (!InFloat32Range([g.Output, .. cotangents], g.Bind().Bind(ones, Tensor.Filled(g.Output.Shape, 1))))
                return $"the domain of {c.Entry.Name} takes its values past float32's normal range (2⁻¹²⁶ to 3.4e38): the row checks float64 extremes";
        }
        return null;
    }

    /// <summary>The smallest positive normal float32, 2⁻¹²⁶: below it float32 keeps only absolute precision.</summary>
    const double Float32Normal = 1.1754943508222875e-38;

    /// <summary>True when no value overflows float32 and none below its normal range is more than rounding noise: a
    /// value 2²⁴ times smaller than the largest of its tensor is below float32's resolution there (an eigenvector's zero
    /// component computed as 1e-22 and squared), not a value the row drives out of range.</summary>
    static bool InFloat32Range(ReadOnlySpan<double> values)
    {
        double largest = 0;
        foreach (var v in values)
            if (double.IsFinite(v)) largest = Math.Max(largest, Math.Abs(v));
        foreach (var v in values)
            if (double.IsFinite(v) && (Math.Abs(v) > float.MaxValue || (v != 0 && Math.Abs(v) < Float32Normal && Math.Abs(v) * 16777216 >= largest))) return false;
        return true;
    }

    /// <summary>True when every float value the graph of <paramref name="outputs"/> makes at <paramref name="at"/> lies in
    /// float32's normal range (or is 0, ±∞ or NaN, which float32 holds too).</summary>
    static bool InFloat32Range(IReadOnlyList<Node> outputs, Bindings at)
    {
        Node[] values = [.. Topology.Of(outputs).Order.ToArray().Where(n => n.DType.IsFloat())];
        return Evaluator.Evaluate(values, at).All(v => InFloat32Range(v.Values));
    }

    static void Agree(string what, ReadOnlySpan<double> y32, ReadOnlySpan<double> y64, double[] sensitivity)
    {
        for (int i = 0; i < y32.Length; i++)
        {
            double bound = 1.5 * Float32Roundoff * sensitivity[i];
            double a = y32[i], b = y64[i];
            Require((float)a == a || double.IsNaN(a), () => $"{what}, element {i}: {a:R} is not a float32 number (a float32 result was not rounded)");
            Require(Math.Abs(a - b) <= bound || (double.IsNaN(a) && double.IsNaN(b)) || a == b,
                () => $"{what}, element {i}: float32 {a:R}, float64 {b:R}, difference {Math.Abs(a - b):G3} against a bound of {bound:G3} (2⁻²⁴ × 1.5 × sensitivity {sensitivity[i]:G3})");
        }
    }

    /// <summary>For each element of each output, Σₖ|∂y/∂zₖ|·|zₖ| over every float value zₖ the graph makes: the
    /// library's <see cref="Rounding.Sensitivity"/>, the bound's source.</summary>
    public static double[][] RoundingSensitivity(IReadOnlyList<Node> outputs, Bindings at) => Rounding.Sensitivity(outputs, at);
}
