using System.Text.RegularExpressions;
using MathNet.Numerics.LinearAlgebra.Double;
using Xunit;

namespace AutoDiff.Functional.Properties.Docs;

public class ReadmeExampleTests
{
    [Fact]
    public void Every_csharp_block_in_the_README_is_compiled_code()
    {
        var readme = RepoFiles.Read("README.md");
        var source = RepoFiles.Read("Properties/Docs/ReadmeExample.cs");
        var shown = Regex.Matches(readme, "```csharp\n(.*?)```", RegexOptions.Singleline).Select(m => RepoFiles.Normalise(m.Groups[1].Value)).ToList();
        var compiled = Regex.Matches(source, "// README:begin\n(.*?)\\s*// README:end", RegexOptions.Singleline).Select(m => RepoFiles.Normalise(m.Groups[1].Value)).ToList();
        Assert.Equal(4, compiled.Count);
        Assert.Equal(compiled, shown);
    }

    [Fact]
    public void The_README_transformations_agree_with_each_other_and_with_the_maths()
    {
        var (grad, hessian, hv, jt, jTu, jacF, jacR) = ReadmeExample.Transformations();
        var x = DenseVector.OfArray([0.5, -1.0, 2.0]);
        var s = x.DotProduct(x);
        for (int i = 0; i < 3; i++) Assert.Equal(Math.Cos(x[i]) + s * x[i], grad[i], 1e-12);
        for (int i = 0; i < 3; i++) Assert.Equal(hessian[i, 0], hv[i], 1e-12);
        Assert.True((hessian - hessian.Transpose()).Enumerate().All(e => Math.Abs(e) < 1e-12));
        Assert.True((jacF - jacR).Enumerate().All(e => Math.Abs(e) < 1e-14));
        for (int i = 0; i < 2; i++) Assert.Equal(jacF[i, 0], jt[i], 1e-14);
        for (int j = 0; j < 3; j++) Assert.Equal(jacF[0, j] - jacF[1, j], jTu[j], 1e-14);
    }

    [Fact]
    public void The_README_example_runs_and_its_gradient_is_right()
    {
        var (loss, grad, compiled) = ReadmeExample.Run();
        // Independent reference: loss = (1/m)‖Xw − y‖² + ‖w‖²/10, ∇ = (2/m)Xᵀ(Xw − y) + w/5.
        var X = DenseMatrix.OfArray(new double[,] { { 1, 2, 0 }, { 0, 1, 1 }, { 2, 0, 1 }, { 1, 1, 1 } });
        var y = DenseVector.OfArray([1.0, 2, 3, 4]);
        var w = DenseVector.OfArray([0.5, -0.25, 1]);
        var r = X * w - y;
        Assert.Equal(r.DotProduct(r) / 4 + w.DotProduct(w) / 10, loss, 1e-14);
        var expected = X.TransposeThisAndMultiply(r) * (2.0 / 4) + w / 5;
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], grad[i], 1e-14);
        Assert.Equal(r.DotProduct(r) / 4 + w.DotProduct(w) / 10, compiled[0].ToScalar(), 1e-14);
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], compiled[1][i], 1e-14);
    }

    [Fact]
    public void The_README_fits_land_on_the_least_squares_solution()
    {
        var (fit, lbfgs, X, y) = ReadmeExample.Fitting();
        // Independent reference: least squares by QR on [X 1].
        var A = DenseMatrix.Create(X.RowCount, 4, (i, j) => j < 3 ? X[i, j] : 1);
        var solution = A.QR().Solve(y);
        for (int j = 0; j < 3; j++) Assert.Equal(solution[j], lbfgs.Parameters["w"][j], 1e-7);
        Assert.Equal(solution[3], lbfgs.Parameters["b"].ToScalar(), 1e-7);
        for (int j = 0; j < 3; j++) Assert.True(Math.Abs(solution[j] - fit.Parameters["w"][j]) < 0.02, $"Adam's w{j + 1}: {fit.Parameters["w"][j]} vs {solution[j]}");
    }
}
