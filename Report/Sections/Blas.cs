using AutoDiff.Functional.Report;
using static AutoDiff.Functional.Report.ReportWriter;

namespace AutoDiff.Functional.Report;

/// <summary>Matrix products as the library runs them: a MatMul node evaluated through the interpreter, so the figures
/// include everything a user pays (allocation of the result, the BLAS call). Run the report with
/// AUTODIFF_BLAS=managed to see the managed fallback.</summary>
static class BlasSection
{
    public static readonly Section Section = new("Matrix products through the library", Run);

    static void Run(ReportWriter report)
    {
        report.Text($"Backend: {Blas.Backend}. Median of 5 after 2 warm-up calls; A·B evaluated as a graph node.");
        var rows = new List<string[]>();
        var rng = new Random(7);
        foreach (var n in report.Full ? new[] { 500, 1000, 2000, 4000 } : [500, 1000, 2000])
        {
            report.Progress($"dgemm n = {n}");
            var a = Node.Constant(Random(rng, n, n));
            var b = Node.Constant(Random(rng, n, n));
            var product = a.MatMul(b);
            double ms = MedianMs(() => Evaluator.Evaluate(product, Bindings.Empty), warmup: 2, repeats: 5);
            rows.Add([$"A·B, n = {n}", F(ms, "F1"), $"{2.0 * n * n * n / ms / 1e6:F1} GFLOP/s"]);
        }
        foreach (var n in report.Full ? new[] { 2000, 8000 } : [2000, 4000])
        {
            report.Progress($"dgemv n = {n}");
            var a = Node.Constant(Random(rng, n, n));
            var x = Node.Constant(Tensor.FromColumnMajor(Shape.Vector(n), [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble())]));
            foreach (var (name, node) in new[] { ("A·x", a.MatMul(x)), ("Aᵀ·x", a.T().MatMul(x)) })
            {
                double ms = MedianMs(() => Evaluator.Evaluate(node, Bindings.Empty), warmup: 2, repeats: 5);
                rows.Add([$"{name}, n = {n}", F(ms, "F2"), $"{8.0 * n * n / ms / 1e6:F1} GB/s"]);
            }
        }
        report.Table(["product", "median ms", "rate"], rows);
    }

    static Tensor Random(Random rng, int m, int n) =>
        Tensor.FromColumnMajor(Shape.Matrix(m, n), [.. Enumerable.Range(0, m * n).Select(_ => rng.NextDouble() - 0.5)]);
}
