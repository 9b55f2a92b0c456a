using System.Globalization;
using System.Text.RegularExpressions;
using AutoDiff.Functional.Properties.Docs;
using Xunit;

namespace AutoDiff.Functional.Properties.Layers;

/// <summary>The programs counted against PyTorch run and learn: logistic regression on two shifted Gaussian clouds
/// (Bayes accuracy ≈ 98%), an MLP on two moons (not linearly separable); and the counts in docs/comparison/README.md
/// are the programs' counts.</summary>
public class LineCountTests
{
    static string Write(string name, IEnumerable<(double X1, double X2, int Label)> rows)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{name}-{Environment.ProcessId}.csv");
        File.WriteAllLines(path, ["x1,x2,label", .. rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.X1:R},{r.X2:R},{r.Label}"))]);
        return path;
    }

    static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Fact]
    public void Logistic_regression_separates_two_clouds()
    {
        var rng = new Random(5);
        var path = Write("clouds", Enumerable.Range(0, 400).Select(i => (Gaussian(rng) + 2.0 * (i % 2), Gaussian(rng) + 2.0 * (i % 2), i % 2)));
        try { Assert.True(LineCountExamples.LogisticRegression(path) >= 0.85); }
        finally { File.Delete(path); }
    }

    [Fact]
    public void The_mlp_separates_two_moons()
    {
        // Two interleaved half circles (scikit-learn's make_moons), noise 0.1.
        var rng = new Random(6);
        var path = Write("moons", Enumerable.Range(0, 400).Select(i =>
        {
            double t = Math.PI * rng.NextDouble();
            return i % 2 == 0 ? (Math.Cos(t) + 0.1 * Gaussian(rng), Math.Sin(t) + 0.1 * Gaussian(rng), 0)
                : (1 - Math.Cos(t) + 0.1 * Gaussian(rng), 0.5 - Math.Sin(t) + 0.1 * Gaussian(rng), 1);
        }));
        try { Assert.True(LineCountExamples.TwoMoons(path) >= 0.95); }
        finally { File.Delete(path); }
    }

    [Fact]
    public void The_counts_in_the_comparison_are_the_programs_counts()
    {
        var ours = RepoFiles.Read("Properties/Layers/LineCountExamples.cs");
        var blocks = Regex.Matches(ours, @"// count:begin\n(.*?)\n\s*// count:end", RegexOptions.Singleline)
            .Select(m => 2 + m.Groups[1].Value.Split('\n').Count(l => l.Trim().Length > 0)).ToArray();   // + the two using lines
        var table = RepoFiles.Read("docs/comparison/README.md");
        int Python(string file) => RepoFiles.Read($"docs/comparison/{file}").Split('\n').Count(l => l.Trim() is { Length: > 0 } t && !t.StartsWith('#'));
        Assert.Contains($"| logistic regression on a CSV | {Python("logistic_regression.py")} | {blocks[0]} |", table);
        Assert.Contains($"| two-moons MLP | {Python("two_moons.py")} | {blocks[1]} |", table);
    }
}
