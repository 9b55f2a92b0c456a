using System.Text.RegularExpressions;
using AutoDiff.Functional.Properties.Support;
using Xunit;

namespace AutoDiff.Functional.Properties.Docs;

/// <summary>docs/linear-algebra.md's blocks are the compiled code of LeastSquaresExample and PcaExample, and they run
/// to answers computed without the library: the normal equations and the envelope theorem for least squares, Jacobi's
/// eigenvalues and central differences for the principal components.</summary>
public class LinearAlgebraGuideTests
{
    [Theory]
    [InlineData("LeastSquaresExample.cs")]
    [InlineData("PcaExample.cs")]
    public void The_guides_block_matches_its_source(string file)
    {
        var guide = RepoFiles.Read("docs/linear-algebra.md");
        var block = Regex.Match(guide, $@"<!-- source: Properties/Docs/{Regex.Escape(file)} \(region\) -->\n```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, $"docs/linear-algebra.md has no block sourced from {file}");
        var source = RepoFiles.Read($"Properties/Docs/{file}");
        var region = Regex.Match(source, @"// GUIDE:begin\n(.*?)\s*// GUIDE:end", RegexOptions.Singleline).Groups[1].Value;
        Assert.Equal(RepoFiles.Normalise(region), RepoFiles.Normalise(block.Groups[1].Value));
    }

    static double[] Random(Random rng, int count) => [.. Enumerable.Range(0, count).Select(_ => 2 * rng.NextDouble() - 1)];

    /// <summary>x solves the normal equations AᵀA·x = Aᵀb; at the minimum ∂x does not move the residual r = A·x − b
    /// (envelope theorem), so ∇_A ‖r‖² = 2·r·xᵀ and ∇_b ‖r‖² = −2·r.</summary>
    [Fact]
    public void Least_squares_by_QR_matches_the_normal_equations_and_the_envelope_gradients()
    {
        var rng = new Random(5);
        const int m = 7, n = 3;
        double[] a = Random(rng, m * n), b = Random(rng, m);
        var (x, residual, gradA, gradB) = LeastSquaresExample.Run(Tensor.FromColumnMajor(Shape.Matrix(m, n), a), Tensor.Vector(b));
        double[] ata = new double[n * n], atb = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
                for (int k = 0; k < m; k++) ata[i + j * n] += a[k + i * m] * a[k + j * m];
            for (int k = 0; k < m; k++) atb[i] += a[k + i * m] * b[k];
        }
        var expected = LinearReferences.Solve(ata, n, atb, 1);
        for (int i = 0; i < n; i++) Assert.Equal(expected[i], x[i], 1e-12);
        var r = new double[m];
        for (int k = 0; k < m; k++)
        {
            r[k] = -b[k];
            for (int j = 0; j < n; j++) r[k] += a[k + j * m] * expected[j];
        }
        Assert.Equal(r.Sum(v => v * v), residual, 1e-12);
        for (int k = 0; k < m; k++)
        {
            Assert.Equal(-2 * r[k], gradB[k], 1e-12);
            for (int j = 0; j < n; j++) Assert.Equal(2 * r[k] * expected[j], gradA[k + j * m], 1e-12);
        }
    }

    /// <summary>The largest eigenvalue's share of the covariance's trace by Jacobi's method, without the library.</summary>
    static double Share(double[] x, int samples, int features)
    {
        var mean = new double[features];
        for (int j = 0; j < features; j++) mean[j] = Enumerable.Range(0, samples).Average(i => x[i + j * samples]);
        var c = new double[features * features];
        for (int p = 0; p < features; p++)
            for (int q = 0; q < features; q++)
                for (int i = 0; i < samples; i++) c[p + q * features] += (x[i + p * samples] - mean[p]) * (x[i + q * samples] - mean[q]) / (samples - 1);
        var (w, _) = DecompositionReferences.Eigh(c, features);
        return w[^1] / w.Sum();
    }

    [Fact]
    public void The_explained_share_and_its_gradient_match_Jacobi_and_central_differences()
    {
        var rng = new Random(8);
        const int samples = 9, features = 3;
        // Features of clearly different spreads, so the top eigenvalue is well separated.
        var x = Random(rng, samples * features).Select((v, k) => v * (1 + 2 * (k / samples))).ToArray();
        var (share, gradient) = PcaExample.Run(Tensor.FromColumnMajor(Shape.Matrix(samples, features), x));
        Assert.Equal(Share(x, samples, features), share, 1e-12);
        for (int k = 0; k < x.Length; k++)
        {
            double h = 1e-5 * Math.Max(1, Math.Abs(x[k]));
            double[] up = (double[])x.Clone(), down = (double[])x.Clone();
            up[k] += h;
            down[k] -= h;
            double difference = (Share(up, samples, features) - Share(down, samples, features)) / (2 * h);
            Assert.True(Math.Abs(difference - gradient[k]) <= 1e-8 * (1 + Math.Abs(difference)), $"∂share/∂X[{k}]: {gradient[k]} vs differences {difference}");
        }
    }
}
