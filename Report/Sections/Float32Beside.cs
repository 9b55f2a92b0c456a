using static AutoDiff.Functional.Report.ReportWriter;

namespace AutoDiff.Functional.Report;

/// <summary>A seed model's float32 run beside its float64 one (issue #24): the same loss graph with every float64
/// variable retyped to float32 (the ops follow their inputs' type; the rules' constants are weak and adapt), its loss
/// and a directional derivative uᵀ∇L (u fixed, ±1 entries) evaluated in float32, against the float64 evaluation of the
/// same graph at the same float32-rounded inputs. The tolerance is derived, not tuned, as the kit's Float32 law
/// derives it: float32 evaluation makes each value as its exact value times (1 + δ), |δ| ≤ 2⁻²⁴, so an output moves by
/// at most 2⁻²⁴·Σₖ|∂y/∂zₖ|·|zₖ| to first order, the sum over every value zₖ the graph makes (found by reverse mode on
/// the float64 graph rebuilt with each value scaled by (1 + εₖ): <see cref="Rounding.Sensitivity"/>); 1.5× that
/// covers the second-order terms.</summary>
static class Float32Beside
{
    public static void Run(ReportWriter report, string model, Node loss, Node[] parameters, Bindings at)
    {
        // u is a variable (±1 entries, exact in both types), so the float32 graph reads it as float32 too.
        var gradient = Reverse.Grad(loss, parameters);
        var direction = gradient.Select((g, i) => Node.Variable($"u{i}", g.Shape)).ToArray();
        for (int i = 0; i < direction.Length; i++)
            at = at.Bind(direction[i], Tensor.FromColumnMajor(direction[i].Shape, [.. Enumerable.Range(0, direction[i].Shape.Size).Select(e => (e * 7 + i) % 3 == 0 ? -1.0 : 1.0)]));
        var slope = gradient.Zip(direction, (g, u) => (g * u).Sum()).Aggregate((a, b) => a + b);
        Node[] outputs = [loss, slope];

        // The graph on float32 twins of its variables (its constants rounded), and that graph back in float64: the
        // float64 evaluation at the same float32 inputs and constants.
        var (outputs32, twins) = Graph.Retyped(outputs, DType.Float32);
        var (outputs64, back) = Graph.Retyped(outputs32, DType.Float64);
        Bindings at32 = Bindings.Empty, at64 = Bindings.Empty;
        foreach (var v in at.Variables)
            if (twins.TryGetValue(v, out var twin))
            {
                var rounded = at[v].ToFloat32();
                (at32, at64) = (at32.Bind(twin, rounded), at64.Bind(back[twin], rounded.ToFloat64()));
            }
            else (at32, at64) = (at32.Bind(v, at[v]), at64.Bind(v, at[v]));

        var y32 = Evaluator.Evaluate(outputs32, at32);
        var y64 = Evaluator.Evaluate(outputs64, at64);
        var rows = new List<IReadOnlyList<string>>();
        string[] names = ["loss", "uᵀ∇L (u = ±1)"];
        for (int i = 0; i < outputs.Length; i++)
        {
            double a = y32[i].ToScalar(), b = y64[i].ToScalar(), bound = 1.5 * Rounding.Float32Roundoff * Rounding.Sensitivity([outputs64[i]], at64)[0][0];
            bool isFloat32 = y32[i].DType == DType.Float32 && (float)a == a;
            rows.Add([names[i], F(a, "G9"), F(b, "G15"), E(Math.Abs(a - b)), E(bound),
                report.Check($"{model}: float32 {names[i]} within the derived bound of the float64 evaluation", isFloat32 && Math.Abs(a - b) <= bound)]);
        }
        report.Text($"Float32 beside float64 ({model}): the same graph on float32 variables, against float64 at the same float32 inputs; " +
                    "bound 1.5 · 2⁻²⁴ · Σₖ|∂y/∂zₖ|·|zₖ| over every value the graph makes, a matrix product summed in float32 counting k·(|A|·|B|) for |zₖ| (derived from float32's rounding, as the kit's Float32 law):");
        report.Table(["", "float32", "float64", "difference", "bound", "check"], rows);
    }
}
