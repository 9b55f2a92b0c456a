using AutoDiff.Functional.Models;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>An epoch on FPSG's grid: m, n in 1–30, 0–400 ratings at uniformly drawn pairs (repeats and unrated rows
/// common), k in 1–3, batches of 1–8, G in 1–4 groups, 1–3 threads, biases or none.</summary>
public sealed record GridCase(int Users, int Items, int Rank, int Count, int Batch, int Groups, int Threads, bool Biased, int Seed)
{
    /// <summary>The ratings (values in [1, 5]) and a random start.</summary>
    public (Ratings Ratings, RecommenderFactors Start) Draw()
    {
        var random = new Random(Seed);
        var ratings = new Ratings(Users, Items, [.. Enumerable.Range(0, Count).Select(_ => random.Next(Users))],
            [.. Enumerable.Range(0, Count).Select(_ => random.Next(Items))], [.. Enumerable.Range(0, Count).Select(_ => 1 + 4 * random.NextDouble())]);
        return (ratings, RecommenderFactors.Random(Rank, Users, Items, Biased, Seed + 1, scale: 0.3, mean: ratings.Mean()));
    }

    /// <inheritdoc/>
    public override string ToString() => $"m={Users} n={Items} k={Rank} |Ω|={Count} B={Batch} G={Groups} threads={Threads} biased={Biased} seed={Seed}";
}

/// <summary>FsCheck arbitraries for the grid properties.</summary>
public static class GridArbs
{
    /// <summary>See <see cref="GridCase"/>; shrinks towards fewer ratings and groups.</summary>
    public static Arbitrary<GridCase> Case() => Arb.From(
        from m in Gen.Choose(1, 30)
        from n in Gen.Choose(1, 30)
        from k in Gen.Choose(1, 3)
        from count in Gen.Frequency((1, Gen.Choose(0, 10)), (4, Gen.Choose(10, 400)))
        from batch in Gen.Choose(1, 8)
        from groups in Gen.Choose(1, 4)
        from threads in Gen.Choose(1, 3)
        from biased in Gen.Elements(false, true)
        from seed in Gen.Choose(0, 1_000_000)
        select new GridCase(m, n, k, count, batch, groups, threads, biased, seed),
        c => new[] { c with { Count = c.Count / 2 }, c with { Groups = 1 }, c with { Biased = false } }.Where(s => s != c));
}

/// <summary>FPSG's grid partitions the ratings into blocks whose rounds share no row, and an epoch on it is the same
/// bits as a fixed sequential order: <see cref="SparseAdam.Take"/> calls without biases, the same schedule on one
/// thread with them.</summary>
[Properties(Arbitrary = [typeof(GridArbs)], MaxTest = 100)]
public class BlockGridProperties
{
    static RecommenderFactors Copy(RecommenderFactors f)
    {
        var c = f.ZerosLike();
        foreach (var (a, b) in f.Arrays().Zip(c.Arrays()).Take(f.Biased ? 4 : 2)) a.CopyTo(b, 0);
        c.Mu = f.Mu;
        return c;
    }

    static void AssertSameBits(RecommenderFactors expected, RecommenderFactors actual, string who)
    {
        foreach (var (name, a, b) in new[] { "P", "Q", "b", "c" }.Zip(expected.Arrays(), actual.Arrays()))
            Assert.True(a.AsSpan().SequenceEqual(b), $"{who}: {name} differs");
        Assert.True(expected.Mu.Equals(actual.Mu), $"{who}: μ {expected.Mu} vs {actual.Mu}");
    }

    [Property]
    public Property The_blocks_partition_the_ratings_and_a_rounds_blocks_share_no_row(GridCase c)
    {
        var (ratings, _) = c.Draw();
        var grid = new BlockGrid(ratings, c.Groups);
        grid.Shuffle(c.Seed);
        var seen = new int[ratings.Count];
        int largest = 0;
        for (int round = 0; round < c.Groups; round++)
        {
            var (users, items) = (new HashSet<int>(), new HashSet<int>());
            for (int t = 0; t < c.Groups; t++)
            {
                var block = grid.Block(t, (t + round) % c.Groups).ToArray();
                largest = Math.Max(largest, block.Length);
                foreach (var p in block) seen[p]++;
                var (u, i) = (block.Select(p => ratings.User[p]).ToHashSet(), block.Select(p => ratings.Item[p]).ToHashSet());
                Assert.False(users.Overlaps(u), $"round {round}: block {t} shares a user with an earlier block");
                Assert.False(items.Overlaps(i), $"round {round}: block {t} shares an item with an earlier block");
                users.UnionWith(u);
                items.UnionWith(i);
            }
        }
        Assert.All(seen, n => Assert.Equal(1, n));
        return true.ToProperty().Classify(c.Groups > 1 && largest < ratings.Count, "split");
    }

    [Property]
    public Property Without_biases_an_epoch_equals_its_Take_calls_in_order_bit_for_bit(GridCase c)
    {
        c = c with { Biased = false };
        var (ratings, start) = c.Draw();
        var grid = new BlockGrid(ratings, c.Groups);
        var (parallel, sequential) = (Copy(start), Copy(start));
        var (adam, reference) = (new SparseAdam(start, c.Batch, 0.05, 0.5), new SparseAdam(start, c.Batch, 0.05, 0.5));
        double lossParallel = 0, lossSequential = 0;
        int steps = 0;
        for (int epoch = 0; epoch < 2; epoch++)
        {
            grid.Shuffle(c.Seed + epoch);
            lossParallel += adam.Epoch(parallel, ratings, grid, c.Threads);
            for (int round = 0; round < c.Groups; round++)
                for (int t = 0; t < c.Groups; t++)
                {
                    var block = grid.Block(t, (t + round) % c.Groups).ToArray();
                    for (int b = 0; b + c.Batch <= block.Length; b += c.Batch, steps++)
                        lossSequential += reference.Take(sequential, ratings, block.AsSpan(b, c.Batch));
                }
        }
        AssertSameBits(sequential, parallel, "epoch vs Take calls");
        Assert.Equal(reference.Step, adam.Step);
        // The epoch adds its losses block by block, the calls one by one: equal to rounding, not in their bits.
        Assert.True(Math.Abs(lossSequential - lossParallel) <= 1e-13 * lossSequential, $"losses {lossParallel} vs {lossSequential}");
        return true.ToProperty().Classify(steps > 10 && c.Threads > 1 && c.Groups > 1, "several steps on several threads");
    }

    [Property]
    public void With_biases_an_epoch_is_the_same_bits_on_one_two_or_three_threads(GridCase c)
    {
        c = c with { Biased = true };
        var (ratings, start) = c.Draw();
        var results = new[] { 1, 2, 3 }.Select(threads =>
        {
            var grid = new BlockGrid(ratings, c.Groups);   // its own: a shuffle starts from the order the last one left
            var theta = Copy(start);
            var adam = new SparseAdam(start, c.Batch, 0.05, 0.5);
            for (int epoch = 0; epoch < 2; epoch++)
            {
                grid.Shuffle(c.Seed + epoch);
                adam.Epoch(theta, ratings, grid, threads);
            }
            return theta;
        }).ToArray();
        AssertSameBits(results[0], results[1], "2 threads vs 1");
        AssertSameBits(results[0], results[2], "3 threads vs 1");
    }

    [Fact]
    public void Misuse_is_named()
    {
        var ratings = new PlantedRatings(4, 5, 2).Generate(30, 1);
        var theta = RecommenderFactors.Random(2, 4, 5, false, 2);
        var adam = new SparseAdam(theta, 4, 0.01, 1);
        Assert.StartsWith("BlockGrid: the number of groups must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => new BlockGrid(ratings, 0)).Message);
        var grid = new BlockGrid(ratings, 2);
        Assert.StartsWith("SparseAdam.Epoch: the thread count must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => adam.Epoch(theta, ratings, grid, 0)).Message);
        var other = ratings with { Value = [.. ratings.Value] };
        Assert.Equal("SparseAdam.Epoch: the grid was built for other ratings", Assert.Throws<ArgumentException>(() => adam.Epoch(theta, other, grid, 2)).Message);
    }
}
