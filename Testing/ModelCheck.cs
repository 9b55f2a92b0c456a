namespace AutoDiff.Functional.Testing;

/// <summary>A model's gradient computed independently of the library (by hand-derived formulas): one array per
/// input, column-major, from the inputs' values, the case's dimensions and its index seed.</summary>
public delegate double[][] Gradient(double[][] x, int[] dims, int pick);

/// <summary>The model check: a scalar function of named inputs (an <see cref="OpEntry"/> whose
/// <see cref="Input"/>s carry names) over random shapes, its reverse-mode gradient against central finite differences
/// and, when given, against an analytic gradient; its forward mode against reverse mode.</summary>
public static class ModelCheck
{
    /// <summary>Runs the check on <paramref name="cases"/> random cases of <paramref name="model"/>, shrinking a failure.</summary>
    public static void Check(OpEntry model, Gradient? analytic = null, int cases = 100) =>
        Laws.Check(model, c => Holds(c, analytic), cases);

    /// <summary>The check of one case.</summary>
    public static void Holds(OpCase c, Gradient? analytic = null)
    {
        var g = c.Instantiate();
        Laws.Require(g.Output.Shape.IsScalar, () => $"{c.Entry.Name}: a model is a scalar function, this one gives {g.Output.Shape}");
        var (_, grads) = AD.ValueAndGrad(g.Output, g.Bind(), g.Variables);
        var fd = Numerics.Jacobian(g.Evaluate, g.Values);
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
                double r = grads[k][j], d = fd[0, column];
                gt += r * t[k][j];
                terms += Math.Abs(r * t[k][j]);
                Laws.Require(Math.Abs(r - d) <= Laws.FdTolerance * Math.Max(1, Math.Abs(d)),
                    () => $"∂/∂{name}[{j}]: reverse mode {r:R}, finite differences {d:R}");
                if (expected is not null)
                    Laws.Require(Math.Abs(r - expected[k][j]) <= 1e-10 * Math.Max(1, Math.Abs(expected[k][j])),
                        () => $"∂/∂{name}[{j}]: reverse mode {r:R}, analytic gradient {expected[k][j]:R}");
            }
        }
        Laws.Require(Math.Abs(jt - gt) <= Laws.ModeTolerance * Math.Max(1, terms),
            () => $"directional derivative: forward mode {jt:R}, ⟨∇f, t⟩ from reverse mode {gt:R}");
    }
}
