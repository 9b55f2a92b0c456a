using System.Globalization;

namespace AutoDiff.Functional.Training;

/// <summary>A fit saved and read back whole, so <see cref="Fit.Resume"/> goes on as if it had never stopped: its last
/// and best parameters, the optimiser's state (its step and moments) and the histories, in one safetensors file.
/// Tensor names are "last/…", "best/…" (the tree's paths after the slash), "state/&lt;field&gt;/…" and
/// "history/…"; the rest (the state's type and step, the best epoch, the flags) is metadata.</summary>
public static class Checkpoint
{
    const string Format = "AutoDiff.Functional checkpoint 1";

    /// <summary>Writes <paramref name="fit"/> to the file <paramref name="path"/>.</summary>
    /// <exception cref="NotSupportedException">The optimiser's state is of a type this format does not know.</exception>
    public static void Save(string path, FitResult fit)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(fit);
        var (kind, fields) = Fields(fit.State);
        var tensors = new List<(string, Tensor)>();
        tensors.AddRange(Prefixed("last/", fit.Last));
        if (fit.Best is not null) tensors.AddRange(Prefixed("best/", fit.Best));
        foreach (var (field, tree) in fields) tensors.AddRange(Prefixed($"state/{field}/", tree));
        tensors.Add(("history/step_losses", Tensor.FromColumnMajor(Shape.Vector(fit.StepLosses.Count), [.. fit.StepLosses])));
        tensors.Add(("history/epoch_losses", Tensor.FromColumnMajor(Shape.Vector(fit.EpochLosses.Count), [.. fit.EpochLosses])));
        tensors.Add(("history/held_out_losses", Tensor.FromColumnMajor(Shape.Vector(fit.HeldOutLosses.Count), [.. fit.HeldOutLosses])));
        var epochs = fit.History.Epochs;
        tensors.Add(("history/epoch_steps", Tensor.FromColumnMajor(Shape.Vector(epochs.Count), [.. epochs.Select(e => (double)e.Steps)])));
        int metrics = fit.History.MetricNames.Count;
        tensors.Add(("history/metrics", Tensor.FromColumnMajor(Shape.Matrix(epochs.Count, metrics),
            [.. Enumerable.Range(0, metrics).SelectMany(m => epochs.Select(e => e.Metrics[m]))])));
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["state"] = kind,
            ["step"] = fit.State.Step.ToString(CultureInfo.InvariantCulture),
            ["best_epoch"] = fit.BestEpoch.ToString(CultureInfo.InvariantCulture),
            ["stopped_early"] = fit.StoppedEarly ? "true" : "false",
            ["cancelled"] = fit.Cancelled ? "true" : "false",
            ["metric_names"] = System.Text.Json.JsonSerializer.Serialize(fit.History.MetricNames),
        };
        if (fit.Best is not null) metadata["has_best"] = "true";
        if (fit.Diverged is { } d)
            (metadata["diverged_step"], metadata["diverged_epoch"], metadata["diverged"]) =
                (d.Step.ToString(CultureInfo.InvariantCulture), d.Epoch.ToString(CultureInfo.InvariantCulture), d.What);
        SafeTensors.Save(path, Parameters.Of([.. tensors]), metadata);
    }

    /// <summary>The fit saved in the file <paramref name="path"/>, bit for bit.</summary>
    /// <exception cref="FormatException">The file is not a checkpoint written by <see cref="Save"/>.</exception>
    public static FitResult Load(string path)
    {
        var (tensors, metadata) = SafeTensors.LoadWithMetadata(path);
        bool cancelled = metadata.GetValueOrDefault("cancelled") == "true";
        int bestEpoch = int.TryParse(metadata.GetValueOrDefault("best_epoch"), CultureInfo.InvariantCulture, out var e) ? e : -1;
        string Meta(string key) => metadata.TryGetValue(key, out var v) ? v
            : throw new FormatException($"Checkpoint: {path} has no metadata '{key}' (is it a checkpoint written by Checkpoint.Save?)");
        if (Meta("format") != Format) throw new FormatException($"Checkpoint: {path} is '{Meta("format")}', not '{Format}'");
        long step = long.Parse(Meta("step"), CultureInfo.InvariantCulture);
        var last = Under(tensors, "last/");
        Parameters Field(string field) => Under(tensors, $"state/{field}/");
        OptimiserState state = Meta("state") switch
        {
            nameof(MomentumState) => new MomentumState(step, Field("velocity")),
            nameof(AdamState) => new AdamState(step, Field("first_moment"), Field("second_moment")),
            nameof(RmsPropState) => new RmsPropState(step, Field("mean_square")),
            var other => throw new FormatException($"Checkpoint: {path} holds an optimiser state '{other}' not known here"),
        };
        double[] History(string name) => tensors.IndexOf($"history/{name}") is var i and >= 0 ? tensors[i].Values.ToArray()
            : throw new FormatException($"Checkpoint: {path} holds no 'history/{name}'");
        var best = bestEpoch >= 0 && metadata.ContainsKey("has_best") ? Under(tensors, "best/") : null;
        Divergence? diverged = metadata.TryGetValue("diverged", out var what)
            ? new(long.Parse(Meta("diverged_step"), CultureInfo.InvariantCulture), int.Parse(Meta("diverged_epoch"), CultureInfo.InvariantCulture), what)
            : null;
        var chosen = best is null || cancelled ? last : best;
        double[] epochLosses = History("epoch_losses"), heldOutLosses = History("held_out_losses"), steps = History("epoch_steps");
        var names = System.Text.Json.JsonSerializer.Deserialize<string[]>(Meta("metric_names")) ?? [];
        var metrics = tensors.IndexOf("history/metrics") is var m and >= 0 ? tensors[m]
            : throw new FormatException($"Checkpoint: {path} holds no 'history/metrics'");
        if (steps.Length != epochLosses.Length || metrics.Shape != Shape.Matrix(epochLosses.Length, names.Length) || heldOutLosses.Length is var h && h != 0 && h != epochLosses.Length)
            throw new FormatException($"Checkpoint: {path} has histories of {epochLosses.Length} epoch losses, {heldOutLosses.Length} held-out losses, {steps.Length} step counts and metrics {metrics.Shape} for {names.Length} names");
        var records = Enumerable.Range(0, epochLosses.Length).Select(e => new EpochRecord(e, (long)steps[e], epochLosses[e],
            heldOutLosses.Length > 0 ? heldOutLosses[e] : null, [.. Enumerable.Range(0, names.Length).Select(k => metrics[e, k])])).ToArray();
        return new(chosen, last, state, History("step_losses"), epochLosses, heldOutLosses, bestEpoch,
            Meta("stopped_early") == "true", cancelled, new FitHistory(names, records), diverged, best);
    }

    static (string Kind, (string Field, Parameters Tree)[] Fields) Fields(OptimiserState state) => state switch
    {
        MomentumState s => (nameof(MomentumState), [("velocity", s.Velocity)]),
        AdamState s => (nameof(AdamState), [("first_moment", s.FirstMoment), ("second_moment", s.SecondMoment)]),
        RmsPropState s => (nameof(RmsPropState), [("mean_square", s.MeanSquare)]),
        _ => throw new NotSupportedException($"Checkpoint: the optimiser state {state.GetType().Name} has no saved form (known: MomentumState, AdamState, RmsPropState)"),
    };

    static IEnumerable<(string, Tensor)> Prefixed(string prefix, Parameters tree) =>
        tree.Names.Select((name, i) => (prefix + name, tree[i]));

    /// <summary>The tensors whose names start <paramref name="prefix"/>, the prefix removed.</summary>
    static Parameters Under(Parameters tensors, string prefix)
    {
        var inside = tensors.Names.Select((name, i) => (name, i)).Where(e => e.name.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
        return Parameters.Of([.. inside.Select(e => (e.name[prefix.Length..], tensors[e.i]))]);
    }
}
