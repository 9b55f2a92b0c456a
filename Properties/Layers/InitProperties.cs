using AutoDiff.Functional.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Layers;

public sealed record InitCase(int FanIn, int FanOut, int Seed)
{
    public override string ToString() => $"({FanIn}×{FanOut}), seed {Seed}";
}

public static class InitArbs
{
    public static Arbitrary<InitCase> Case() =>
        (from fanIn in Gen.Choose(30, 120)
         from fanOut in Gen.Choose(30, 120)
         from seed in Gen.Choose(int.MinValue, int.MaxValue)
         select new InitCase(fanIn, fanOut, seed)).ToArbitrary();
}

/// <summary>Initialisers against their stated distributions. Sample moments of n ≥ 900 draws are held to 6 standard
/// deviations of their own sampling distribution (a false failure has probability below 1e-8 per check): the mean's is
/// σ/√n; the sample variance's is σ²·√(2/(n − 1)) for a normal and (limit²/√n)·√(1/5 − 1/9) for a uniform on
/// [−limit, limit] (μ₄ − σ⁴ over n, with μ₄ = limit⁴/5 and σ² = limit²/3).</summary>
[Properties(Arbitrary = [typeof(InitArbs)], MaxTest = 100)]
public class InitProperties
{
    static (double Mean, double Variance) Moments(Tensor t)
    {
        var v = t.Values.ToArray();
        double mean = v.Average();
        return (mean, v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
    }

    static void Normal(Tensor t, double sigma)
    {
        int n = t.Shape.Size;
        var (mean, variance) = Moments(t);
        Assert.True(Math.Abs(mean) <= 6 * sigma / Math.Sqrt(n), $"mean {mean}, σ {sigma}, n {n}");
        Assert.True(Math.Abs(variance - sigma * sigma) <= 6 * sigma * sigma * Math.Sqrt(2.0 / (n - 1)), $"variance {variance}, σ² {sigma * sigma}, n {n}");
    }

    static void Uniform(Tensor t, double limit)
    {
        int n = t.Shape.Size;
        Assert.All(t.Values.ToArray(), x => Assert.True(x >= -limit && x < limit, $"{x} outside [−{limit}, {limit})"));
        var (mean, variance) = Moments(t);
        Assert.True(Math.Abs(mean) <= 6 * limit / Math.Sqrt(3 * n), $"mean {mean}, limit {limit}, n {n}");
        Assert.True(Math.Abs(variance - limit * limit / 3) <= 6 * limit * limit * Math.Sqrt(1.0 / 5 - 1.0 / 9) / Math.Sqrt(n), $"variance {variance}, limit {limit}");
    }

    [Property]
    public void Glorot_and_He_have_the_variances_of_their_papers(InitCase c)
    {
        var shape = Shape.Matrix(c.FanIn, c.FanOut);
        var key = Key.Of(c.Seed);
        Uniform(Init.GlorotUniform(key, shape), Math.Sqrt(6.0 / (c.FanIn + c.FanOut)));
        Normal(Init.GlorotNormal(key.Fold(1), shape), Math.Sqrt(2.0 / (c.FanIn + c.FanOut)));
        Normal(Init.HeNormal(key.Fold(2), shape), Math.Sqrt(2.0 / c.FanIn));
        Uniform(Init.HeUniform(key.Fold(3), shape), Math.Sqrt(6.0 / c.FanIn));
        Normal(Init.Normal(0.02)(key.Fold(4), shape), 0.02);
        Assert.All(Init.Zeros(key, shape).Values.ToArray(), x => Assert.Equal(0, x));
    }

    [Property]
    public void Child_keys_draw_uncorrelated_numbers(InitCase c)
    {
        // Two keys folded from one: the sample correlation of n pairs of standard normals is within 6/√n of 0.
        int n = c.FanIn * c.FanOut;
        var key = Key.Of(c.Seed);
        var a = key.Fold(c.FanIn).Normal(n);
        var b = key.Fold(c.FanIn + 1).Normal(n);
        double r = a.Zip(b, (x, y) => x * y).Sum() / Math.Sqrt(a.Sum(x => x * x) * b.Sum(y => y * y));
        Assert.True(Math.Abs(r) <= 6 / Math.Sqrt(n), $"correlation {r} over {n}");
        Assert.Equal(a, key.Fold(c.FanIn).Normal(n));
    }
}
