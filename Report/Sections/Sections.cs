namespace AutoDiff.Functional.Report;

/// <summary>The report's sections, in order. Each model's section lives in its own file.</summary>
static class Sections
{
    public static readonly Section[] All =
    [
        BlasSection.Section,
        RegressionSection.Section,
        SoftmaxSection.Section,
        FactorisationSection.Section,
        SigmoidNetSection.Section,
        HeronSection.Section,
        TrainingSection.Section,
        RecommenderSection.Section,
    ];
}
