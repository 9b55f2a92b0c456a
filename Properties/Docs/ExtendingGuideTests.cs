using System.Text.RegularExpressions;
using Xunit;

namespace AutoDiff.Functional.Properties.Docs;

/// <summary>docs/extending.md shows real code: each block names its source, and must match it.</summary>
public class ExtendingGuideTests
{
    public static TheoryData<string, string, string> Blocks()
    {
        var guide = RepoFiles.Read("docs/extending.md");
        var data = new TheoryData<string, string, string>();
        foreach (Match m in Regex.Matches(guide, @"<!-- source: (\S+)(?: \((\w+)\))? -->\n```csharp\n(.*?)```", RegexOptions.Singleline))
            data.Add(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
        return data;
    }

    [Fact]
    public void The_guide_has_its_six_sourced_blocks() => Assert.Equal(6, Blocks().Count);

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Each_block_matches_its_source(string file, string kind, string block)
    {
        var source = RepoFiles.Read(file);
        switch (kind)
        {
            case "line":
                Assert.Contains(block.Trim(), source.Split('\n').Select(l => l.Trim()));
                break;
            case "region":
                var region = Regex.Match(source, @"// GUIDE:begin\n(.*?)\s*// GUIDE:end", RegexOptions.Singleline).Groups[1].Value;
                Assert.Equal(RepoFiles.Normalise(region), RepoFiles.Normalise(block));
                break;
            default:
                Assert.Equal(RepoFiles.Normalise(source), RepoFiles.Normalise(block));
                break;
        }
    }

    [Fact]
    public void The_guide_example_runs_and_passes() => Assert.True(ExtendingExample.CheckSoftplus().Passed);

    [Fact]
    public void Softplus_is_exact_at_both_extremes_and_its_derivative_is_the_sigmoid()
    {
        var x = Node.Variable("x", Shape.Vector(5));
        double[] xs = [-800, -30, 0, 30, 800];
        var (value, grad) = AD.ValueAndGrad(x.Softplus().Sum(), Bindings.Empty.Bind(x, Tensor.Vector(xs)), x);
        var y = Evaluator.Evaluate(x.Softplus(), Bindings.Empty.Bind(x, Tensor.Vector(xs)));
        Assert.Equal(0.0, y[0]);                                            // e^−800 underflows to 0, correctly
        Assert.Equal(Math.Exp(-30) - Math.Exp(-60) / 2, y[1], 1e-27);       // log(1+u) = u − u²/2 + …, full precision
        Assert.Equal(Math.Log(2), y[2], 1e-16);
        Assert.Equal(30 + Math.Exp(-30), y[3], 1e-14);
        Assert.Equal(800.0, y[4]);
        Assert.True(double.IsFinite(value.ToScalar()));
        Assert.Equal(1 / (1 + Math.Exp(30)), grad[0][1], 1e-25);           // σ(−30)
        Assert.Equal(0.5, grad[0][2], 1e-16);
    }
}
