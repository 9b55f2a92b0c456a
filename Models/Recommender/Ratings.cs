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
    /// σ = 0.5, above the issue's 1.1σ = 0.55.</summary>
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
        if (!(double.IsFinite(Noise) && Noise >= 0 && double.IsFinite(ZipfExponent) && ZipfExponent >= 0))
            throw new ArgumentOutOfRangeException(nameof(Noise), $"PlantedRatings: σ = {Noise} and the Zipf exponent {ZipfExponent} must be finite and ≥ 0");
        RecommenderChecks.Size("PlantedRatings", "k·m", Rank, Users);
        RecommenderChecks.Size("PlantedRatings", "k·n", Rank, Items);
        var truth = Planted(seed);
        var (p, q, b, c) = (truth.P, truth.Q, truth.B, truth.C);
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

    /// <summary>The planted model of <paramref name="seed"/> (what <see cref="Generate"/> draws its ratings from): μ =
    /// <see cref="GlobalMean"/>, pᵢ, qⱼ ~ N(0, I/√k), bᵢ, cⱼ ~ N(0, 0.3²).</summary>
    public RecommenderFactors Planted(int seed)
    {
        var truth = new RecommenderFactors(Rank, Users, Items, biased: true) { Mu = GlobalMean };
        var random = new Random(seed);
        double scale = 1 / Math.Sqrt(Math.Sqrt(Rank));
        Normals(random, truth.P, scale);
        Normals(random, truth.Q, scale);
        Normals(random, truth.B, BiasDeviation);
        Normals(random, truth.C, BiasDeviation);
        return truth;
    }

    /// <summary>The floor <see cref="AchievableRmse"/> estimates, computed rather than estimated: the held-out RMSE of
    /// the Bayes posterior mean of each user's (pᵢ, bᵢ) given its training ratings with the items' planted factors,
    /// biases and μ known, and of each item's likewise with the users' known, under the planted priors and σ; the
    /// prediction uses both posterior means. It takes each row's actual ratings and their actual Gram matrix where the
    /// estimate takes the expected count and the Gram matrix's mean, which by Jensen's inequality makes the estimate
    /// lower: at k = 32 and about 100 ratings a row, 0.573 against 0.611 (docs/SCALING.md). Knowing the other side
    /// exactly is more than any fit knows, so no fit's expected held-out error should fall below the one-side terms.</summary>
    public double PosteriorMeanRmse(Ratings train, Ratings heldOut, int seed, int threads = 2)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        if (train.Users != Users || train.Items != Items || heldOut.Users != Users || heldOut.Items != Items)
            throw new ArgumentException($"PlantedRatings: ratings of m = {train.Users}, n = {train.Items} (held out m = {heldOut.Users}, n = {heldOut.Items}) for a model of m = {Users}, n = {Items}");
        var truth = Planted(seed);
        // Row systems divided by 1/σ²: the prior precision √k·I (factors) and 1/β² (bias) times σ².
        int d = Rank + 1;
        var prior = new double[d * d];
        for (int l = 0; l < Rank; l++) prior[l + l * d] = Noise * Noise * Math.Sqrt(Rank);
        prior[d * d - 1] = Noise * Noise / (BiasDeviation * BiasDeviation);
        var estimate = truth.ZerosLike();
        estimate.Mu = truth.Mu;
        foreach (bool users in new[] { true, false })
        {
            var index = new Als.RowIndex(users ? train.User : train.Item, users ? Users : Items);
            var side = truth.ZerosLike();   // the estimated side's rows go here; the other side is read from the truth
            Parallel.For(0, index.Rows, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => new Als.RowSystem(d), (row, _, system) =>
            {
                system.Form(truth, train, index, row, users, prior, new double[d]);
                if (!Als.CholeskySolve(system.A, d, system.X)) throw new ArgumentException($"PlantedRatings: the ratings of {(users ? "user" : "item")} {row} are not finite");
                system.Write(side, row, users);
                return system;
            }, _ => { });
            var (factors, biases) = users ? (side.P, side.B) : (side.Q, side.C);
            factors.CopyTo(users ? estimate.P : estimate.Q, 0);
            biases.CopyTo(users ? estimate.B : estimate.C, 0);
        }
        return estimate.Rmse(heldOut);
    }

    static void Normals(Random random, double[] a, double sd)
    {
        for (int x = 0; x < a.Length; x++) a[x] = sd * Normal(random);
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
/// streaming pass, mapping the ids to dense indices in order of first appearance. Strict, so that nothing is guessed:
/// the header exactly (after an optional byte-order mark), then exactly four comma-separated fields a line, the ids
/// and the timestamp whole numbers of ASCII digits, the rating a decimal number with a point ("3.5", never the
/// decimal comma of "3,5", which reads as an extra field), empty lines skipped. A bad line fails the whole read with a
/// <see cref="FormatException"/> naming its line number, the field and its column, and quoting at most
/// <see cref="Excerpt"/>'s 80 characters with invisible characters escaped: nothing is returned half-loaded. Lines
/// are read in bounded pieces: a line longer than <see cref="MaxLineLength"/> is named by its length, never held whole.</summary>
public static class MovieLens
{
    /// <summary>The header line.</summary>
    public const string Header = "userId,movieId,rating,timestamp";
    /// <summary>The longest line read (a ratings line is about 30 characters).</summary>
    public const int MaxLineLength = 1024;

    static readonly string[] FieldNames = ["userId", "movieId", "rating", "timestamp"];

    /// <summary>The ratings and the original ids of each user and item index.</summary>
    /// <exception cref="FormatException">A line is not a ratings line; the message names it.</exception>
    public static (Ratings Ratings, long[] UserIds, long[] ItemIds) Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var lines = new BoundedLines(reader, MaxLineLength);
        var header = lines.Next(out long length);
        if (header is not null && header.StartsWith('\uFEFF')) (header, length) = (header[1..], length - 1);   // the encoding's mark, not data
        if (header is null) throw new FormatException($"MovieLens: the input is empty, not a file starting with the header '{Header}'");
        if (header != Header) throw new FormatException($"MovieLens: line 1 is '{Excerpt(header, length)}', not the header '{Header}'");
        var (userIndex, itemIndex) = (new Dictionary<long, int>(), new Dictionary<long, int>());
        var (users, items, values) = (new List<int>(), new List<int>(), new List<double>());
        long number = 1;
        Span<int> starts = stackalloc int[5];
        Span<long> whole = stackalloc long[4];
        for (var line = lines.Next(out length); line is not null; line = lines.Next(out length))
        {
            number++;
            if (length == 0) continue;
            if (length > MaxLineLength)
                throw new FormatException($"MovieLens: line {number} has {length} characters, more than a ratings line's {MaxLineLength}; it begins '{Excerpt(line, length)}'");
            int fields = 1;
            starts[0] = 0;
            for (int c = 0; c < line.Length; c++)
                if (line[c] == ',' && fields++ < 4) starts[fields - 1] = c + 1;
            if (fields != 4)
                throw new FormatException($"MovieLens: line {number} has {fields} comma-separated fields, not the 4 of '{Header}' (numbers in invariant culture, a point before decimals): '{Excerpt(line, length)}'");
            starts[4] = line.Length + 1;
            double rating = 0;
            for (int f = 0; f < 4; f++)
            {
                var text = line.AsSpan(starts[f], starts[f + 1] - starts[f] - 1);
                if (!(f == 2 ? TryRating(text, out rating) : TryWhole(text, out whole[f])))
                    throw new FormatException($"MovieLens: line {number}, field {f + 1} ({FieldNames[f]}) at column {starts[f] + 1}: '{Excerpt(text.ToString(), text.Length)}' is not {(f == 2 ? "a decimal number such as 3.5" : "a whole number of digits")}; the line is '{Excerpt(line, length)}'");
            }
            if (values.Count == Array.MaxLength)
                throw new FormatException($"MovieLens: line {number} is rating {values.Count + 1L}, more than the {Array.MaxLength} one array holds");
            users.Add(IndexOf(userIndex, whole[0]));
            items.Add(IndexOf(itemIndex, whole[1]));
            values.Add(rating);
        }
        return (new Ratings(userIndex.Count, itemIndex.Count, [.. users], [.. items], [.. values]), Ids(userIndex), Ids(itemIndex));
    }

    /// <summary>1 to 18 ASCII digits (so the value fits a long).</summary>
    static bool TryWhole(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        if (text.Length is 0 or > 18) return false;
        foreach (var c in text)
        {
            if (c is < '0' or > '9') return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }

    /// <summary>An optional minus, digits, and optionally a point and digits: a finite number in invariant culture.</summary>
    static bool TryRating(ReadOnlySpan<char> text, out double value)
    {
        value = 0;
        int i = text.StartsWith("-") ? 1 : 0, digits = 0, point = -1;
        for (int c = i; c < text.Length; c++)
            if (text[c] is >= '0' and <= '9') digits++;
            else if (text[c] == '.' && point < 0 && c > i) point = c;
            else return false;
        return digits > 0 && point != text.Length - 1
            && double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value)
            && double.IsFinite(value);
    }

    /// <summary><paramref name="text"/> as a message quotes it: at most 80 characters (then "… (n characters)", n the
    /// whole <paramref name="length"/>), with characters one cannot see escaped (a byte-order mark as \uFEFF, a tab
    /// as \t, a NUL from a UTF-16 file read as UTF-8 as \u0000), so the reader sees what the parser saw.</summary>
    public static string Excerpt(string text, long length)
    {
        ArgumentNullException.ThrowIfNull(text);
        const int Shown = 80;
        var o = new System.Text.StringBuilder();
        for (int i = 0; i < Math.Min(text.Length, Shown); i++)
        {
            char c = text[i];
            if (c == '\t') o.Append(@"\t");
            else if (c == '\r') o.Append(@"\r");
            else if (c == '\\') o.Append(@"\\");
            else if (c == ' ' || char.IsLetterOrDigit(c) || char.IsPunctuation(c) || char.IsSymbol(c)) o.Append(c);
            else o.Append($"\\u{(int)c:X4}");
        }
        if (length > Shown || text.Length > Shown) o.Append($"… ({Math.Max(length, text.Length)} characters)");
        return o.ToString();
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

    /// <summary>Lines of a reader, each cut after <c>max</c> + 1 characters: the rest of a longer line is counted,
    /// not kept, so a 100 MB line costs its count and one buffer. A final '\r' (CRLF files) is dropped.</summary>
    sealed class BoundedLines(TextReader reader, int max)
    {
        readonly char[] buffer = new char[1 << 16];
        readonly System.Text.StringBuilder piece = new();
        int start, end;

        /// <summary>The next line (or its first max + 1 characters), its full length in <paramref name="length"/>;
        /// null at the end.</summary>
        public string? Next(out long length)
        {
            piece.Clear();
            length = 0;
            char last = '\0';
            bool any = false;
            while (true)
            {
                if (start == end)
                {
                    (start, end) = (0, reader.Read(buffer, 0, buffer.Length));
                    if (end == 0)
                    {
                        if (!any) return null;
                        break;
                    }
                }
                any = true;
                int newline = Array.IndexOf(buffer, '\n', start, end - start), stop = newline < 0 ? end : newline;
                if (stop > start) last = buffer[stop - 1];
                piece.Append(buffer, start, (int)Math.Min(stop - start, Math.Max(0, max + 1 - piece.Length)));
                length += stop - start;
                start = newline < 0 ? end : newline + 1;
                if (newline >= 0) break;
            }
            if (last == '\r' && length > 0)
            {
                length--;
                if (piece.Length > length) piece.Length = (int)length;
            }
            return piece.ToString();
        }
    }
}
