using AutoDiff.Functional;
using AutoDiff.Functional.Report;

// The main job: every seed model, its gradient computed every available way, the errors between them and timings.
// Flags: --full (the seeds' experiments at full size), --d8000 (the sigmoid net at d0 = d1 = d2 = 8000),
// --pictures DIR (the sigmoid net and its gradient graph as Graphviz DOT and PNG, for the README),
// --targets (only the performance issue's workloads at their real sizes: reported, never asserted),
// --out DIR (CSV files and PNG plots; default out/report, written with --full, --targets or --out),
// --recommender --users U --items I --ratings R --rank K [--epochs E] [--rate η] [--lambda λ]
// [--method als|adam|bpmf] (only the recommender, at that size, trained by alternating least squares (the default), minibatch
// Adam, or Bayesian PMF by Gibbs sampling from ALS's point, E sweeps (32 by default) averaged after the first quarter).
Options options;
try
{
    options = Options.Parse(args);
    if (options.Has("--recommender")) RecommenderSection.Command(options);   // its numbers checked before anything runs
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"Report: {e.Message}");
    return 2;
}
if (options.Has("--pictures"))
    return Pictures.Write(options.Text("--pictures") ?? "docs/images");

var report = new ReportWriter(args);
Console.WriteLine("# AutoDiff.Functional: the seed models");
Console.WriteLine();
Console.WriteLine($"BLAS backend: {Blas.Backend}  ");
Console.WriteLine($"Runtime: .NET {Environment.Version}, {Environment.ProcessorCount} cores; mode: {(report.Full ? "full" : "default")}");
bool recommender = options.Has("--recommender");
foreach (var section in recommender ? [RecommenderSection.Command(options)] : report.Targets ? [TargetsSection.Section] : Sections.All)
    report.Run(section.Title, () => section.Run(report));
if (report.Full || report.Targets || recommender || args.Contains("--out"))
    foreach (var file in Plots.Write(report, report.OutDir))
        report.Progress($"wrote {file}");
return report.Finish();
