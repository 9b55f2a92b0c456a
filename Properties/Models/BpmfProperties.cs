using AutoDiff.Functional.Models;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>Bayesian PMF's Gibbs sampler: a row's draw has the conditional's mean (the ridge solution) and covariance
/// (the inverse of α times the system), both computed here by MathNet's LU, not by the sampler's Cholesky; averaged
/// predictions beat the MAP point (ALS) on a planted problem; sweeps give the same bits on 1, 2 and 3 threads.</summary>
[Properties(Arbitrary = [typeof(RecommenderArbs)], MaxTest = 100)]
public class BpmfProperties
{
    [Property]
    public Property A_row_draw_has_the_ridge_mean_and_the_inverse_system_as_covariance(PositiveInt seed, PositiveInt size, PositiveInt ratings)
    {
        // A row's system as the sampler forms it: A = Σⱼ aⱼaⱼᵀ + Λ/α over a few ratings (fewer than d allowed: the prior
        // keeps A definite), right-hand side Σⱼ yⱼaⱼ + Λμ/α.
        int d = 1 + size.Get % 5, count = ratings.Get % 8;
        var random = new Random(seed.Get);
        double Uniform(double lo, double hi) => lo + (hi - lo) * random.NextDouble();
        double alpha = Uniform(0.5, 8);
        var root = Matrix<double>.Build.Dense(d, d, (_, _) => Uniform(-1, 1));
        var lambda = root * root.Transpose() + Matrix<double>.Build.DenseIdentity(d) * 0.2;
        var mu = Vector<double>.Build.Dense(d, _ => Uniform(-1, 1));
        var system = lambda / alpha;
        var rhs = system * mu;
        for (int j = 0; j < count; j++)
        {
            var a = Vector<double>.Build.Dense(d, _ => Uniform(-1, 1));
            double y = Uniform(-2, 2);
            system += a.OuterProduct(a);
            rhs += y * a;
        }
        var mean = system.LU().Solve(rhs);
        var covariance = (system * alpha).Inverse();

        const int draws = 4_000;
        var samples = new double[draws][];
        for (int s = 0; s < draws; s++)
        {
            var x = rhs.ToArray();
            Assert.True(Bpmf.DrawRow(system.ToColumnMajorArray(), d, x, alpha, Bpmf.Key(seed.Get, s, 0, 7)));
            samples[s] = x;
        }
        // Sample mean: each coordinate's error is N(0, Σₗₗ/N); sample covariance: Sₗₘ − Σₗₘ has variance
        // (ΣₗₗΣₘₘ + Σₗₘ²)/N for Gaussian draws. Six standard deviations: a false alarm about once in 10⁸ comparisons,
        // while a draw scaled by 1/α instead of 1/√α (variance off by a factor α) or a mean off by a tenth of a
        // standard deviation at N = 4,000 (6.3σ of the mean) fails.
        for (int l = 0; l < d; l++)
        {
            double m = samples.Average(x => x[l]);
            Assert.True(Math.Abs(m - mean[l]) <= 6 * Math.Sqrt(covariance[l, l] / draws),
                $"d = {d}, {count} ratings, α = {alpha:F2}: mean[{l}] {m:G6} vs the ridge solution {mean[l]:G6} (sd of the mean {Math.Sqrt(covariance[l, l] / draws):E2})");
            for (int k = 0; k <= l; k++)
            {
                double mk = samples.Average(x => x[k]);
                double c = samples.Sum(x => (x[l] - m) * (x[k] - mk)) / (draws - 1);
                double sd = Math.Sqrt((covariance[l, l] * covariance[k, k] + covariance[l, k] * covariance[l, k]) / draws);
                Assert.True(Math.Abs(c - covariance[l, k]) <= 6 * sd,
                    $"d = {d}, {count} ratings, α = {alpha:F2}: covariance[{l},{k}] {c:G6} vs (αA)⁻¹ {covariance[l, k]:G6} (sd {sd:E2})");
            }
        }
        return true.ToProperty().Classify(count < d, "fewer ratings than unknowns").Classify(d >= 4, "d ≥ 4");
    }

    [Fact]
    public void Averaged_predictions_beat_the_MAP_point_on_held_out_ratings()
    {
        // Sparse planted problems (k = 5, about 8 ratings an item, Zipf popularity): ALS to convergence at λ = 2σ²√k
        // (the MAP weight of the planted prior), then Gibbs sweeps from there. The posterior mean should beat the MAP
        // point by more than 3% where rows have so few ratings, and stay above the Bayes posterior mean that knows the
        // other side (seed 1: 0.862 against MAP 0.955 and that floor 0.781).
        foreach (int seed in new[] { 1, 2, 3 })
        {
            var planted = new PlantedRatings(150, 400, 5);
            var train = planted.Generate(3_200, seed);
            var heldOut = planted.Generate(20_000, seed, stream: 1);
            var theta = RecommenderFactors.Random(5, 150, 400, true, seed + 10, mean: train.Mean());
            var als = new Als(train, 2 * 0.25 * Math.Sqrt(5));
            for (int sweep = 0; sweep < 50; sweep++) als.Sweep(theta);
            double map = theta.Rmse(heldOut);

            var sampler = new Bpmf(train, seed);
            var (mean, averaged, conditional) = (new PosteriorMean(heldOut), new PosteriorMean(heldOut), theta.ZerosLike());
            for (int sweep = 1; sweep <= 400; sweep++)
            {
                sampler.Sweep(theta, sweep, conditional);
                if (sweep <= 100) continue;
                mean.Add(theta);
                averaged.Add(conditional);
            }
            double posterior = mean.Rmse(), blackwell = averaged.Rmse(), floor = planted.PosteriorMeanRmse(train, heldOut, seed);
            string figures = $"seed {seed}: posterior mean {posterior:F4} (with the items' conditional means {blackwell:F4}), MAP {map:F4}, floor {floor:F4}";
            Assert.True(posterior < 0.97 * map && blackwell < 0.97 * map && posterior > floor && blackwell > floor, figures);
        }
    }

    [Property(MaxTest = 30)]
    public void Sweeps_on_one_two_or_three_threads_give_the_same_bits(RecommenderCase c)
    {
        // Three threads also fill the conditional means, which must leave the chain itself unchanged.
        var results = new[] { 1, 2, 3 }.Select(threads =>
        {
            var theta = c.At();
            var sampler = new Bpmf(c.Ratings, 5, threads);
            for (int sweep = 1; sweep <= 3; sweep++) sampler.Sweep(theta, sweep, threads == 3 ? theta.ZerosLike() : null);
            return (theta, sampler.NoisePrecision);
        }).ToArray();
        foreach (var (theta, alpha) in results[1..])
        {
            foreach (var (a, b) in results[0].theta.Arrays().Zip(theta.Arrays()))
                Assert.Equal(a, b);
            Assert.Equal(results[0].NoisePrecision, alpha);
        }
    }

    [Fact]
    public void Sweeps_over_many_blocks_of_rows_and_ratings_give_the_same_bits_on_one_two_or_three_threads()
    {
        // More than 2¹⁶ ratings (two blocks of μ's and α's sums) and more than 1,024 rows a side (several blocks of the
        // hyperparameters' sums, many chunks of rows).
        var ratings = new PlantedRatings(3_000, 2_500, 3).Generate(140_000, 9);
        var results = new[] { 1, 2, 3 }.Select(threads =>
        {
            var theta = RecommenderFactors.Random(3, 3_000, 2_500, true, 4, mean: ratings.Mean());
            var sampler = new Bpmf(ratings, 11, threads);
            sampler.Sweep(theta, 1);
            sampler.Sweep(theta, 2);
            return theta;
        }).ToArray();
        foreach (var theta in results[1..])
            foreach (var (a, b) in results[0].Arrays().Zip(theta.Arrays()))
                Assert.Equal(a, b);
    }

    [Fact]
    public void The_computed_floor_lies_above_the_truths_error_and_above_its_estimate()
    {
        // PosteriorMeanRmse against independent figures: the planted truth's own held-out RMSE (σ up to sampling) is
        // below it, and it is above AchievableRmse (Jensen: the estimate takes each row's Gram matrix at its mean).
        var planted = new PlantedRatings(300, 2_000, 8);
        var train = planted.Generate(40_000, 4);
        var heldOut = planted.Generate(40_000, 4, stream: 1);
        double floor = planted.PosteriorMeanRmse(train, heldOut, 4), estimate = planted.AchievableRmse(train.Count);
        double truth = planted.Planted(4).Rmse(heldOut);
        Assert.InRange(truth, 0.49, 0.51);
        Assert.True(truth < floor && floor > estimate && floor < 1.2 * estimate, $"truth {truth:F4}, floor {floor:F4}, estimate {estimate:F4}");
    }

    [Fact]
    public void Misuse_is_named()
    {
        var ratings = new PlantedRatings(4, 5, 2).Generate(30, 1);
        Assert.StartsWith("Bpmf: the thread count must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => new Bpmf(ratings, 1, 0)).Message);
        Assert.StartsWith("Bpmf: the noise precision α must be positive and finite", Assert.Throws<ArgumentOutOfRangeException>(() => new Bpmf(ratings, 1, 2, double.NaN)).Message);
        var sampler = new Bpmf(ratings, 1);
        Assert.Equal("Bpmf: factors of m = 4, n = 6 for ratings of m = 4, n = 5",
            Assert.Throws<ArgumentException>(() => sampler.Sweep(new RecommenderFactors(2, 4, 6, false), 1)).Message);
        var theta = RecommenderFactors.Random(2, 4, 5, false, 2);
        theta.Q[3] = double.NaN;
        Assert.StartsWith("Bpmf: ", Assert.Throws<ArgumentException>(() => sampler.Sweep(theta, 1)).Message);
        Assert.StartsWith("Bpmf: the conditional means' layout (k = 3, m = 4, n = 5, biases False) is not the factors' (k = 2",
            Assert.Throws<ArgumentException>(() => sampler.Sweep(RecommenderFactors.Random(2, 4, 5, false, 2), 1, new RecommenderFactors(3, 4, 5, false))).Message);
        Assert.Throws<InvalidOperationException>(() => new PosteriorMean(ratings).Rmse());
    }
}
