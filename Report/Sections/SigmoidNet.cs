using AutoDiff.Functional.Models;
using MathNet.Numerics.LinearAlgebra.Double;
using static AutoDiff.Functional.Report.ReportWriter;

namespace AutoDiff.Functional.Report;

/// <summary>Seed 004, problem 1: f(x) = sum(σ(B·σ(A·x))); the gradient every available way, the errors between
/// them, timings, and the forward-chain O(d³) against reverse-chain O(d²) growth.</summary>
static class SigmoidNetSection
{
    public static readonly Section Section = new("Seed 004, problem 1: two-layer sigmoid net f(x) = sum(σ(B·σ(A·x)))", Run);

    delegate DenseVector GradientMethod(SigmoidNet net, DenseVector x);

    static void Run(ReportWriter report)
    {
        Accuracy(report, 7, 5, 3, seed: 4);
        Accuracy(report, 60, 45, 30, seed: 5);
        // The same net in float32: x a float32 variable, A and B rounded to float32 constants (Graph.Retyped).
        var (net, x) = Instance(60, 45, 30, seed: 5);
        Float32Beside.Run(report, "sigmoid net 60×45×30", net.Output, [net.X], net.At(x));
        Scaling(report);
    }

    static (SigmoidNet Net, DenseVector X) Instance(int d0, int d1, int d2, int seed)
    {
        // Weights scaled by 1/√fan-in keep σ's arguments O(1): no saturation at any d, so σ′ matters everywhere.
        var rng = new Random(seed);
        var a = DenseMatrix.Create(d1, d0, (_, _) => (2 * rng.NextDouble() - 1) / Math.Sqrt(d0));
        var b = DenseMatrix.Create(d2, d1, (_, _) => (2 * rng.NextDouble() - 1) / Math.Sqrt(d1));
        var x = DenseVector.Create(d0, _ => 2 * rng.NextDouble() - 1);
        return (new SigmoidNet(a, b), x);
    }

    static (double Value, DenseVector Gradient) Reference(DenseMatrix a, DenseMatrix b, DenseVector x) =>
        SigmoidNetReference.ValueAndGradient(a, b, x);

    /// <summary>Central differences of the graph's value, per element, h = ∛ε·max(1, |xᵢ|), float64.</summary>
    static DenseVector FiniteDifferences(SigmoidNet net, DenseVector x)
    {
        return DenseVector.Create(x.Count, i =>
        {
            double h = GradCheck.Step(x[i]);
            var xp = (DenseVector)x.Clone();
            var xm = (DenseVector)x.Clone();
            xp[i] += h;
            xm[i] -= h;
            return (net.Value(xp) - net.Value(xm)) / (xp[i] - xm[i]);
        });
    }

    static void Accuracy(ReportWriter report, int d0, int d1, int d2, int seed)
    {
        var (net, x) = Instance(d0, d1, d2, seed);
        report.Text($"### d₀ = {d0}, d₁ = {d1}, d₂ = {d2} (A, B random with entries in ±1/√fan-in, x in [−1, 1])");

        (string Name, GradientMethod Gradient, double Tolerance)[] methods =
        [
            ("generic reverse (compiled plan)", (n, v) => n.GradientGeneric(v).Gradient, 1e-12),
            ("forward Jacobian chain", (n, v) => n.GradientForwardChain(v).Gradient, 1e-12),
            ("reverse Jacobian chain", (n, v) => n.GradientReverseChain(v).Gradient, 1e-12),
            ("analytic reference (MathNet)", (n, v) => Reference(n.A, n.B, v).Gradient, 1e-10),
            ("finite differences (central, float64)", FiniteDifferences, 1e-7),
        ];
        var gradients = methods.Select(m => m.Gradient(net, x)).ToArray();
        var values = new (string, double)[]
        {
            ("graph (Evaluator)", net.Value(x)),
            ("generic reverse", net.GradientGeneric(x).Value),
            ("forward chain", net.GradientForwardChain(x).Value),
            ("reverse chain", net.GradientReverseChain(x).Value),
            ("analytic reference (MathNet)", Reference(net.A, net.B, x).Value),
        };
        double valueSpread = values.Max(v => Math.Abs(v.Item2 - values[0].Item2)) / Math.Abs(values[0].Item2);
        report.Table(["f(x) by", "value"], values.Select(v => (IReadOnlyList<string>)[v.Item1, F(v.Item2, "R")]));
        report.Text($"Largest relative difference between the values: {E(valueSpread)} " +
                    $"({report.Check($"sigmoid net {d0}×{d1}×{d2}: values agree", valueSpread, 1e-14)}).");

        report.Table(["gradient by", "∇f[0]", "∇f[last]", "‖∇f‖₂"], methods.Select((m, k) => (IReadOnlyList<string>)
            [m.Name, F(gradients[k][0], "R"), F(gradients[k][^1], "R"), F(gradients[k].L2Norm(), "R")]));

        var rows = new List<IReadOnlyList<string>>();
        for (int i = 0; i < methods.Length; i++)
            for (int j = i + 1; j < methods.Length; j++)
            {
                double error = RelError(gradients[i].Values, gradients[j].Values);
                double tolerance = Math.Max(methods[i].Tolerance, methods[j].Tolerance);
                rows.Add([methods[i].Name, methods[j].Name, E(error), E(tolerance),
                    report.Check($"sigmoid net {d0}×{d1}×{d2}: {methods[i].Name} vs {methods[j].Name}", error, tolerance)]);
            }
        report.Table(["gradient", "against", "worst relative error", "tolerance", "check"], rows);

        var gradCheck = GradCheck.Check(net.Output, net.At(x), [net.X]);
        report.Text($"GradCheck (reverse, forward and finite differences element by element, adjoint identity): " +
                    $"{report.Check($"sigmoid net {d0}×{d1}×{d2}: GradCheck", gradCheck.Passed)}");
        report.Text(gradCheck.ToString());

        var timings = new (string, Action)[]
        {
            ("value only (Evaluator)", () => net.Value(x)),
            ("generic reverse (compiled plan)", () => net.GradientGeneric(x)),
            ("forward Jacobian chain", () => net.GradientForwardChain(x)),
            ("reverse Jacobian chain", () => net.GradientReverseChain(x)),
            ("analytic reference (MathNet)", () => Reference(net.A, net.B, x)),
        };
        report.Table(["method (value and gradient)", "median ms (30 warm-up, 15 timed)"],
            timings.Select(t => (IReadOnlyList<string>)[t.Item1, F(MedianMs(t.Item2, 30, 15), "F3")]));
    }

    static void Scaling(ReportWriter report)
    {
        List<int> sizes = [250, 500, 1000, 2000];
        if (report.D8000) sizes.Add(8000);
        report.Text("### Growth with d = d₀ = d₁ = d₂: forward chain O(d₀·d₁·d₂) = O(d³), reverse chain and generic " +
                    "gradient O(d₀·d₁ + d₁·d₂) = O(d²). Doubling d should multiply the forward chain's time by about 8 " +
                    "and the others' by about 4 (once the matrices outgrow the caches). Median ms after warm-up; " +
                    "the ratio is to the previous size.");
        var rows = new List<IReadOnlyList<string>>();
        double[]? previous = null;
        int previousD = 0;
        foreach (var d in sizes)
        {
            report.Progress($"sigmoid net: d = {d}{(d >= 8000 ? " (the forward chain is one 8000³ product per call: tens of seconds)" : "")}");
            var (net, x) = Instance(d, d, d, seed: d);
            (int warmup, int repeats) = d switch { >= 8000 => (1, 2), >= 2000 => (1, 3), >= 1000 => (2, 5), _ => (5, 9) };
            (int warmupFast, int repeatsFast) = d >= 8000 ? (3, 5) : (30, 15);
            DenseVector? forward = null, reverse = null, generic = null;
            var times = new[]
            {
                MedianMs(() => forward = net.GradientForwardChain(x).Gradient, warmup, repeats),
                MedianMs(() => reverse = net.GradientReverseChain(x).Gradient, warmupFast, repeatsFast),
                MedianMs(() => generic = net.GradientGeneric(x).Gradient, warmupFast, repeatsFast),
            };
            report.Record("sigmoid-net/forward-chain", d, times[0]);
            report.Record("sigmoid-net/reverse-chain", d, times[1]);
            report.Record("sigmoid-net/generic-reverse", d, times[2]);
            double fwdErr = RelError(forward!.Values, generic!.Values);
            double revErr = RelError(reverse!.Values, generic.Values);
            string Ratio(int k) => previous is null ? "" : $" (×{F(times[k] / previous[k], "F1")} for ×{d / previousD} d)";
            rows.Add([d.ToString(), F(times[0], "F1") + Ratio(0), F(times[1], "F2") + Ratio(1), F(times[2], "F2") + Ratio(2),
                F(times[0] / times[1], "F0") + "×",
                $"{E(fwdErr)}, {E(revErr)} {report.Check($"sigmoid net d = {d}: chains vs generic", Math.Max(fwdErr, revErr), 1e-12)}"]);
            previous = times;
            previousD = d;
        }
        report.Table(["d", "forward chain ms", "reverse chain ms", "generic reverse ms", "forward / reverse",
            "fwd, rev chain vs generic (rel)"], rows);
        report.Text("At these sizes the forward chain's O(d²) element-wise work (σ and σ′ over the (d×d) tangent matrices, " +
                    "a few ns per element) still rivals its one O(d³) product (BLAS dgemm, ~100 GFLOP/s on 2 cores with " +
                    "OpenBLAS), so its growth per doubling climbs towards 8 only as d grows; the reverse chain's two " +
                    "matrix–vector products are memory-bound and grow by about 4.");
        if (!report.D8000)
            report.Text("The seed's size d = 8000 runs with `--d8000` (the forward chain is one 8000³ product, seconds per call).");
    }
}
