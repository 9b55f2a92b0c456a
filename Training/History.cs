using System.Globalization;
using System.Text;

namespace AutoDiff.Functional.Training;

/// <summary>A measure of the model at the end of an epoch, e.g. held-out accuracy:
/// <c>new FitMetric("accuracy", (θ, data) =&gt; Metrics.Accuracy(predict(θ, data["X"]), data["y"]))</c>.</summary>
public sealed class FitMetric
{
    /// <summary>A metric called <paramref name="name"/>, measured by <paramref name="measure"/>.</summary>
    public FitMetric(string name, Func<Parameters, Dataset, double> measure)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(measure);
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("FitMetric: a name is required", nameof(name));
        (Name, this.measure) = (name, measure);
    }

    readonly Func<Parameters, Dataset, double> measure;

    /// <summary>The column's name in the history.</summary>
    public string Name { get; }

    /// <summary>The value at <paramref name="parameters"/> on <paramref name="data"/> (the held-out set after each epoch,
    /// or the training set when there is none).</summary>
    public double Measure(Parameters parameters, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(data);
        return measure(parameters, data);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>One completed epoch.</summary>
/// <param name="Epoch">From 0.</param>
/// <param name="Steps">Steps completed by its end.</param>
/// <param name="TrainLoss">The mean batch loss over the epoch.</param>
/// <param name="HeldOutLoss">The held-out loss after it (null without a held-out set).</param>
/// <param name="Metrics">The <see cref="FitOptions.Metrics"/> after it, in their order.</param>
public sealed record EpochRecord(int Epoch, long Steps, double TrainLoss, double? HeldOutLoss, IReadOnlyList<double> Metrics);

/// <summary>What a fit did, epoch by epoch: the training and held-out losses and the metrics, as a table to export
/// (<see cref="ToCsv"/>) or plot (the AutoDiff.Functional.Plotting package draws it as a PNG).</summary>
public sealed class FitHistory
{
    /// <summary>A history of <paramref name="epochs"/> with metric columns named <paramref name="metricNames"/>.</summary>
    public FitHistory(IReadOnlyList<string> metricNames, IReadOnlyList<EpochRecord> epochs)
    {
        ArgumentNullException.ThrowIfNull(metricNames);
        ArgumentNullException.ThrowIfNull(epochs);
        foreach (var e in epochs)
            if (e is null || e.Metrics.Count != metricNames.Count)
                throw new ArgumentException($"FitHistory: every epoch needs one value per metric ({string.Join(", ", metricNames)})", nameof(epochs));
        (MetricNames, Epochs) = ([.. metricNames], [.. epochs]);
    }

    /// <summary>The metrics' names, the order of <see cref="EpochRecord.Metrics"/>.</summary>
    public IReadOnlyList<string> MetricNames { get; }
    /// <summary>The completed epochs, in order.</summary>
    public IReadOnlyList<EpochRecord> Epochs { get; }
    /// <summary>Whether the epochs have a held-out loss.</summary>
    public bool HasHeldOut => Epochs.Count > 0 && Epochs[0].HeldOutLoss is not null;

    /// <summary>The table as CSV (RFC 4180, numbers in the invariant culture, round-trip precision): the columns
    /// epoch, steps, train_loss, held_out_loss (when there is a held-out set) and one per metric.</summary>
    public string ToCsv()
    {
        var text = new StringBuilder();
        IEnumerable<string> header = ["epoch", "steps", "train_loss", .. HasHeldOut ? ["held_out_loss"] : Array.Empty<string>(), .. MetricNames];
        text.Append(string.Join(",", header.Select(Quote))).Append('\n');
        foreach (var e in Epochs)
        {
            IEnumerable<string> cells = [Number(e.Epoch), Number(e.Steps), Number(e.TrainLoss),
                .. HasHeldOut ? [Number(e.HeldOutLoss ?? double.NaN)] : Array.Empty<string>(), .. e.Metrics.Select(Number)];
            text.Append(string.Join(",", cells)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/> to <paramref name="path"/>.</summary>
    public void WriteCsv(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllText(path, ToCsv());
    }

    static string Number<T>(T v) where T : IFormattable => v.ToString(typeof(T) == typeof(double) ? "R" : null, CultureInfo.InvariantCulture);

    static string Quote(string cell) => cell.IndexOfAny([',', '"', '\n', '\r']) < 0 ? cell : $"\"{cell.Replace("\"", "\"\"")}\"";
}
