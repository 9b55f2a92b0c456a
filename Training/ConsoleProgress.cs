using Spectre.Console;

namespace AutoDiff.Functional.Training;

/// <summary>A live progress bar for long fits on the error stream (so a program's own output stays clean): the batch
/// loss, steps per second and the time left. Drawn with Spectre.Console (MIT, actively maintained), chosen because it
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
                    task.Description = Markup.Escape($"{title}: epoch {step.Epoch + 1}, loss {step.Loss:G4}, {perSecond:F0} steps/s");
                });
            });
    }
}
