using System.Globalization;

namespace AutoDiff.Functional.Models;

/// <summary>Observed ratings Ω as three parallel arrays: rating p says user <c>User[p]</c> gave item <c>Item[p]</c>
/// the value <c>Value[p]</c>. 16 bytes a rating; (i, j) pairs may repeat, and users or items may have no rating.</summary>
/// <param name="Users">The number of users m (indices 0 … m − 1).</param>
/// <param name="Items">The number of items n.</param>
/// <param name="User">The user index of each rating.</param>
/// <param name="Item">The item index of each rating.</param>
/// <param name="Value">The rating r_ij.</param>
public sealed record Ratings(int Users, int Items, int[] User, int[] Item, double[] Value)
{
    /// <summary>The number of ratings |Ω|.</summary>
    public int Count => Value.Length;

    /// <summary>The bytes the three arrays hold (16 a rating).</summary>
    public long Bytes => 16L * Count;

    /// <summary>Fails, naming the first bad rating, unless the arrays agree in length and every index is in range.</summary>
    public Ratings Checked()
    {
        if (User.Length != Value.Length || Item.Length != Value.Length)
            throw new ArgumentException($"Ratings: {User.Length} users, {Item.Length} items and {Value.Length} values differ in length");
        for (int p = 0; p < Count; p++)
        {
            if ((uint)User[p] >= (uint)Users) throw new ArgumentOutOfRangeException(nameof(User), User[p], $"Ratings: rating {p} has user {User[p]}, not in 0 … {Users - 1}");
            if ((uint)Item[p] >= (uint)Items) throw new ArgumentOutOfRangeException(nameof(Item), Item[p], $"Ratings: rating {p} has item {Item[p]}, not in 0 … {Items - 1}");
        }
        return this;
    }

    /// <summary>The ratings at <paramref name="positions"/>, in that order.</summary>
    public Ratings Take(ReadOnlySpan<int> positions)
    {
        var (u, i, v) = (new int[positions.Length], new int[positions.Length], new double[positions.Length]);
        for (int q = 0; q < positions.Length; q++) (u[q], i[q], v[q]) = (User[positions[q]], Item[positions[q]], Value[positions[q]]);
        return new(Users, Items, u, i, v);
    }

    /// <summary>A seeded split: each rating goes to the held-out set with probability <paramref name="heldOutFraction"/>
    /// (a Bernoulli draw per rating, so the split streams in one pass and needs no permutation of all ratings).</summary>
    public (Ratings Train, Ratings HeldOut) Split(double heldOutFraction, int seed)
    {
        if (!(heldOutFraction is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(heldOutFraction), heldOutFraction, "Ratings.Split: the held-out fraction must be in (0, 1)");
        var random = new Random(seed);
        var isHeldOut = new bool[Count];
        int held = 0;
        for (int p = 0; p < Count; p++) held += (isHeldOut[p] = random.NextDouble() < heldOutFraction) ? 1 : 0;
        Ratings Part(bool wanted, int size)
        {
            var (u, i, v) = (new int[size], new int[size], new double[size]);
            for (int p = 0, q = 0; p < Count; p++)
                if (isHeldOut[p] == wanted) (u[q], i[q], v[q++]) = (User[p], Item[p], Value[p]);
            return new(Users, Items, u, i, v);
        }
        return (Part(false, Count - held), Part(true, held));
    }

    /// <summary>The mean rating (0 for none): the usual start for the global mean μ.</summary>
    public double Mean()
    {
        double s = 0;
        foreach (var r in Value) s += r;
        return Count == 0 ? 0 : s / Count;
    }
}

/// <summary>A synthetic data set with a known answer: planted rank-k factors, biases and Gaussian noise of standard
/// deviation σ, with Zipf-distributed user and item popularity (a few users and items account for most ratings, as in
/// MovieLens and Netflix). Deterministic for a seed, at any scale: ratings are drawn in blocks of 2¹⁶, each from its
/// own seeded generator, in parallel.</summary>
/// <param name="Users">m.</param>
/// <param name="Items">n.</param>
/// <param name="Rank">k of the planted factors.</param>
/// <param name="Noise">σ, the noise standard deviation: the best achievable RMSE.</param>
/// <param name="ZipfExponent">s in P(rank r) ∝ 1/rˢ for both users and items.</param>
public sealed record PlantedRatings(int Users, int Items, int Rank, double Noise = 0.5, double ZipfExponent = 0.8)
{
    /// <summary>The planted global mean μ.</summary>
    public const double GlobalMean = 3.5;
    /// <summary>The standard deviation of the planted biases bᵢ, cⱼ.</summary>
    public const double BiasDeviation = 0.3;

    /// <summary>An optimistic estimate of the best held-out RMSE a rank-k fit can reach from <paramref name="count"/>
    /// ratings of this data (read it as a floor): σ² plus, for every user and item weighted by its share of the ratings,
    /// the error left in the Bayes posterior mean of its k factors and bias given its expected n = share·count ratings,
    /// as if the other side's factors were known. With the planted priors (factor entries of variance 1/√k, so
    /// Var(pᵢ·qⱼ) = 1; biases of variance β² = 0.3²) that is 1/(1 + n/(kσ²)) for the factors (their Gram matrix taken
    /// at its mean) plus 1/(1/β² + n/σ²) for the bias. The noise level is within reach only when most ratings fall on
    /// rows with n ≫ kσ²: at the seed's scale (10⁸ ratings of 10⁶ items, k = 32, Zipf 0.8) the estimate is 0.572 for
    /// σ = 0.5, above the 1.1σ = 0.55.</summary>
    public double AchievableRmse(long count)
    {
        double excess = 0, noise2 = Noise * Noise, bias2 = BiasDeviation * BiasDeviation;
        foreach (var weights in new[] { Zipf(Users), Zipf(Items) })
        {
            double total = weights.Sum();
            foreach (var w in weights)
            {
                double share = w / total, n = count * share;
                excess += share * (1 / (1 + n / (Rank * noise2)) + 1 / (1 / bias2 + n / noise2));
            }
        }
        return Math.Sqrt(noise2 + excess);
    }

    /// <summary><paramref name="count"/> ratings from seed <paramref name="seed"/>: r = μ + bᵢ + cⱼ + pᵢ·qⱼ + σε with
    /// pᵢ, qⱼ ~ N(0, I/√k) (so pᵢ·qⱼ has variance about 1), bᵢ, cⱼ ~ N(0, 0.3²), ε ~ N(0, 1). The planted model
    /// comes from <paramref name="seed"/> alone; <paramref name="stream"/> picks independent draws of ratings from it,
    /// so a held-out set is another stream (no split, no second copy of the training ratings).</summary>
    public Ratings Generate(int count, int seed, int stream = 0)
    {
        if (Users <= 0 || Items <= 0 || Rank <= 0 || count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"PlantedRatings: m = {Users}, n = {Items}, k = {Rank}, {count} ratings");
        var random = new Random(seed);
        double scale = 1 / Math.Sqrt(Math.Sqrt(Rank));
        double[] p = Normals(random, Rank * Users, scale), q = Normals(random, Rank * Items, scale);
        double[] b = Normals(random, Users, BiasDeviation), c = Normals(random, Items, BiasDeviation);
        var users = new Alias(Zipf(Users));
        var items = new Alias(Zipf(Items));
        var (u, i, v) = (new int[count], new int[count], new double[count]);
        const int block = 1 << 16;
        Parallel.For(0, (count + block - 1) / block, t =>
        {
            var r = new Random(unchecked((seed * 1_000_003 + stream) * 1_000_003 + t));   // not HashCode: it changes per process
            for (int x = t * block, end = Math.Min(count, x + block); x < end; x++)
            {
                int a = u[x] = users.Draw(r), e = i[x] = items.Draw(r);
                double dot = 0;
                for (int l = 0; l < Rank; l++) dot += p[l + a * Rank] * q[l + e * Rank];
                v[x] = GlobalMean + b[a] + c[e] + dot + Noise * Normal(r);
            }
        });
        return new(Users, Items, u, i, v);
    }

    static double[] Normals(Random random, int count, double sd)
    {
        var a = new double[count];
        for (int x = 0; x < a.Length; x++) a[x] = sd * Normal(random);
        return a;
    }

    static double Normal(Random random) =>   // Box–Muller
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    double[] Zipf(int n)
    {
        var w = new double[n];
        for (int r = 0; r < n; r++) w[r] = Math.Pow(r + 1, -ZipfExponent);
        return w;
    }

    /// <summary>Walker's alias method (Vose's construction): O(1) draws from a discrete distribution, where a binary
    /// search of the cumulative weights would cost log₂ 10⁶ ≈ 20 steps per rating.</summary>
    sealed class Alias
    {
        readonly double[] keep;
        readonly int[] other;

        public Alias(double[] weights)
        {
            int n = weights.Length;
            double total = weights.Sum();
            keep = new double[n];
            other = new int[n];
            var scaled = weights.Select(w => w * n / total).ToArray();
            var (small, large) = (new Stack<int>(), new Stack<int>());
            for (int x = 0; x < n; x++) (scaled[x] < 1 ? small : large).Push(x);
            while (small.Count > 0 && large.Count > 0)
            {
                int s = small.Pop(), l = large.Pop();
                (keep[s], other[s]) = (scaled[s], l);
                scaled[l] -= 1 - scaled[s];
                (scaled[l] < 1 ? small : large).Push(l);
            }
            foreach (var x in small.Concat(large)) (keep[x], other[x]) = (1, x);
        }

        public int Draw(Random random)
        {
            int x = random.Next(keep.Length);
            return random.NextDouble() < keep[x] ? x : other[x];
        }
    }
}

/// <summary>Reads MovieLens's <c>ratings.csv</c> (<c>userId,movieId,rating,timestamp</c> after a header line) in one
/// streaming pass, mapping the ids to dense indices in order of first appearance. A malformed line fails the whole
/// read, naming its line number and text: nothing is returned half-loaded.</summary>
public static class MovieLens
{
    /// <summary>The ratings and the original ids of each user and item index.</summary>
    public static (Ratings Ratings, long[] UserIds, long[] ItemIds) Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var header = reader.ReadLine();
        if (header is null || !header.StartsWith("userId,movieId,rating", StringComparison.Ordinal))
            throw new FormatException($"MovieLens: line 1 is '{header}', not the header 'userId,movieId,rating,timestamp'");
        var (userIndex, itemIndex) = (new Dictionary<long, int>(), new Dictionary<long, int>());
        var (users, items, values) = (new List<int>(), new List<int>(), new List<double>());
        long number = 1;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            number++;
            if (line.Length == 0) continue;
            var fields = line.Split(',');
            if (fields.Length < 3 || !long.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long user)
                || !long.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long item)
                || !double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double rating) || !double.IsFinite(rating))
                throw new FormatException($"MovieLens: line {number} '{line}' is not 'userId,movieId,rating,timestamp'");
            users.Add(IndexOf(userIndex, user));
            items.Add(IndexOf(itemIndex, item));
            values.Add(rating);
        }
        return (new Ratings(userIndex.Count, itemIndex.Count, [.. users], [.. items], [.. values]), Ids(userIndex), Ids(itemIndex));
    }

    static int IndexOf(Dictionary<long, int> index, long id)
    {
        if (!index.TryGetValue(id, out int i)) index[id] = i = index.Count;
        return i;
    }

    static long[] Ids(Dictionary<long, int> index)
    {
        var ids = new long[index.Count];
        foreach (var (id, i) in index) ids[i] = id;
        return ids;
    }
}
