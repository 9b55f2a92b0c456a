using System.Globalization;
using ScottPlot;

namespace AutoDiff.Functional.Report;

/// <summary>Writes the series the sections recorded (<see cref="ReportWriter.Record"/>) as CSV files and PNG plots.
/// ScottPlot has no true log axis: the log–log plots draw log10 of the data and label the ticks as powers of ten.</summary>
static class Plots
{
    /// <summary>Writes one CSV per group (the part of a series name before '/') and the plots whose series exist;
    /// returns the files written.</summary>
    public static IReadOnlyList<string> Write(ReportWriter report, string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var group in report.Series.GroupBy(s => Group(s.Key)))
        {
            var path = Path.Combine(directory, $"{group.Key}.csv");
            using (var w = new StreamWriter(path))
            {
                w.WriteLine("series,x,y");
                foreach (var (name, points) in group)
                    foreach (var (x, y) in points)
                        w.WriteLine($"{Series(name)},{x.ToString("R", CultureInfo.InvariantCulture)},{y.ToString("R", CultureInfo.InvariantCulture)}");
            }
            written.Add(path);
        }

        written.AddRange(LogLog(report, directory, "sigmoid-net",
            "Sigmoid net: value + gradient, d₀ = d₁ = d₂ = d", "d", "median ms",
            ("sigmoid-net/forward-chain", "forward-mode Jacobian chain (O(d³))"),
            ("sigmoid-net/reverse-chain", "reverse-mode chain (O(d²))"),
            ("sigmoid-net/generic-reverse", "generic reverse (AD.ValueAndGrad)")));
        written.AddRange(LogLog(report, directory, "heron",
            "Heron, N unrolled steps: build + value + derivative", "N", "median ms",
            ("heron/forward", "forward mode"),
            ("heron/reverse", "reverse mode")));
        written.AddRange(LogLog(report, directory, "factorisation-times",
            "Matrix factorisation: value + both gradients", "m·n (elements of X)", "median ms",
            ("factorisation/autograd", "autograd (graph built once)"),
            ("factorisation/analytic", "hand-written analytic (same BLAS)")));
        written.AddRange(Ratio(report, directory));
        written.AddRange(LossCurves(report, directory, "training-classifiers", "Softmax classifiers: cross-entropy per epoch (Adam, batches of 32)", "epoch",
            ("training/rings-linear-train", "linear, training"), ("training/rings-linear-held-out", "linear, held out"),
            ("training/rings-tanh-train", "tanh hidden layer, training"), ("training/rings-tanh-held-out", "tanh hidden layer, held out"),
            ("training/blobs-linear-held-out", "linear on blobs, held out")));
        written.AddRange(LossCurves(report, directory, "training-full-batch", "Full-batch L-BFGS (MathNet) on our gradients: loss per evaluation", "evaluation",
            ("training/regression-lbfgs", "regression (MSE)"), ("training/factorisation-lbfgs", "factorisation")));
        written.AddRange(LossCurves(report, directory, "training-regression-adam", "Regression, Adam on batches of 20: MSE per epoch", "epoch",
            ("training/regression-adam", "Adam, cosine schedule")));
        written.AddRange(LossCurves(report, directory, "recommender", "Recommender, lazy Adam on minibatches: RMSE per epoch", "epoch",
            ("recommender/train-rmse", "training (during the epoch)"), ("recommender/held-out-rmse", "held out")));
        written.AddRange(LossCurves(report, directory, "recommender-als", "Recommender, alternating least squares: RMSE per sweep", "sweep",
            ("recommender-als/train-rmse", "training"), ("recommender-als/held-out-rmse", "held out")));
        written.AddRange(LossCurves(report, directory, "recommender-bpmf", "Recommender, Bayesian PMF (Gibbs sampling): held-out RMSE per sweep", "sweep",
            ("recommender-bpmf/sample-held-out-rmse", "one sample"), ("recommender-bpmf/held-out-rmse", "mean of the samples after burn-in")));
        return written;
    }

    static string Group(string name) => name.Contains('/') ? name[..name.IndexOf('/')] : name;
    static string Series(string name) => name.Contains('/') ? name[(name.IndexOf('/') + 1)..] : name;

    static IEnumerable<string> LogLog(ReportWriter report, string directory, string file, string title, string xLabel,
        string yLabel, params (string Key, string Legend)[] series)
    {
        var present = series.Where(s => report.Series.TryGetValue(s.Key, out var p) && p.Count > 0).ToArray();
        if (present.Length == 0) yield break;
        var plot = new Plot();
        foreach (var (key, legend) in present)
        {
            var points = report.Series[key].Where(p => p.X > 0 && p.Y > 0).ToArray();
            var scatter = plot.Add.Scatter(points.Select(p => Math.Log10(p.X)).ToArray(), points.Select(p => Math.Log10(p.Y)).ToArray());
            scatter.LegendText = legend;
            scatter.MarkerSize = 8;
            scatter.LineWidth = 2;
        }
        var all = present.SelectMany(s => report.Series[s.Key]).ToArray();
        plot.Axes.Bottom.TickGenerator = PowersOfTen(all.Select(p => p.X));
        plot.Axes.Left.TickGenerator = PowersOfTen(all.Select(p => p.Y));
        plot.Title(title);
        plot.XLabel($"{xLabel} (log scale)");
        plot.YLabel($"{yLabel} (log scale)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.Margins(0.1, 0.15);
        var path = Path.Combine(directory, $"{file}.png");
        plot.SavePng(path, 800, 560);
        yield return path;
    }

    /// <summary>Loss curves: a linear x axis, log10 of the loss on the y axis.</summary>
    static IEnumerable<string> LossCurves(ReportWriter report, string directory, string file, string title, string xLabel,
        params (string Key, string Legend)[] series)
    {
        var present = series.Where(s => report.Series.TryGetValue(s.Key, out var p) && p.Count > 0).ToArray();
        if (present.Length == 0) yield break;
        var plot = new Plot();
        foreach (var (key, legend) in present)
        {
            var points = report.Series[key].Where(p => p.Y > 0).ToArray();
            var scatter = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => Math.Log10(p.Y)).ToArray());
            scatter.LegendText = legend;
            scatter.MarkerSize = 3;
            scatter.LineWidth = 2;
        }
        plot.Axes.Left.TickGenerator = PowersOfTen(present.SelectMany(s => report.Series[s.Key]).Select(p => p.Y));
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("loss (log scale)");
        plot.ShowLegend(Alignment.UpperRight);
        var path = Path.Combine(directory, $"{file}.png");
        plot.SavePng(path, 800, 560);
        yield return path;
    }

    static IEnumerable<string> Ratio(ReportWriter report, string directory)
    {
        if (!report.Series.TryGetValue("factorisation/ratio", out var points) || points.Count == 0) yield break;
        var plot = new Plot();
        var scatter = plot.Add.Scatter(points.Select(p => Math.Log10(p.X)).ToArray(), points.Select(p => p.Y).ToArray());
        scatter.LegendText = "autograd / analytic";
        scatter.MarkerSize = 8;
        scatter.LineWidth = 2;
        var target = plot.Add.HorizontalLine(1.15);
        target.LegendText = "target 1.15";
        target.LinePattern = LinePattern.Dashed;
        var parity = plot.Add.HorizontalLine(1.0);
        parity.LegendText = "parity";
        parity.Color = Colors.Gray;
        plot.Axes.Bottom.TickGenerator = PowersOfTen(points.Select(p => p.X));
        plot.Title("Matrix factorisation: autograd time / analytic time");
        plot.XLabel("m·n (elements of X, log scale)");
        plot.YLabel("ratio");
        plot.Axes.SetLimitsY(0, Math.Max(2, points.Max(p => p.Y) * 1.1));
        plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.Margins(horizontal: 0.1);
        var path = Path.Combine(directory, "factorisation-ratio.png");
        plot.SavePng(path, 800, 560);
        yield return path;
    }

    /// <summary>Ticks for an axis that shows log10 of values in [min, max]: major ticks labelled 1·10ⁿ, 2·10ⁿ, 5·10ⁿ
    /// (just 10ⁿ when the data span more than three decades), minor ticks at the other integers·10ⁿ.</summary>
    static ScottPlot.TickGenerators.NumericManual PowersOfTen(IEnumerable<double> values)
    {
        var positive = values.Where(v => v > 0 && double.IsFinite(v)).ToArray();
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        if (positive.Length == 0) return ticks;
        int lo = (int)Math.Floor(Math.Log10(positive.Min())) - 1, hi = (int)Math.Ceiling(Math.Log10(positive.Max())) + 1;
        bool wide = hi - lo > 5;
        for (int e = lo; e <= hi; e++)
            for (int c = 1; c <= 9; c++)
            {
                double position = Math.Log10(c) + e;
                if (c == 1) ticks.AddMajor(position, "10" + Superscript(e));
                else if (!wide && (c == 2 || c == 5)) ticks.AddMajor(position, $"{c}·10{Superscript(e)}");
                else ticks.AddMinor(position);
            }
        return ticks;
    }

    static string Superscript(int n) => string.Concat(n.ToString(CultureInfo.InvariantCulture).Select(c => c switch
    {
        '-' => '⁻',
        '0' => '⁰',
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        '4' => '⁴',
        '5' => '⁵',
        '6' => '⁶',
        '7' => '⁷',
        '8' => '⁸',
        _ => '⁹',
    }));
}
