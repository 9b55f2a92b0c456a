using System.Text;

namespace AutoDiff.Functional;

/// <summary>Tolerances for <see cref="GradCheck"/>.</summary>
public sealed record GradCheckOptions
{
    /// <summary>Absolute tolerance of a mode against finite differences: pass when |d − fd| ≤ Atol + Rtol·|fd|.</summary>
    public double Atol { get; init; } = 1e-6;
    /// <summary>Relative tolerance of a mode against finite differences.</summary>
    public double Rtol { get; init; } = 1e-5;
    /// <summary>Forward against reverse mode, and the adjoint identity: errors relative to the size of the terms.</summary>
    public double ModeTolerance { get; init; } = 1e-11;
    /// <summary>The smallest size those relative errors are taken against, so that with the default tolerance the two
    /// modes may differ by 1e-11 × 1e-4 = 1e-15 in absolute terms. Without a floor, a gradient that is exactly zero by
    /// cancellation (both modes return rounding noise of ~1e-18) would read as a relative error of 1.</summary>
    public double ModeFloor { get; init; } = 1e-4;
    /// <summary>Seed of the random cotangent and tangent.</summary>
    public int Seed { get; init; } = 12345;
}

/// <summary>The comparison for one variable: worst errors of each pair of methods over its elements.</summary>
public sealed record VariableCheck(string Variable, Shape Shape,
    double ReverseVsFdAbs, double ReverseVsFdRel, double ForwardVsFdAbs, double ForwardVsFdRel,
    double ReverseVsForwardRel, bool Passed);

/// <summary>The outcome of a gradient check.</summary>
public sealed record GradCheckReport(IReadOnlyList<VariableCheck> Variables, double AdjointRelError, bool Passed)
{
    /// <summary>A Markdown table, one row per variable.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| variable | shape | rev−fd abs | rev−fd rel | fwd−fd abs | fwd−fd rel | rev−fwd rel | ok |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var v in Variables)
            sb.AppendLine($"| {v.Variable} | {v.Shape} | {v.ReverseVsFdAbs:E1} | {v.ReverseVsFdRel:E1} | {v.ForwardVsFdAbs:E1} | {v.ForwardVsFdRel:E1} | {v.ReverseVsForwardRel:E1} | {(v.Passed ? "yes" : "NO")} |");
        sb.Append($"adjoint identity ⟨u, J·t⟩ = ⟨Jᵀ·u, t⟩: relative error {AdjointRelError:E1}; {(Passed ? "passed" : "FAILED")}");
        return sb.ToString();
    }
}

/// <summary>Checks the derivatives of a graph three independent ways, in the spirit of PyTorch's gradcheck and JAX's
/// check_grads but stricter: reverse mode, forward mode (one JVP per input element) and float64 central finite
/// differences, element by element, plus the adjoint identity between the two modes.</summary>
/// <remarks>A non-scalar output is projected on a random cotangent u, so every output element takes part.
/// The finite-difference step is h = ∛ε·max(1, |x|) per element.</remarks>
public static class GradCheck
{
    /// <summary>Compares the derivatives of <paramref name="output"/> at <paramref name="at"/> w.r.t.
    /// <paramref name="wrt"/> (default: every float64 variable of the graph; int32 data has no derivatives).</summary>
    public static GradCheckReport Check(Node output, Bindings at, IReadOnlyList<Node>? wrt = null, GradCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(at);
        options ??= new();
        var variables = wrt ?? [.. Topology.Of([output]).Order.Where(n => n.IsVariable && n.DType.IsFloat())];
        Reverse.CheckVariables("GradCheck", variables);
        var rng = new Random(options.Seed);
        var u = output.Shape.IsScalar ? Tensor.Scalar(1) : Random(rng, output.Shape);
        double Projected(Bindings b) => Dot(u, Evaluator.Evaluate(output, b));

        var reverse = Evaluator.Evaluate(Reverse.Vjp([output], [Node.Constant(u)], variables), at);

        var checks = new List<VariableCheck>();
        for (int v = 0; v < variables.Count; v++)
        {
            var variable = variables[v];
            var x = at[variable];
            var tangent = AD.Seeds([output], [("\u2202" + ((Variable)variable.Op).Name, variable)])[0];
            var jvp = ForwardMode.Jvp([output], [(variable, tangent)])[0];
            double revFdAbs = 0, revFdRel = 0, fwdFdAbs = 0, fwdFdRel = 0, revFwd = 0, scale = 0;
            bool passed = true;
            for (int j = 0; j < x.Shape.Size; j++)
            {
                double r = reverse[v].Storage[j];
                double f = Dot(u, Evaluator.Evaluate(jvp, at.Bind(tangent, AD.Basis(x.Shape, j))));
                double h = Step(x.Storage[j]);
                double xp = x.Storage[j] + h, xm = x.Storage[j] - h;
                double fd = (Projected(at.Rebind(variable, With(x, j, xp))) - Projected(at.Rebind(variable, With(x, j, xm)))) / (xp - xm);

                Track(r, fd, ref revFdAbs, ref revFdRel);
                Track(f, fd, ref fwdFdAbs, ref fwdFdRel);
                passed &= Math.Abs(r - fd) <= options.Atol + options.Rtol * Math.Abs(fd)
                       && Math.Abs(f - fd) <= options.Atol + options.Rtol * Math.Abs(fd);
                revFwd = Math.Max(revFwd, Math.Abs(r - f));
                scale = Math.Max(scale, Math.Max(Math.Abs(r), Math.Abs(f)));
            }
            double revFwdRel = revFwd / Math.Max(scale, options.ModeFloor);
            passed &= revFwdRel <= options.ModeTolerance;
            checks.Add(new(((Variable)variable.Op).Name, variable.Shape, revFdAbs, revFdRel, fwdFdAbs, fwdFdRel, revFwdRel, passed));
        }

        // ⟨u, J·t⟩ from one JVP against Σ ⟨Jᵀu, t⟩ from the reverse pass, for a random tangent t.
        var ts = variables.Select(v => Random(rng, v.Shape)).ToArray();
        var jt = Evaluator.Evaluate(ForwardMode.Jvp([output], [.. variables.Select((v, i) => (v, Node.Constant(ts[i])))])[0], at);
        double lhs = Dot(u, jt), rhs = 0, size = AbsDot(u, jt);
        for (int v = 0; v < variables.Count; v++)
        {
            rhs += Dot(reverse[v], ts[v]);
            size = Math.Max(size, AbsDot(reverse[v], ts[v]));
        }
        double adjoint = Math.Abs(lhs - rhs) / Math.Max(size, options.ModeFloor);
        return new(checks, adjoint, checks.All(c => c.Passed) && adjoint <= options.ModeTolerance);
    }

    /// <summary>Machine epsilon for float64, 2⁻⁵² (not <see cref="double.Epsilon"/>, the smallest subnormal).</summary>
    public static readonly double Epsilon = Math.BitIncrement(1.0) - 1.0;

    /// <summary>The central-difference step for a coordinate of value <paramref name="x"/>: h = ∛ε·max(1, |x|), which
    /// balances truncation error O(h²) against round-off O(ε/h).</summary>
    public static double Step(double x) => Math.Cbrt(Epsilon) * Math.Max(1, Math.Abs(x));

    static void Track(double a, double reference, ref double worstAbs, ref double worstRel)
    {
        double abs = Math.Abs(a - reference), size = Math.Max(Math.Abs(a), Math.Abs(reference));
        worstAbs = Math.Max(worstAbs, abs);
        worstRel = Math.Max(worstRel, size == 0 ? 0 : abs / size);
    }

    static Tensor With(Tensor x, int j, double value)
    {
        var copy = x.Storage.ToArray();
        copy[j] = value;
        return Tensor.FromColumnMajor(x.Shape, copy);
    }

    static Tensor Random(Random rng, Shape shape)
    {
        var values = new double[shape.Size];
        for (int i = 0; i < values.Length; i++) values[i] = 2 * rng.NextDouble() - 1;
        return Tensor.FromColumnMajor(shape, values);
    }

    static double Dot(Tensor a, Tensor b)
    {
        double s = 0;
        for (int i = 0; i < a.Storage.Length; i++) s += a.Storage[i] * b.Storage[i];
        return s;
    }

    static double AbsDot(Tensor a, Tensor b)
    {
        double s = 0;
        for (int i = 0; i < a.Storage.Length; i++) s += Math.Abs(a.Storage[i] * b.Storage[i]);
        return s;
    }
}
