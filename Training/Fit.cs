using System.Diagnostics;

namespace AutoDiff.Functional.Training;

/// <summary>How <see cref="Fit.Run"/> walks the data.</summary>
public sealed record FitOptions
{
    /// <summary>Passes over the training rows.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Rows per step; the last batch of an epoch holds the rows left over.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Seeds the order of the rows in every epoch: the same seed gives the same fit, bit for bit.</summary>
    public int Seed { get; init; }
    /// <summary>Clip each gradient to this global norm before the optimiser sees it (none when null).</summary>
    public double? ClipNorm { get; init; }
    /// <summary>Early stopping: stop after this many epochs without a lower held-out loss (never when null).</summary>
    public int? Patience { get; init; }
    /// <summary>Stop after this many steps in all (never when null).</summary>
    public long? MaxSteps { get; init; }
}

/// <summary>One completed step, as the callback sees it.</summary>
/// <param name="Epoch">The epoch, from 0.</param>
/// <param name="Step">Steps completed so far, this one included.</param>
/// <param name="Loss">The batch loss at the parameters before this step.</param>
/// <param name="Parameters">The parameters after this step.</param>
/// <param name="TotalSteps">The number of steps the fit will take if nothing stops it early.</param>
/// <param name="Elapsed">Wall time since the fit started (for progress only: it is not part of the result).</param>
public sealed record FitStep(int Epoch, long Step, double Loss, Parameters Parameters, long TotalSteps, TimeSpan Elapsed);

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
public sealed record FitResult(Parameters Parameters, Parameters Last, OptimiserState State, IReadOnlyList<double> StepLosses,
    IReadOnlyList<double> EpochLosses, IReadOnlyList<double> HeldOutLosses, int BestEpoch, bool StoppedEarly, bool Cancelled)
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
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(optimiser);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new FitOptions();
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "Fit: the batch size must be positive");
        if (options.Epochs < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "Fit: the number of epochs must be ≥ 0");

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
        var state = optimiser.Init(start);
        var best = (Parameters: start, Loss: double.PositiveInfinity, Epoch: -1);
        List<double> stepLosses = [], epochLosses = [], heldOutLosses = [];
        bool stoppedEarly = false, cancelled = false;

        for (int epoch = 0; epoch < options.Epochs && !stoppedEarly && !cancelled; epoch++)
        {
            // One seed per epoch, derived from the fit's seed: epoch k's order does not depend on how epochs before it ended.
            var order = Dataset.Permutation(train.Rows, unchecked(options.Seed * 1_000_003 + epoch));
            double epochSum = 0;
            int epochSteps = 0;
            for (int first = 0; first < train.Rows; first += batch)
            {
                if (cancellation.IsCancellationRequested || state.Step >= total) { cancelled = cancellation.IsCancellationRequested; break; }
                var rows = train.Take(order.AsSpan(first, Math.Min(batch, train.Rows - first)));
                var (objective, workspace) = ObjectiveFor(rows.Rows);
                var (value, gradient) = objective.ValueAndGradient(theta, rows, workspace);
                if (options.ClipNorm is double clip) gradient = gradient.ClipByNorm(clip);
                var (next, update) = optimiser.Step(state, gradient, theta);
                (theta, state) = (theta.Axpy(1, update), next);   // the step completes here, all at once
                stepLosses.Add(value);
                epochSum += value;
                epochSteps++;
                onStep?.Invoke(new FitStep(epoch, state.Step, value, theta, total, clock.Elapsed));
            }
            if (epochSteps < batchesPerEpoch) break;   // cancelled or out of steps within the epoch
            epochLosses.Add(epochSum / epochSteps);
            if (heldOutObjective is not null)
            {
                double h = heldOutObjective.Value(theta, heldOut);
                heldOutLosses.Add(h);
                if (h < best.Loss) best = (theta, h, epoch);
                else if (options.Patience is int patience && epoch - best.Epoch >= patience) stoppedEarly = true;
            }
        }
        cancelled |= cancellation.IsCancellationRequested && state.Step < total;
        var chosen = heldOutObjective is null || cancelled || best.Epoch < 0 ? theta : best.Parameters;
        return new(chosen, theta, state, stepLosses, epochLosses, heldOutLosses, heldOutObjective is null ? -1 : best.Epoch, stoppedEarly, cancelled);
    }
}
