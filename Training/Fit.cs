using System.Diagnostics;

namespace AutoDiff.Functional.Training;

/// <summary>How <see cref="Fit.Run"/> walks the data.</summary>
public sealed record FitOptions
{
    /// <summary>Passes over the training rows (≥ 0).</summary>
    public int Epochs
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Epochs), value, "FitOptions: Epochs must be ≥ 0");
    } = 10;
    /// <summary>Rows per step (&gt; 0); the last batch of an epoch holds the rows left over.</summary>
    public int BatchSize
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "FitOptions: BatchSize must be positive");
    } = 32;
    /// <summary>Seeds the order of the rows in every epoch: the same seed gives the same fit, bit for bit.</summary>
    public int Seed { get; init; }
    /// <summary>Clip each gradient to this global norm (finite, &gt; 0) before the optimiser sees it (none when null).</summary>
    public double? ClipNorm
    {
        get;
        init => field = value is null or (> 0 and < double.PositiveInfinity) ? value : throw new ArgumentOutOfRangeException(nameof(ClipNorm), value, "FitOptions: ClipNorm must be positive and finite (null for none)");
    }
    /// <summary>Early stopping: stop after this many epochs (≥ 0) without a lower held-out loss (never when null). It
    /// needs a held-out set: <see cref="Fit.Run"/> rejects it without one rather than ignore it.</summary>
    public int? Patience
    {
        get;
        init => field = value is null or >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Patience), value, "FitOptions: Patience must be ≥ 0 (null for none)");
    }
    /// <summary>Measures taken after every epoch, on the held-out set (the training set when there is none), and kept in
    /// <see cref="FitResult.History"/> beside the losses.</summary>
    public IReadOnlyList<FitMetric> Metrics
    {
        get;
        init => field = value is not null && value.All(m => m is not null) ? [.. value] : throw new ArgumentNullException(nameof(Metrics), "FitOptions: Metrics and each metric must not be null");
    } = [];
    /// <summary>Stop after this many steps (≥ 0) in all (never when null).</summary>
    public long? MaxSteps
    {
        get;
        init => field = value is null or >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxSteps), value, "FitOptions: MaxSteps must be ≥ 0 (null for none)");
    }
}

/// <summary>Where a fit met a value that is not finite, and stopped rather than go on with NaN parameters.</summary>
/// <param name="Step">For a batch loss or an update, the step that could not be completed (1 for the first): the
/// parameters after step − 1 are kept. For a held-out loss, the epoch's last step, whose parameters it was measured at.</param>
/// <param name="Epoch">Its epoch, from 0.</param>
/// <param name="What">What was not finite: the batch loss, the held-out loss, or the first parameter element the
/// update made NaN or ±∞ ("'W' (3×2) element 4 is NaN").</param>
public sealed record Divergence(long Step, int Epoch, string What)
{
    /// <inheritdoc/>
    public override string ToString() => $"step {Step} (epoch {Epoch}): {What}";
}

/// <summary>One completed step, as the callback sees it.</summary>
/// <param name="Epoch">The epoch, from 0.</param>
/// <param name="Step">Steps completed so far, this one included.</param>
/// <param name="Loss">The batch loss at the parameters before this step.</param>
/// <param name="Parameters">The parameters after this step.</param>
/// <param name="TotalSteps">The number of steps the fit will take if nothing stops it early.</param>
/// <param name="Elapsed">Wall time since the fit started (for progress only: it is not part of the result).</param>
/// <param name="HeldOutLoss">The held-out loss after the last completed epoch (null before the first, or without a
/// held-out set): what progress displays should show, as the batch loss is noisy.</param>
public sealed record FitStep(int Epoch, long Step, double Loss, Parameters Parameters, long TotalSteps, TimeSpan Elapsed, double? HeldOutLoss = null);

/// <summary>The outcome of a fit.</summary>
/// <param name="Parameters">The parameters to use: those of the epoch with the lowest held-out loss when there is a
/// held-out set (and the fit was not cancelled), otherwise <paramref name="Last"/>.</param>
/// <param name="Last">The parameters after the last completed step.</param>
/// <param name="State">The optimiser's state after the last completed step (a fit can go on from it).</param>
/// <param name="StepLosses">The batch loss of every step.</param>
/// <param name="EpochLosses">The mean batch loss of every completed epoch.</param>
/// <param name="HeldOutLosses">The held-out loss after every completed epoch (empty without a held-out set).</param>
/// <param name="BestEpoch">The epoch with the lowest held-out loss (−1 without a held-out set or a completed epoch).</param>
/// <param name="StoppedEarly">Early stopping ended the fit.</param>
/// <param name="Cancelled">The cancellation token ended the fit.</param>
/// <param name="History">Every completed epoch: training and held-out loss and the <see cref="FitOptions.Metrics"/>, to
/// export as CSV or plot.</param>
/// <param name="Diverged">Null when every loss and parameter stayed finite; otherwise where the fit stopped because one
/// did not (a NaN in the data, divergence at too large a rate): <paramref name="Parameters"/> and
/// <paramref name="Last"/> are then finite, those of the last completed step, and the step that failed is not counted.</param>
/// <param name="Best">The parameters of <paramref name="BestEpoch"/> (null without one), kept even when the fit was
/// cancelled, so that <see cref="Fit.Resume"/> goes on choosing among the same epochs.</param>
public sealed record FitResult(Parameters Parameters, Parameters Last, OptimiserState State, IReadOnlyList<double> StepLosses,
    IReadOnlyList<double> EpochLosses, IReadOnlyList<double> HeldOutLosses, int BestEpoch, bool StoppedEarly, bool Cancelled,
    FitHistory History, Divergence? Diverged = null, Parameters? Best = null)
{
    /// <summary>Steps completed.</summary>
    public long Steps => State.Step;

}

/// <summary>The minibatch fit loop: epochs over the training rows in a seeded shuffled order, one gradient and one
/// optimiser step per batch, a callback after every step, early stopping on the held-out loss, and cancellation that
/// keeps the last completed step. Deterministic: no clock or global random source affects the numbers.</summary>
public static class Fit
{
    /// <summary>Fits the parameters of <paramref name="loss"/>, a function from a batch's row count to the loss graph
    /// of a batch of that many rows (built, and compiled, once per distinct count), starting at <paramref name="start"/>.
    /// The graph's variables named as <paramref name="start"/>'s tensors are the parameters; the rest are bound from the
    /// rows of <paramref name="train"/> (or <paramref name="heldOut"/>) of the same name.</summary>
    public static FitResult Run(Func<int, Node> loss, Parameters start, Optimiser optimiser, Dataset train, Dataset? heldOut = null,
        FitOptions? options = null, Action<FitStep>? onStep = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(optimiser);
        return Go(loss, start, optimiser, null, train, heldOut, options, onStep, cancellation);
    }

    /// <summary>Goes on with the fit <paramref name="from"/> (a <see cref="FitResult"/>, or one read back by
    /// <see cref="Checkpoint.Load"/>) after its last completed step, as if it had never stopped: with the same loss,
    /// optimiser, data and options (more epochs or steps allowed), the result is the uninterrupted fit's, bit for bit,
    /// histories included. Each epoch's order depends only on the seed and the epoch, so a fit cut off within an epoch
    /// takes up the rest of that epoch's batches.</summary>
    /// <exception cref="ArgumentException">The steps taken do not fit the epochs completed at this batch size.</exception>
    public static FitResult Resume(Func<int, Node> loss, FitResult from, Optimiser optimiser, Dataset train, Dataset? heldOut = null,
        FitOptions? options = null, Action<FitStep>? onStep = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(optimiser);
        return Go(loss, from.Last, optimiser, from, train, heldOut, options, onStep, cancellation);
    }

    static FitResult Go(Func<int, Node> loss, Parameters start, Optimiser optimiser, FitResult? from, Dataset train, Dataset? heldOut,
        FitOptions? options, Action<FitStep>? onStep, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new FitOptions();   // its values were checked where they were set
        if (train.Rows == 0) throw new ArgumentException($"Fit: the training set ({string.Join(", ", train.Names)}) has no rows", nameof(train));
        if (heldOut is { Rows: 0 }) throw new ArgumentException($"Fit: the held-out set ({string.Join(", ", heldOut.Names)}) has no rows (pass null for none)", nameof(heldOut));
        if (options.Patience is int p && heldOut is null)
            throw new ArgumentException($"Fit: Patience = {p} watches the held-out loss, but no held-out set was given (pass heldOut, e.g. from Dataset.Split, or leave Patience null)", nameof(options));
        CheckNames(start, train, nameof(train));
        if (heldOut is not null) CheckNames(start, heldOut, nameof(heldOut));

        var objectives = new Dictionary<int, (Objective Objective, Workspace Workspace)>();
        (Objective, Workspace) ObjectiveFor(int rows)
        {
            if (!objectives.TryGetValue(rows, out var o))
            {
                var objective = Objective.Of(loss(rows), start);
                objectives[rows] = o = (objective, objective.NewGradientWorkspace());
            }
            return o;
        }
        var heldOutObjective = heldOut is null ? null : Objective.Of(loss(heldOut.Rows), start);

        int batch = Math.Min(options.BatchSize, train.Rows);
        int batchesPerEpoch = (train.Rows + batch - 1) / batch;
        long total = Math.Min((long)options.Epochs * batchesPerEpoch, options.MaxSteps ?? long.MaxValue);
        var clock = Stopwatch.StartNew();

        var theta = start;
        var state = from?.State ?? optimiser.Init(start);
        if (from is { BestEpoch: >= 0 } && (from.BestEpoch >= from.HeldOutLosses.Count || from.Best is null))
            throw new ArgumentException($"Fit.Resume: the best epoch {from.BestEpoch} has no held-out loss among {from.HeldOutLosses.Count} or no parameters (Best); resume from a FitResult or a checkpoint of a fit", nameof(from));
        var best = (Parameters: from?.Best ?? start, Loss: from is { BestEpoch: >= 0 and var b } ? from.HeldOutLosses[b] : double.PositiveInfinity, Epoch: from?.BestEpoch ?? -1);
        List<double> stepLosses = [.. from?.StepLosses ?? []], epochLosses = [.. from?.EpochLosses ?? []], heldOutLosses = [.. from?.HeldOutLosses ?? []];
        var epochs = new List<EpochRecord>(from?.History.Epochs ?? []);
        bool stoppedEarly = false, cancelled = false;
        Divergence? diverged = null;
        // A resumed fit starts in the epoch after its last completed one, past the batches of it already taken.
        int firstEpoch = epochLosses.Count;
        long skip = state.Step - (long)firstEpoch * batchesPerEpoch;
        if (skip < 0 || skip >= batchesPerEpoch || stepLosses.Count != state.Step)
            throw new ArgumentException($"Fit.Resume: {state.Step} steps ({stepLosses.Count} losses) do not fit {firstEpoch} completed epochs of {batchesPerEpoch} batches of {batch} rows; resume with the training set and batch size of the fit", nameof(from));

        for (int epoch = firstEpoch; epoch < options.Epochs && !stoppedEarly && !cancelled && diverged is null; epoch++)
        {
            // One seed per epoch, derived from the fit's seed: epoch k's order does not depend on how epochs before it ended.
            double epochSum = 0;
            int epochSteps = 0;
            foreach (var rows in train.Batches(batch, unchecked(options.Seed * 1_000_003 + epoch)))
            {
                if (epoch == firstEpoch && epochSteps < skip)
                {
                    epochSum += stepLosses[stepLosses.Count - (int)skip + epochSteps++];   // the same sum, in the same order
                    continue;
                }
                if (cancellation.IsCancellationRequested || state.Step >= total) { cancelled = cancellation.IsCancellationRequested; break; }
                var (objective, workspace) = ObjectiveFor(rows.Rows);
                var (value, gradient) = objective.ValueAndGradient(theta, rows, workspace, dropoutStep: state.Step);   // a fresh dropout mask every step
                // Watched once per step (the loss is one number, the parameters one pass beside the step's own): a NaN
                // from the data or a divergence stops the fit at its last finite parameters, named in the result.
                if (!double.IsFinite(value)) { diverged = new(state.Step + 1, epoch, $"the batch loss is {value}"); break; }
                if (options.ClipNorm is double clip) gradient = gradient.ClipByNorm(clip);
                var (next, update) = optimiser.Step(state, gradient, theta);
                var moved = theta.Axpy(1, update);
                if (moved.FirstNonFinite() is { } bad) { diverged = new(state.Step + 1, epoch, $"the update made parameter {bad}"); break; }
                (theta, state) = (moved, next);   // the step completes here, all at once
                stepLosses.Add(value);
                epochSum += value;
                epochSteps++;
                onStep?.Invoke(new FitStep(epoch, state.Step, value, theta, total, clock.Elapsed, heldOutLosses.Count > 0 ? heldOutLosses[^1] : null));
            }
            if (epochSteps < batchesPerEpoch) break;   // cancelled or out of steps within the epoch
            epochLosses.Add(epochSum / epochSteps);
            double? heldOutLoss = null;
            if (heldOutObjective is not null)
            {
                double h = heldOutObjective.Value(theta, heldOut);
                if (!double.IsFinite(h)) { diverged = new(state.Step, epoch, $"the held-out loss after the epoch is {h}"); break; }
                heldOutLosses.Add(h);
                heldOutLoss = h;
                if (h < best.Loss) best = (theta, h, epoch);
                else if (options.Patience is int patience && epoch - best.Epoch >= patience) stoppedEarly = true;
            }
            epochs.Add(new(epoch, state.Step, epochLosses[^1], heldOutLoss, [.. options.Metrics.Select(m => m.Measure(theta, heldOut ?? train))]));
        }
        cancelled |= cancellation.IsCancellationRequested && state.Step < total;
        var chosen = heldOutObjective is null || cancelled || best.Epoch < 0 ? theta : best.Parameters;
        return new(chosen, theta, state, stepLosses, epochLosses, heldOutLosses, heldOutObjective is null ? -1 : best.Epoch, stoppedEarly, cancelled,
            new([.. options.Metrics.Select(m => m.Name)], epochs), diverged, heldOutObjective is null || best.Epoch < 0 ? null : best.Parameters);
    }

    /// <summary>A parameter must not share a name with a data column: it would bind the graph's variable of that name,
    /// and the data would be silently ignored.</summary>
    static void CheckNames(Parameters parameters, Dataset data, string which)
    {
        foreach (var name in parameters.Names)
            if (data.Find(name) is not null)
                throw new ArgumentException($"Fit: '{name}' is both a parameter and a column of the {(which == "train" ? "training" : "held-out")} data; rename one (the parameter would silently shadow the data)", which);
    }
}
