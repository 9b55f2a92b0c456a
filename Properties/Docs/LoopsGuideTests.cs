using System.Text.RegularExpressions;
using Xunit;

namespace AutoDiff.Functional.Properties.Docs;

/// <summary>docs/loops.md's nested-descent example is the compiled code of NestedDescentExample, and it runs.</summary>
public class LoopsGuideTests
{
    [Fact]
    public void The_nested_descent_block_matches_its_source()
    {
        var guide = RepoFiles.Read("docs/loops.md");
        var block = Regex.Match(guide, @"<!-- source: Properties/Docs/NestedDescentExample.cs \(region\) -->\n```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "docs/loops.md has no block sourced from NestedDescentExample.cs");
        var source = RepoFiles.Read("Properties/Docs/NestedDescentExample.cs");
        var region = Regex.Match(source, @"// GUIDE:begin\n(.*?)\s*// GUIDE:end", RegexOptions.Singleline).Groups[1].Value;
        Assert.Equal(RepoFiles.Normalise(region), RepoFiles.Normalise(block.Groups[1].Value));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(-2.0)]
    public void The_derivative_through_the_descent_is_the_implicit_one(double theta)
    {
        var (y, dLoss) = NestedDescentExample.Run(theta);
        // At the minimum 2(y − θ) + y³ = 0, so dy/dθ = 2 / (2 + 3y²) and d(y − 1)²/dθ = 2(y − 1)·dy/dθ.
        Assert.True(Math.Abs(2 * (y - theta) + y * y * y) < 1e-11, $"y* = {y} is not a stationary point");
        double expected = 2 * (y - 1) * 2 / (2 + 3 * y * y);
        Assert.True(Math.Abs(dLoss - expected) < 1e-9, $"d loss/dθ = {dLoss}, the implicit function theorem gives {expected}");
    }
}
