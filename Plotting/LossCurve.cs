using AutoDiff.Functional.Training;
using ScottPlot;

namespace AutoDiff.Functional.Plotting;

/// <summary>Loss curves as PNG files. The loss axis is logarithmic when the losses are all positive and span more than
/// a factor of 10 (ScottPlot has no log axis: log10 of the losses is drawn and the ticks are labelled as powers of 10).</summary>
public static class LossCurve
{
    /// <summary>Draws a fit's training loss per epoch and, when it had one, its held-out loss, against the epoch (from
    /// 1), with the best held-out epoch marked, and saves the picture as a PNG at <paramref name="path"/>.</summary>
    /// <example><code>
    /// var fit = Fit.Run(loss, start, new Adam(0.01), train, heldOut);
    /// fit.History.WriteCsv("history.csv");
    /// LossCurve.SavePng(fit.History, "loss.png");
    /// </code></example>
    public static void SavePng(FitHistory history, string path, string title = "Loss per epoch", int width = 800, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(title);
        if (history.Epochs.Count == 0) throw new ArgumentException("LossCurve: the history has no completed epoch to draw", nameof(history));
        double[] epochs = [.. history.Epochs.Select(e => e.Epoch + 1.0)];
        var series = new List<(string Legend, double[] Loss)> { ("training (mean batch loss)", [.. history.Epochs.Select(e => e.TrainLoss)]) };
        if (history.HasHeldOut) series.Add(("held-out", [.. history.Epochs.Select(e => e.HeldOutLoss ?? double.NaN)]));
        Save(path, title, "epoch", epochs, series, width, height);
    }

    /// <summary>Draws a full-batch minimiser's loss at every evaluation (L-BFGS, BFGS, …) and saves it as a PNG.</summary>
    public static void SavePng(FullBatchResult result, string path, string title = "Loss per evaluation", int width = 800, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(title);
        if (result.Evaluations.Count == 0) throw new ArgumentException("LossCurve: the result has no evaluation to draw", nameof(result));
        Save(path, title, "evaluation", [.. Enumerable.Range(1, result.Evaluations.Count).Select(i => (double)i)],
            [("loss", [.. result.Evaluations])], width, height);
    }

    static void Save(string path, string title, string xLabel, double[] x, List<(string Legend, double[] Loss)> series, int width, int height)
    {
        if (width < 100 || height < 100) throw new ArgumentOutOfRangeException(nameof(width), $"LossCurve: {width}×{height} pixels is too small for a plot (100×100 at least)");
        var finite = series.SelectMany(s => s.Loss).Where(double.IsFinite).ToArray();
        bool log = finite.Length > 0 && finite.Min() > 0 && finite.Max() / finite.Min() > 10;
        var plot = new Plot();
        foreach (var (legend, loss) in series)
        {
            var line = plot.Add.Scatter(x, [.. loss.Select(v => log ? Math.Log10(v) : v)]);
            line.LegendText = legend;
        }
        if (log)
        {
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            for (int p = (int)Math.Floor(Math.Log10(finite.Min())); p <= (int)Math.Ceiling(Math.Log10(finite.Max())); p++) ticks.AddMajor(p, $"1e{p}");
            plot.Axes.Left.TickGenerator = ticks;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(log ? "loss (log scale)" : "loss");
        if (series.Count > 1) plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, width, height);
    }
}
