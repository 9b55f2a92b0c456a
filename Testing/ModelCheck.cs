namespace AutoDiff.Functional.Testing;

/// <summary>A model's gradient computed independently of the library (by hand-derived formulas): one array per
/// input, column-major, from the inputs' values, the case's dimensions and its index seed.</summary>
public delegate double[][] Gradient(double[][] x, int[] dims, int pick);

/// <summary>The model check: a scalar function of named inputs (an <see cref="OpEntry"/> whose
/// <see cref="Input"/>s carry names) over random shapes, its reverse-mode gradient against Richardson-extrapolated
/// central differences (<see cref="Laws.FdTolerance"/> of max(|∂|, 1e-3·largest ∂) plus their error estimate) and,
/// when given, against an analytic gradient (1e-10·max(1, |∂|)); its forward mode against reverse mode
/// (<see cref="Laws.ModeTolerance"/>).</summary>
public static class ModelCheck
{
    static double MaxAbs(Tensor[] ts) => ts.Max(t => Numerics.MaxAbs(t.Values));

    /// <summary>Runs the check on <paramref name="cases"/> random cases of <paramref name="model"/>, shrinking a failure.</summary>
    public static void Check(OpEntry model, Gradient? analytic = null, int cases = 100) =>
        Laws.Check(model, c => Holds(c, analytic), cases);

    /// <summary>The check of one case.</summary>
    public static void Holds(OpCase c, Gradient? analytic = null)
    {
        var g = c.Instantiate();
        Laws.Require(g.Output.Shape.IsScalar, () => $"{c.Entry.Name}: a model is a scalar function, this one gives {g.Output.Shape}");
        var (_, grads) = AD.ValueAndGrad(g.Output, g.Bind(), g.Variables);
        var (fd, fdError) = Numerics.RichardsonJacobian(g.Evaluate, g.Values);
        var expected = analytic?.Invoke(c.InputValues, c.Dims, c.Pick);
        var rng = c.Rng();
        var t = g.Variables.Select(v => Numerics.Random(rng, v.Shape)).ToArray();
        double jt = AD.Jvp([g.Output], g.Bind(), [.. g.Variables.Zip(t)]).Tangents[0][0];
        double gt = 0, terms = 0;
        for (int k = 0, column = 0; k < g.Variables.Length; k++)
        {
            var name = c.Inputs[k].Name ?? $"x{k}";
            for (int j = 0; j < grads[k].Shape.Size; j++, column++)
            {
                double r = grads[k][j], d = fd[0, column], error = fdError[0, column];
                gt += r * t[k][j];
                terms += Math.Abs(r * t[k][j]);
                // Richardson differences with their error estimate; AD rounds relative to the terms of each gradient
                // entry, which the largest entry bounds within cancellations of 1e3. Never looser than the former
                // 1e-6·max(1, |d|); differences that cannot resolve an entry to that leave it to the analytic gradient.
                double size = Math.Max(Math.Abs(d), 1e-3 * MaxAbs(grads));
                if (double.IsFinite(error) && error <= 1e-6 * Math.Max(1, Math.Abs(d)))
                    Laws.Require(Math.Abs(r - d) <= Math.Min(Laws.FdTolerance * size + error + Laws.UnderflowFloor, 1e-6 * Math.Max(1, Math.Abs(d))),
                        () => $"∂/∂{name}[{j}]: reverse mode {r:R}, finite differences {d:R} (Richardson, error estimate {error:G3})");
                if (expected is not null)
                    Laws.Require(Math.Abs(r - expected[k][j]) <= 1e-10 * Math.Max(1, Math.Abs(expected[k][j])),
                        () => $"∂/∂{name}[{j}]: reverse mode {r:R}, analytic gradient {expected[k][j]:R}");
            }
        }
        Laws.Require(Math.Abs(jt - gt) <= Laws.ModeTolerance * Math.Max(1, terms),
            () => $"directional derivative: forward mode {jt:R}, ⟨∇f, t⟩ from reverse mode {gt:R}");
    }
}
