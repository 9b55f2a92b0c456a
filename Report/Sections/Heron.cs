using AutoDiff.Functional.Models;
using static AutoDiff.Functional.Report.ReportWriter;

namespace AutoDiff.Functional.Report;

/// <summary>Seed 004, problem 2: √x by Heron's method; dy/dx through the loop by forward and reverse mode, for fixed N
/// and with the adaptive rule, and by implicit differentiation, against 1/(2√x).</summary>
static class HeronSection
{
    public static readonly Section Section = new("Seed 004, problem 2: Heron's square root and its derivative through the loop", Run);

    static double Rel(double a, double b) => Math.Abs(a - b) / Math.Max(Math.Abs(a), Math.Abs(b));

    /// <summary>y_N by the seed's loop, written here independently of the model.</summary>
    static double Iterate(double x, int n)
    {
        double y = 1;
        for (int k = 0; k < n; k++) y = (y + x / y) / 2;
        return y;
    }

    /// <summary>Central difference of the N-step function, float64, h = ∛ε·max(1, |x|).</summary>
    static double FiniteDifference(double x, int n)
    {
        double h = GradCheck.Step(x), xp = x + h, xm = x - h;
        return (Iterate(xp, n) - Iterate(xm, n)) / (xp - xm);
    }

    static void Run(ReportWriter report)
    {
        AllWays(report, 2.0);
        ErrorAgainstN(report, [1e-4, 2.0, 1e4]);
        Timings(report);
        LoopTimings(report);
    }

    static void AllWays(ReportWriter report, double x)
    {
        var run = Heron.IterateAdaptive(x);
        int n = run.Steps;
        double exact = 0.5 / Math.Sqrt(x);
        report.Text($"### x = {F(x)}: the adaptive rule (stop when |Δy| ≤ {E(Heron.DefaultTolerance)}·|y|, at most " +
                    $"{Heron.DefaultMaxSteps} steps) chose N = {n}");
        report.Table(["√x by", "value", "relative error vs Math.Sqrt"],
        [
            ["Heron, adaptive (numeric loop)", F(run.Y, "R"), E(Rel(run.Y, Math.Sqrt(x)))],
            ["Heron, N-step graph (Evaluator)", F(Heron.Forward(x, n).Value, "R"), E(Rel(Heron.Forward(x, n).Value, Math.Sqrt(x)))],
            ["Math.Sqrt", F(Math.Sqrt(x), "R"), ""],
        ]);
        report.Text($"Value of the unrolled graph = numeric loop bit for bit: " +
                    $"{report.Check($"Heron x = {x}: graph value equals the loop", Heron.Forward(x, n).Value == run.Y)}.");

        (string Name, double Derivative, double Tolerance)[] ways =
        [
            ("forward mode through the loop", Heron.ForwardAdaptive(x).Derivative, 1e-12),
            ("reverse mode through the loop", Heron.ReverseAdaptive(x).Derivative, 1e-12),
            ("implicit: −(∂F/∂x)/(∂F/∂y), F = y² − x", Heron.ImplicitDerivative(x).Derivative, 1e-12),
            ("analytic 1/(2√x)", exact, 1e-12),
            ($"finite differences of the {n}-step loop", FiniteDifference(x, n), 1e-7),
        ];
        report.Table(["dy/dx by", "value"], ways.Select(w => (IReadOnlyList<string>)[w.Name, F(w.Derivative, "R")]));
        var rows = new List<IReadOnlyList<string>>();
        for (int i = 0; i < ways.Length; i++)
            for (int j = i + 1; j < ways.Length; j++)
            {
                double error = Rel(ways[i].Derivative, ways[j].Derivative), tolerance = Math.Max(ways[i].Tolerance, ways[j].Tolerance);
                rows.Add([ways[i].Name, ways[j].Name, E(error), E(tolerance),
                    report.Check($"Heron x = {x}: {ways[i].Name} vs {ways[j].Name}", error, tolerance)]);
            }
        report.Table(["dy/dx", "against", "relative error", "tolerance", "check"], rows);
    }

    static void ErrorAgainstN(ReportWriter report, double[] xs)
    {
        report.Text("### Relative error of dy_N/dx against 1/(2√x) as N grows (y₀ = 1). Forward (fwd) and reverse (rev) " +
                    "mode through the N-step loop; \"fwd vs rev\" is their largest relative difference over all x. " +
                    "Newton's quadratic convergence shows once y_N is near √x: the error roughly squares per step. " +
                    "The last column compares forward mode with central differences of the N-step loop, h = ∛ε·max(1, |x|): at x = 10⁻⁴ " +
                    "that h is 6% of x, far too coarse once y_N ≈ √x varies on the scale of x, so only N ≤ 4 (where y_N " +
                    "still varies on the scale of y_{N−1}² ≫ h) is checked against it.");
        int[] ns = [1, 2, 4, 8, 16, 32, 64];
        var rows = new List<IReadOnlyList<string>>();
        foreach (var n in ns)
        {
            var row = new List<string> { n.ToString() };
            double modes = 0, fdWorst = 0;
            foreach (var x in xs)
            {
                double exact = 0.5 / Math.Sqrt(x);
                var f = Heron.Forward(x, n);
                var r = Heron.Reverse(x, n);
                modes = Math.Max(modes, Rel(f.Derivative, r.Derivative));
                row.Add(E(Rel(f.Derivative, exact)));
                row.Add(E(Rel(r.Derivative, exact)));
                // Unconverged N: the loop's own derivative is checked against its finite differences instead
                // (GradCheck's bound), while h = ∛ε·max(1, |x|) is small against the scale on which y_N varies.
                double fd = FiniteDifference(x, n);
                fdWorst = Math.Max(fdWorst, Rel(f.Derivative, fd));
                if (n <= 4)
                    report.Check($"Heron x = {x}, N = {n}: forward vs finite differences",
                        Math.Abs(f.Derivative - fd), 1e-6 + 1e-5 * Math.Abs(fd));
                if (n == 64) report.Check($"Heron x = {x}, N = 64: converged derivative", Math.Max(Rel(f.Derivative, exact), Rel(r.Derivative, exact)), 1e-12);
            }
            row.Add($"{E(modes)} {report.Check($"Heron N = {n}: forward vs reverse", modes, 1e-12)}");
            row.Add(E(fdWorst) + (n <= 4 ? " (checked)" : ""));
            rows.Add(row);
        }

        var adaptiveRow = new List<string> { "adaptive" };
        var implicitRow = new List<string> { "implicit" };
        foreach (var x in xs)
        {
            double exact = 0.5 / Math.Sqrt(x);
            var f = Heron.ForwardAdaptive(x);
            var r = Heron.ReverseAdaptive(x);
            var i = Heron.ImplicitDerivative(x);
            adaptiveRow.Add($"{E(Rel(f.Derivative, exact))} (N = {f.Steps})");
            adaptiveRow.Add($"{E(Rel(r.Derivative, exact))} (N = {r.Steps})");
            implicitRow.Add($"{E(Rel(i.Derivative, exact))} (y after {i.Steps} steps)");
            implicitRow.Add("");
            report.Check($"Heron x = {x}: adaptive forward and reverse", Math.Max(Rel(f.Derivative, exact), Rel(r.Derivative, exact)), 1e-12);
            report.Check($"Heron x = {x}: implicit", Rel(i.Derivative, exact), 1e-12);
            report.Check($"Heron x = {x}: implicit vs forward", Rel(i.Derivative, f.Derivative), 1e-12);
        }
        adaptiveRow.AddRange(["", ""]);
        implicitRow.AddRange(["", ""]);
        rows.Add(adaptiveRow);
        rows.Add(implicitRow);

        var headers = new List<string> { "N" };
        foreach (var x in xs) { headers.Add($"x = {F(x)}: fwd"); headers.Add($"x = {F(x)}: rev"); }
        headers.Add("fwd vs rev");
        headers.Add("fwd vs FD (worst over x)");
        report.Table(headers, rows);
    }

    static void Timings(ReportWriter report)
    {
        List<int> ns = [1_000, 10_000, 100_000];
        if (report.Full) ns.Add(1_000_000);
        report.Text("### Long loops, x = 2: building the N-step graph and differentiating it (median ms, graph building " +
                    "included). The seed's reference framework spends ≈ 30 µs per step in reverse mode.");
        var rows = new List<IReadOnlyList<string>>();
        foreach (var n in ns)
        {
            report.Progress($"Heron: N = {n}");
            (int warmup, int repeats) = n switch { >= 1_000_000 => (1, 1), >= 100_000 => (1, 1), >= 10_000 => (1, 3), _ => (5, 9) };
            HeronDerivative? forward = null, reverse = null;
            double tf = MedianMs(() => forward = Heron.Forward(2, n), warmup, repeats);
            double tr = MedianMs(() => reverse = Heron.Reverse(2, n), warmup, repeats);
            report.Record("heron/forward", n, tf);
            report.Record("heron/reverse", n, tr);
            double err = Math.Max(Rel(forward!.Derivative, 0.5 / Math.Sqrt(2)), Rel(reverse!.Derivative, 0.5 / Math.Sqrt(2)));
            rows.Add([n.ToString("N0"), F(tf, "F1"), F(1000 * tf / n, "F1"), F(tr, "F1"), F(1000 * tr / n, "F1"),
                $"{E(err)} {report.Check($"Heron N = {n}: derivative", err, 1e-12)}"]);
        }
        double ti = MedianMs(() => Heron.ImplicitDerivative(2), 30, 15);
        double ta = MedianMs(() => Heron.ForwardAdaptive(2), 30, 15);
        report.Table(["N", "forward ms", "µs/step", "reverse ms", "µs/step", "worst error vs 1/(2√x)"], rows);
        report.Text($"Converged derivative at x = 2: adaptive forward mode {F(ta, "F3")} ms, implicit (no stored iterations) " +
                    $"{F(ti, "F3")} ms (median of 15 after 30 warm-up calls).");
        if (!report.Full) report.Text("N = 1,000,000 runs with `--full`.");
    }

    /// <summary>The loop primitive (issue #13): one node for N steps, value and reverse derivative, build included;
    /// and N = 10⁶ under the checkpointing policies (with --full).</summary>
    static void LoopTimings(ReportWriter report)
    {
        report.Progress("Heron: loop primitive");
        HeronDerivative? d = null;
        double t = MedianMs(() => d = Heron.LoopReverse(2, 10_000), 3, 7);
        double tu = MedianMs(() => Heron.Reverse(2, 10_000), 1, 3);
        double err = Rel(d!.Derivative, 0.5 / Math.Sqrt(2));
        report.Text($"### The loop primitive (`Loop.Repeat`), x = 2, N = 10,000: value and reverse derivative in {F(t, "F2")} ms " +
                    $"(the unrolled graph above: {F(tu, "F1")} ms; target ≤ 3 ms), error vs 1/(2√x) {E(err)} " +
                    $"{report.Check("Heron loop N = 10,000: derivative", err, 1e-12)}.");
        var adaptive = Heron.LoopReverseAdaptive(2);
        double ea = Rel(adaptive.Derivative, 0.5 / Math.Sqrt(2));
        report.Text($"The adaptive rule as `Loop.While`, reverse mode: {adaptive.Steps} steps, error {E(ea)} " +
                    $"{report.Check("Heron while loop: reverse derivative", ea, 1e-12)}.");
        if (!report.Full) return;
        var rows = new List<IReadOnlyList<string>>();
        double storeAll = 0;
        foreach (var policy in new[] { Checkpointing.StoreAll, Checkpointing.Binomial(2000), Checkpointing.Sqrt })
        {
            report.Progress($"Heron: loop N = 10⁶, {policy}");
            double tp = MedianMs(() => d = Heron.LoopReverse(2, 1_000_000, policy), 0, 1);
            if (policy == Checkpointing.StoreAll) storeAll = tp;
            rows.Add([$"{policy}", F(tp, "F0"), F(tp / storeAll, "F2"), E(Rel(d!.Derivative, 0.5 / Math.Sqrt(2)))]);
        }
        report.Table(["N = 10⁶, policy", "ms", "× store all", "error vs 1/(2√x)"], rows);
    }
}
