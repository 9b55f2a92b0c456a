using Spectre.Console;

namespace AutoDiff.Functional.Training;

/// <summary>A live progress bar for long fits on the error stream (so a program's own output stays clean): the batch
/// loss, the held-out loss after the last epoch, steps per second and the time left; for full-batch minimisers
/// (L-BFGS), the evaluations and the loss. Drawn with Spectre.Console (MIT, actively maintained), chosen because it
/// detects whether the stream is a terminal, whether it understands ANSI codes, and CI environments: when the stream is
/// redirected or not interactive the display is quiet and the fit runs exactly as without it.</summary>
public static class ConsoleProgress
{
    /// <summary>Runs <paramref name="fit"/>, handing it a per-step callback that feeds the display, and returns its result.</summary>
    /// <example><code>
    /// var result = ConsoleProgress.Run("classifier", report => Fit.Run(loss, start, optimiser, train, onStep: report));
    /// </code></example>
    public static T Run<T>(string title, Func<Action<FitStep>, T> fit)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(fit);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected || !console.Profile.Capabilities.Interactive || !console.Profile.Capabilities.Ansi)
            return fit(_ => { });

        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: 1);
                return fit(step =>
                {
                    task.MaxValue = Math.Max(1, step.TotalSteps);
                    task.Value = step.Step;
                    double perSecond = step.Step / Math.Max(step.Elapsed.TotalSeconds, 1e-9);
                    var heldOut = step.HeldOutLoss is double h ? $", held-out loss {h:G4}" : "";
                    task.Description = Markup.Escape($"{title}: epoch {step.Epoch + 1}, batch loss {step.Loss:G4}{heldOut}, {perSecond:F0} steps/s");
                });
            });
    }

    /// <summary>Runs a full-batch minimiser (<see cref="FullBatch.Minimise"/>), handing it a per-evaluation callback that
    /// feeds a spinner with the evaluation count and the loss (it has no known end), and returns its result.</summary>
    /// <example><code>
    /// var result = ConsoleProgress.RunFullBatch("L-BFGS", report => FullBatch.Minimise(lbfgs, objective, start, data, report));
    /// </code></example>
    public static T RunFullBatch<T>(string title, Func<Action<FullBatchStep>, T> minimise)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(minimise);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected || !console.Profile.Capabilities.Interactive || !console.Profile.Capabilities.Ansi)
            return minimise(_ => { });

        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: 1).IsIndeterminate();
                return minimise(step => task.Description = Markup.Escape($"{title}: evaluation {step.Evaluation}, loss {step.Loss:G6} (best {step.Best:G6})"));
            });
    }
}
