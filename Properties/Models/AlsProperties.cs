using AutoDiff.Functional.Models;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>A planted problem with enough ratings per row for ALS to converge: m, n in 3–10, k in 1–3 and below both,
/// 6–14 ratings a row on average, with or without biases, λ in 0.2–2. (With k ≥ m or n the loss has directions that
/// only the ridge holds, and ALS crawls along them: 20,000 sweeps were not enough at m = 2, k = 3.)</summary>
public sealed record AlsCase(int Users, int Items, int Rank, int PerRow, bool Biased, double Lambda, int Seed)
{
    /// <summary>The ratings (planted rank k, σ = 0.5, Zipf popularity) and a small random start.</summary>
    public (Ratings Ratings, RecommenderFactors Start) Draw()
    {
        var ratings = new PlantedRatings(Users, Items, Rank).Generate(PerRow * (Users + Items), Seed);
        return (ratings, RecommenderFactors.Random(Rank, Users, Items, Biased, Seed + 1, scale: 0.5, mean: ratings.Mean()));
    }

    /// <inheritdoc/>
    public override string ToString() => $"m={Users} n={Items} k={Rank} perRow={PerRow} biased={Biased} λ={Lambda} seed={Seed}";
}

/// <summary>FsCheck arbitraries for the ALS properties.</summary>
public static class AlsArbs
{
    /// <summary>See <see cref="AlsCase"/>; shrinks towards fewer rows and rank 1.</summary>
    public static Arbitrary<AlsCase> Case() => Arb.From(
        from m in Gen.Choose(3, 10)
        from n in Gen.Choose(3, 10)
        from k in Gen.Choose(1, Math.Min(3, Math.Min(m, n) - 1))
        from perRow in Gen.Choose(6, 14)
        from biased in Gen.Elements(false, true)
        from lambda in Gen.Choose(2, 20).Select(i => i / 10.0)
        from seed in Gen.Choose(0, 1_000_000)
        select new AlsCase(m, n, k, perRow, biased, lambda, seed),
        c => new[] { c with { Users = 3, Rank = Math.Min(c.Rank, 2) }, c with { Items = 3, Rank = Math.Min(c.Rank, 2) }, c with { Rank = 1 }, c with { Biased = false } }.Where(s => s != c));
}

/// <summary>ALS minimises the same L as the gradient path: each half-sweep never raises it (by the hand loop's L), zeroes
/// its own block's gradient (by the graph's reverse mode), and its fixed point has ∇L = 0; rows solved on any number of
/// threads give the same bits; its solver agrees with the library's Cholesky op.</summary>
[Properties(Arbitrary = [typeof(RecommenderArbs), typeof(AlsArbs)], MaxTest = 100)]
public class AlsProperties
{
    /// <summary>∇L by the library's reverse mode over the recommender graph.</summary>
    static RecommenderFactors Gradient(Ratings ratings, RecommenderFactors at, double lambda) =>
        Recommender.ValueAndGradient(Recommender.Build(ratings, at.Rank, lambda, at.Biased), ratings, at).Gradient;

    /// <summary>The size of the terms that make up each block of ∇L, Σ|2eₚ·other| + λ|θ| (the biases' likewise), from
    /// the hand formula: the scale rounding is measured against.</summary>
    static (double Users, double Items) TermScale(Ratings ratings, RecommenderFactors at, double lambda)
    {
        var (users, items) = (new double[at.P.Length + at.B.Length], new double[at.Q.Length + at.C.Length]);
        int k = at.Rank;
        for (int p = 0; p < ratings.Count; p++)
        {
            int i = ratings.User[p], j = ratings.Item[p];
            double e = Math.Abs(ratings.Value[p] - at.Predict(i, j));
            for (int l = 0; l < k; l++) (users[i * k + l], items[j * k + l]) = (users[i * k + l] + 2 * e * Math.Abs(at.Q[j * k + l]), items[j * k + l] + 2 * e * Math.Abs(at.P[i * k + l]));
            if (at.Biased) (users[at.P.Length + i], items[at.Q.Length + j]) = (users[at.P.Length + i] + 2 * e, items[at.Q.Length + j] + 2 * e);
        }
        return (users.Max() + lambda * at.P.Concat(at.B).Max(Math.Abs), items.Max() + lambda * at.Q.Concat(at.C).Max(Math.Abs));
    }

    static double MaxAbs(params double[][] arrays) => arrays.Max(a => a.Length == 0 ? 0 : a.Max(Math.Abs));

    static RecommenderFactors Copy(RecommenderFactors f)
    {
        var c = f.ZerosLike();
        foreach (var (a, b) in f.Arrays().Zip(c.Arrays()).Take(f.Biased ? 4 : 2)) a.CopyTo(b, 0);
        c.Mu = f.Mu;
        return c;
    }

    [Property]
    public Property A_half_sweep_never_raises_L_and_zeroes_its_blocks_gradient(RecommenderCase c)
    {
        double lambda = Math.Max(c.Lambda, 0.2);
        var (ratings, theta) = (c.Ratings, c.At());
        var als = new Als(ratings, lambda, c.Threads);
        double before = RecommenderReference.Gradient(ratings, theta, lambda).Loss, first = before;
        foreach (var users in new[] { true, false, true, false })
        {
            if (users) als.SolveUsers(theta);
            else als.SolveItems(theta);
            double after = RecommenderReference.Gradient(ratings, theta, lambda).Loss;
            Assert.True(after <= before + 1e-13 * before, $"{(users ? "users" : "items")}' half-sweep raised L from {before} to {after}");
            before = after;
            var g = Gradient(ratings, theta, lambda);
            var (userScale, itemScale) = TermScale(ratings, theta, lambda);
            double own = users ? MaxAbs(g.P, g.B) : MaxAbs(g.Q, g.C), scale = users ? userScale : itemScale;
            Assert.True(own <= 1e-12 * scale + 1e-300, $"after the {(users ? "users" : "items")}' half-sweep its block's gradient is {own:E3}, its terms {scale:E3}");
        }
        return true.ToProperty().Classify(first - before > 1e-6 * first, "L fell").Classify(c.Biased, "biased");
    }

    [Property]
    public Property At_the_fixed_point_the_gradient_of_L_is_zero(AlsCase c)
    {
        var (ratings, theta) = c.Draw();
        var als = new Als(ratings, c.Lambda);
        // Until a sweep moves no parameter by more than rounding: L itself stops falling sooner, once its steps (of
        // the order of the gradient squared) drop below its last bit, with the gradient still near 1e-7.
        const int most = 20_000;
        double moved = double.PositiveInfinity;
        int sweeps = 0;
        for (; sweeps < most && moved > 1e-14; sweeps++)
        {
            var before = Copy(theta);
            als.Sweep(theta);
            moved = theta.Arrays().Zip(before.Arrays(), (now, was) => now.Zip(was, (a, b) => Math.Abs(a - b) / (1 + Math.Abs(b))).DefaultIfEmpty(0).Max()).Max();
        }
        double loss = RecommenderReference.Gradient(ratings, theta, c.Lambda).Loss;
        var g = Gradient(ratings, theta, c.Lambda);
        var (userScale, itemScale) = TermScale(ratings, theta, c.Lambda);
        double all = MaxAbs(g.P, g.Q, g.B, g.C, [g.Mu]), scale = Math.Max(userScale, itemScale);
        Assert.True(sweeps < most, $"parameters still moving by {moved:E2} after {sweeps} sweeps");
        Assert.True(all <= 1e-9 * scale, $"after {sweeps} sweeps (L = {loss}) ∇L is {all:E3}, its terms {scale:E3}");
        return true.ToProperty().Classify(sweeps > 100, "over 100 sweeps").Classify(c.Biased, "biased");
    }

    [Property]
    public void Rows_solved_on_one_two_or_three_threads_give_the_same_bits(RecommenderCase c)
    {
        double lambda = Math.Max(c.Lambda, 0.2);
        var results = new[] { 1, 2, 3 }.Select(threads =>
        {
            var theta = c.At();
            var als = new Als(c.Ratings, lambda, threads);
            als.Sweep(theta);
            als.Sweep(theta);
            return theta;
        }).ToArray();
        foreach (var other in results[1..])
        {
            foreach (var (a, b) in results[0].Arrays().Zip(other.Arrays()).Take(c.Biased ? 4 : 2))
                Assert.Equal(a, b);
            Assert.Equal(results[0].Mu, other.Mu);
        }
    }

    [Property]
    public void The_row_solver_agrees_with_the_librarys_Cholesky_op(PositiveInt seed, PositiveInt size)
    {
        // A = B·Bᵀ + δI with B d×d random, so A is symmetric positive definite and moderately conditioned.
        int d = 1 + size.Get % 40;
        var random = new Random(seed.Get);
        var b = new double[d * d];
        for (int e = 0; e < b.Length; e++) b[e] = random.NextDouble() * 2 - 1;
        var a = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
            {
                double s = i == j ? 0.1 : 0;
                for (int t = 0; t < d; t++) s += b[i + t * d] * b[j + t * d];
                a[i + j * d] = s;
            }
        var rhs = Enumerable.Range(0, d).Select(_ => random.NextDouble() * 2 - 1).ToArray();

        var A = Node.Variable("A", Shape.Matrix(d, d));
        var r = Node.Variable("r", Shape.Vector(d));
        var l = A.Cholesky();
        var solution = l.TriangularSolve(l.TriangularSolve(r), transpose: true);
        var expected = Evaluator.Evaluate(solution, Bindings.Empty.Bind(A, Tensor.FromColumnMajor(A.Shape, a)).Bind(r, Tensor.FromColumnMajor(r.Shape, rhs))).Values.ToArray();

        var x = (double[])rhs.Clone();
        Assert.True(Als.CholeskySolve((double[])a.Clone(), d, x), "the solver found A not positive definite");
        Assert.True(Seed000Draw.RelError(x, expected) <= 1e-9, $"d = {d}: relative difference {Seed000Draw.RelError(x, expected):E2}");
    }

    [Fact]
    public void Rows_of_many_ratings_summed_in_several_chunks_are_solved_exactly()
    {
        // 3 users with ~130 ratings each and 4 items with ~100: every row's system is summed over chunks of 64 and a
        // remainder; after each half-sweep its block's gradient is zero to rounding.
        var ratings = new PlantedRatings(3, 4, 2).Generate(400, 5);
        foreach (var biased in new[] { false, true })
        {
            var theta = RecommenderFactors.Random(2, 3, 4, biased, 6, mean: ratings.Mean());
            var als = new Als(ratings, 0.5);
            als.SolveUsers(theta);
            var g = Gradient(ratings, theta, 0.5);
            Assert.True(MaxAbs(g.P, g.B) <= 1e-12 * TermScale(ratings, theta, 0.5).Users, $"biases {biased}: ∂L/∂(P, b) {MaxAbs(g.P, g.B):E2}");
            als.SolveItems(theta);
            g = Gradient(ratings, theta, 0.5);
            Assert.True(MaxAbs(g.Q, g.C) <= 1e-12 * TermScale(ratings, theta, 0.5).Items, $"biases {biased}: ∂L/∂(Q, c) {MaxAbs(g.Q, g.C):E2}");
        }
    }

    [Fact]
    public void A_matrix_that_is_not_positive_definite_is_reported_not_solved()
    {
        var x = new double[] { 1, 1 };
        Assert.False(Als.CholeskySolve(new double[] { 1, 2, 2, 1 }, 2, x));   // eigenvalues 3 and −1
        Assert.False(Als.CholeskySolve(new double[] { double.NaN, 0, 0, 1 }, 2, x));
    }

    [Fact]
    public void Misuse_is_named()
    {
        var ratings = new PlantedRatings(4, 5, 2).Generate(30, 1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Als(ratings, 0));
        Assert.StartsWith("Als: λ must be positive and finite", e.Message);
        Assert.StartsWith("Als: the thread count must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => new Als(ratings, 1, 0)).Message);
        var als = new Als(ratings, 1);
        Assert.Equal("Als: factors of m = 4, n = 6 for ratings of m = 4, n = 5",
            Assert.Throws<ArgumentException>(() => als.SolveUsers(new RecommenderFactors(2, 4, 6, false))).Message);
        var theta = RecommenderFactors.Random(2, 4, 5, false, 2);
        theta.Q[3] = double.NaN;
        var nan = Assert.Throws<ArgumentException>(() => als.SolveUsers(theta));
        Assert.Matches("^Als: the normal equations of user [0-9]+ are not positive definite: the factors or ratings it reads are not finite$", nan.Message);
    }

    [Fact]
    public void Without_biases_a_sweep_leaves_mu_and_the_empty_biases_alone()
    {
        var ratings = new PlantedRatings(6, 7, 2).Generate(80, 3);
        var theta = RecommenderFactors.Random(2, 6, 7, false, 4);
        new Als(ratings, 1).Sweep(theta);
        Assert.Equal(0, theta.Mu);
        Assert.Empty(theta.B);
        Assert.All(theta.P.Concat(theta.Q), v => Assert.True(double.IsFinite(v)));
    }
}
