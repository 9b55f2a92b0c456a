using System.Text.RegularExpressions;
using Xunit;

namespace AutoDiff.Functional.Properties.Docs;

/// <summary>docs/loops.md's nested-descent and scan examples are the compiled code of NestedDescentExample and
/// ScanExample, and they run.</summary>
public class LoopsGuideTests
{
    [Theory]
    [InlineData("NestedDescentExample.cs")]
    [InlineData("ScanExample.cs")]
    public void The_guide_block_matches_its_source(string file)
    {
        var guide = RepoFiles.Read("docs/loops.md");
        var block = Regex.Match(guide, $@"<!-- source: Properties/Docs/{Regex.Escape(file)} \(region\) -->\n```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, $"docs/loops.md has no block sourced from {file}");
        var source = RepoFiles.Read($"Properties/Docs/{file}");
        var region = Regex.Match(source, @"// GUIDE:begin\n(.*?)\s*// GUIDE:end", RegexOptions.Singleline).Groups[1].Value;
        Assert.Equal(RepoFiles.Normalise(region), RepoFiles.Normalise(block.Groups[1].Value));
    }

    /// <summary>The scan's gradient in W against central differences of the loss, each element's step scaled to it.</summary>
    [Fact]
    public void The_scan_gradient_matches_central_differences()
    {
        var rng = new Random(3);
        Tensor Random(int rows, int columns, double scale) =>
            Tensor.FromColumnMajor(Shape.Matrix(rows, columns), [.. Enumerable.Range(0, rows * columns).Select(_ => scale * (2 * rng.NextDouble() - 1))]);
        Tensor w = Random(3, 3, 0.6), u = Random(3, 2, 0.8), xs = Random(2, 7, 1.0);
        var (loss, gradient) = ScanExample.Run(w, u, xs);
        Assert.True(loss > 0);
        for (int i = 0; i < 9; i++)
        {
            double h = 1e-5 * Math.Max(1, Math.Abs(w[i]));
            Tensor Moved(double by) => Tensor.FromColumnMajor(w.Shape, [.. w.Values.ToArray().Select((v, j) => j == i ? v + by : v)]);
            double difference = (ScanExample.Run(Moved(h), u, xs).Loss - ScanExample.Run(Moved(-h), u, xs).Loss) / (2 * h);
            Assert.True(Math.Abs(difference - gradient[i]) <= 1e-7 * (1 + Math.Abs(difference)), $"∂loss/∂W[{i}]: {gradient[i]} vs differences {difference}");
        }
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
