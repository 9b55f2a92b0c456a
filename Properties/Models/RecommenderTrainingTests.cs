using AutoDiff.Functional.Models;
using AutoDiff.Functional.Properties.Support;
using Xunit;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>The recommender's minibatch step, data reader and generator.</summary>
public class RecommenderTrainingTests
{
    static (Ratings Ratings, RecommenderFactors Theta) Planted(int users, int items, int rank, int count, bool biased, int seed)
    {
        var ratings = new PlantedRatings(users, items, rank).Generate(count, seed);
        return (ratings, RecommenderFactors.Random(rank, users, items, biased, seed + 1, mean: ratings.Mean()));
    }

    [Fact]
    public void A_minibatch_step_allocates_nothing_of_the_factors_size()
    {
        // 20,000 users and 200,000 items at k = 8: one sweep of the factors is 14 MB; a batch of 256 touches ≤ 512 rows.
        const int batch = 256;
        var (ratings, theta) = Planted(20_000, 200_000, 8, 20_000, biased: true, seed: 1);
        var adam = new SparseAdam(theta, batch, 0.01, 0.05);
        var positions = Enumerable.Range(0, batch).ToArray();
        const int steps = 20;
        int start = 0;
        // The warm-up run fills the workspace; the least of three runs of 20 steps each, on fresh batches.
        long perStep = Allocations.Least(() =>
        {
            for (int s = 0; s < steps; s++, start += batch)
            {
                for (int q = 0; q < batch; q++) positions[q] = (start + q) % ratings.Count;
                adam.Take(theta, ratings, positions);
            }
        }) / steps;
        long batchBytes = 8L * batch * (2 * theta.Rank + 4);
        Assert.True(perStep < 8 * batchBytes, $"a step allocates {perStep} bytes; the batch's gathered data is {batchBytes}");
        Assert.True(perStep < theta.Bytes / 100, $"a step allocates {perStep} bytes; the factors are {theta.Bytes}");
    }

    [Fact]
    public void A_minibatch_step_changes_only_the_rows_it_touches_and_by_Adams_rule()
    {
        const int batch = 16;
        const double rate = 0.01, lambda = 0.3;
        var (ratings, theta) = Planted(50, 80, 3, 400, biased: true, seed: 2);
        var before = RecommenderFactors.Random(3, 50, 80, true, 3);
        foreach (var (a, b) in theta.Arrays().Zip(before.Arrays()).Take(4)) a.CopyTo(b, 0);
        before.Mu = theta.Mu;
        var positions = Enumerable.Range(100, batch).ToArray();
        new SparseAdam(theta, batch, rate, lambda).Take(theta, ratings, positions);

        // The batch's gradient by hand: the squared errors' part, plus each touched row's share of the regulariser,
        // λ·(its ratings in the batch ÷ its ratings in all)·θ. At step 1 from zero moments Adam moves each element by
        // −η·g/(|g| + ε).
        var batchRatings = ratings.Take(positions);
        var (_, g) = RecommenderReference.Gradient(batchRatings, before, 0);
        var touchedUsers = batchRatings.User.ToHashSet();
        var touchedItems = batchRatings.Item.ToHashSet();
        void Share(double[] grad, double[] was, int[] batchRows, int[] allRows, int width)
        {
            foreach (var row in batchRows.Distinct())
            {
                double share = (double)batchRows.Count(r => r == row) / allRows.Count(r => r == row);
                for (int l = 0; l < width; l++) grad[row * width + l] += lambda * share * was[row * width + l];
            }
        }
        Share(g.P, before.P, batchRatings.User, ratings.User, 3);
        Share(g.B, before.B, batchRatings.User, ratings.User, 1);
        Share(g.Q, before.Q, batchRatings.Item, ratings.Item, 3);
        Share(g.C, before.C, batchRatings.Item, ratings.Item, 1);
        void Check(string name, double[] now, double[] was, double[] grad, HashSet<int> touched, int width)
        {
            for (int x = 0; x < now.Length; x++)
            {
                double expected = touched.Contains(x / width) ? was[x] - rate * grad[x] / (Math.Abs(grad[x]) + 1e-8) : was[x];
                Assert.True(Math.Abs(now[x] - expected) <= 1e-12, $"{name}[{x}]: {now[x]} vs {expected}");
                if (!touched.Contains(x / width)) Assert.Equal(BitConverter.DoubleToInt64Bits(was[x]), BitConverter.DoubleToInt64Bits(now[x]));
            }
        }
        Check("P", theta.P, before.P, g.P, touchedUsers, 3);
        Check("Q", theta.Q, before.Q, g.Q, touchedItems, 3);
        Check("b", theta.B, before.B, g.B, touchedUsers, 1);
        Check("c", theta.C, before.C, g.C, touchedItems, 1);
        Assert.True(Math.Abs(theta.Mu - (before.Mu - rate * g.Mu / (Math.Abs(g.Mu) + 1e-8))) <= 1e-12);
    }

    [Fact]
    public void Minibatch_Adam_on_planted_data_reaches_the_noise_level()
    {
        var planted = new PlantedRatings(300, 400, 4, Noise: 0.5);
        var train = planted.Generate(60_000, 5);
        var heldOut = planted.Generate(5_000, 5, stream: 1);
        var theta = RecommenderFactors.Random(4, 300, 400, true, 6, mean: train.Mean());
        var adam = new SparseAdam(theta, 500, 0.01, 1);
        for (int epoch = 0; epoch < 20; epoch++)
        {
            var order = AutoDiff.Functional.Training.Dataset.Permutation(train.Count, epoch);
            for (int first = 0; first + 500 <= train.Count; first += 500) adam.Take(theta, train, order.AsSpan(first, 500));
        }
        double rmse = theta.Rmse(heldOut);
        Assert.True(rmse <= 1.1 * planted.Noise, $"held-out RMSE {rmse} vs noise {planted.Noise}");
    }

    [Fact]
    public void A_step_names_ratings_that_do_not_fit_the_factors_and_a_bad_learning_rate()
    {
        var (ratings, _) = Planted(20, 30, 2, 100, biased: false, seed: 4);
        var adam = new SparseAdam(RecommenderFactors.Random(2, 21, 30, false, 5), 4, 0.01, 1);
        var e = Assert.Throws<ArgumentException>(() => adam.Take(RecommenderFactors.Random(2, 21, 30, false, 5), ratings, [0, 1, 2, 3]));
        Assert.Contains("ratings of 20 users and 30 items for factors of 21 and 30", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = double.NaN);
        Assert.Equal(0.01, adam.LearningRate);
    }

    /// <summary>The floor estimate's limits, worked out by hand from its formula's terms: no ratings leave every row at
    /// its prior (factors' variance 1 and bias β² on each side); endless ratings leave the noise; in between it falls
    /// as ratings are added and as the rank shrinks.</summary>
    [Fact]
    public void The_floor_estimate_runs_from_the_prior_to_the_noise()
    {
        var planted = new PlantedRatings(200, 300, 8, Noise: 0.5);
        double beta2 = PlantedRatings.BiasDeviation * PlantedRatings.BiasDeviation;
        Assert.Equal(Math.Sqrt(0.25 + 2 * (1 + beta2)), planted.AchievableRmse(0), 12);
        Assert.InRange(planted.AchievableRmse(1L << 50), 0.5, 0.5 * (1 + 1e-6));
        double[] floors = [.. new long[] { 1_000, 10_000, 100_000, 1_000_000 }.Select(planted.AchievableRmse)];
        for (int t = 1; t < floors.Length; t++) Assert.True(floors[t] < floors[t - 1], $"{floors[t]} after {floors[t - 1]}");
        Assert.True((planted with { Rank = 2 }).AchievableRmse(100_000) < planted.AchievableRmse(100_000));
    }

    [Fact]
    public void The_generator_gives_the_same_ratings_for_a_seed()
    {
        var planted = new PlantedRatings(100, 1000, 4);
        var (a, b) = (planted.Generate(200_000, 9), planted.Generate(200_000, 9));
        Assert.Equal(a.User, b.User);
        Assert.Equal(a.Item, b.Item);
        Assert.Equal(a.Value, b.Value);
        // Zipf popularity: the most popular item is rated far more often than the median one.
        var counts = new int[1000];
        foreach (var j in a.Item) counts[j]++;
        Assert.True(counts[0] > 20 * counts.Order().ElementAt(500), $"item 0: {counts[0]} ratings, median {counts.Order().ElementAt(500)}");
    }

    [Fact]
    public void The_MovieLens_reader_maps_ids_in_order_of_appearance()
    {
        var text = "userId,movieId,rating,timestamp\n7,31,2.5,1260759144\n7,1029,3.0,1260759179\n12,31,4.5,1260759182\n";
        var (ratings, users, items) = MovieLens.Read(new StringReader(text));
        Assert.Equal([7L, 12L], users);
        Assert.Equal([31L, 1029L], items);
        Assert.Equal([0, 0, 1], ratings.User);
        Assert.Equal([0, 1, 0], ratings.Item);
        Assert.Equal([2.5, 3.0, 4.5], ratings.Value);
    }

    [Fact]
    public void A_malformed_MovieLens_line_is_named_and_nothing_is_loaded()
    {
        var text = "userId,movieId,rating,timestamp\n7,31,2.5,1260759144\n7,abc,3.0,1260759179\n";
        var e = Assert.Throws<FormatException>(() => MovieLens.Read(new StringReader(text)));
        Assert.Contains("line 3", e.Message);
        Assert.Contains("7,abc,3.0", e.Message);
    }

    [Fact]
    public void Ratings_out_of_range_are_named()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Recommender.Build(new Ratings(2, 2, [0, 2], [1, 1], [1, 1]), 2, 1, false));
        Assert.Contains("rating 1 has user 2", e.Message);
    }
}
