using static AutoDiff.Functional.Report.ReportWriter;

namespace AutoDiff.Functional.Report;

/// <summary>A gradient computed every available way, element by element in column-major order. Null entries are
/// ways not computed; <see cref="Indices"/> (when not null) says which elements the sampled ways cover.</summary>
sealed record GradientWays(string Variable, double[] Reverse, double[]? Forward, double[]? Analytic, double[]? FiniteDifferences,
    int[]? Indices = null)
{
    /// <summary>The ways that exist, by name, restricted to the common elements.</summary>
    public IEnumerable<(string Name, double[] Values)> Available()
    {
        foreach (var (name, values, sampled) in new[]
        {
            ("reverse", Reverse, false), ("forward", Forward, true), ("analytic", Analytic, false), ("finite differences", FiniteDifferences, true),
        })
        {
            if (values is null) continue;
            // Ways computed on every element are cut down to the sampled ones so each pair compares like with like.
            yield return (name, Indices is null || sampled ? values : [.. Indices.Select(i => values[i])]);
        }
    }
}

/// <summary>Gradients by forward mode and finite differences, one element at a time, and the table comparing every
/// pair of ways. Shared by the seed-000 model sections.</summary>
static class ModelGradients
{
    /// <summary>Tolerance between two exact methods (AD modes, closed forms) and against finite differences.</summary>
    public const double ExactTolerance = 1e-10, FdTolerance = 1e-6;

    /// <summary>∂loss/∂variable by forward mode: one JVP per element (all, or the listed ones), over a graph built once.</summary>
    public static double[] Forward(Node loss, Node variable, Bindings at, IReadOnlyList<int>? indices = null)
    {
        if (indices is null) return [.. AD.JacFwd(loss, at, variable).Row(0)];
        var tangent = Node.Variable("t_" + variable.Op.Name + "_" + variable.Id, variable.Shape);
        var jvp = ForwardMode.Jvp([loss], [(variable, tangent)])[0];
        return [.. indices.Select(k => Evaluator.Evaluate(jvp, at.Bind(tangent, AD.Basis(variable.Shape, k))).ToScalar())];
    }

    /// <summary>Central differences in float64, per element, step h = ∛ε·max(1, |x|).</summary>
    public static double[] FiniteDifferences(Node loss, Node variable, Bindings at, IReadOnlyList<int>? indices = null)
    {
        var x = at[variable];
        var which = indices ?? Enumerable.Range(0, x.Shape.Size).ToArray();
        return [.. which.Select(k =>
        {
            double h = GradCheck.Step(x[k]);
            double xp = x[k] + h, xm = x[k] - h;
            return (Value(loss, at.Rebind(variable, With(x, k, xp))) - Value(loss, at.Rebind(variable, With(x, k, xm)))) / (xp - xm);
        })];
    }

    static double Value(Node loss, Bindings at) => Evaluator.Evaluate(loss, at).ToScalar();

    static Tensor With(Tensor x, int k, double value)
    {
        var copy = x.Values.ToArray();
        copy[k] = value;
        return Tensor.FromColumnMajor(x.Shape, copy);
    }

    /// <summary>Prints the worst relative error between every pair of ways for every variable, recording each as a check.</summary>
    public static void ErrorTable(ReportWriter report, string model, params GradientWays[] gradients)
    {
        var rows = new List<string[]>();
        foreach (var g in gradients)
        {
            var ways = g.Available().ToArray();
            for (int a = 0; a < ways.Length; a++)
                for (int b = a + 1; b < ways.Length; b++)
                {
                    bool fd = ways[a].Name.StartsWith("finite") || ways[b].Name.StartsWith("finite");
                    double tolerance = fd ? FdTolerance : ExactTolerance, err = RelError(ways[a].Values, ways[b].Values);
                    string elements = g.Indices is null ? $"all {ways[a].Values.Length}" : $"{g.Indices.Length} sampled";
                    rows.Add([g.Variable, $"{ways[a].Name} vs {ways[b].Name}", elements, E(err), E(tolerance),
                        report.Check($"{model}: ∂L/∂{g.Variable} {ways[a].Name} vs {ways[b].Name}", err, tolerance)]);
                }
        }
        report.Table(["∂L/∂", "pair", "elements", "worst relative error", "tolerance", "check"], rows);
    }

    /// <summary>The elements of a column-major tensor as an array.</summary>
    public static double[] Flat(Tensor t) => t.Values.ToArray();

    /// <summary>A deterministic standard normal matrix (Box–Muller on a seeded generator), row-major.</summary>
    public static double[,] Normal(Random rng, int rows, int columns, double scale = 1)
    {
        var a = new double[rows, columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) a[i, j] = scale * Normal(rng);
        return a;
    }

    /// <summary>One standard normal draw.</summary>
    public static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
