namespace AutoDiff.Functional.Models;

/// <summary>Bayesian probabilistic matrix factorisation by Gibbs sampling (Salakhutdinov and Mnih 2008) over
/// <see cref="Recommender"/>'s model r = μ + bᵢ + cⱼ + pᵢ·qⱼ + ε, ε ~ N(0, 1/α): each sweep draws every row of the
/// factors from its Gaussian conditional, and predictions averaged over the sweeps after a burn-in
/// (<see cref="PosteriorMean"/>) approximate the posterior mean, which ALS's single MAP point cannot reach for rarely
/// rated rows (docs/SCALING.md).</summary>
/// <remarks>
/// <para>Priors: user i's row xᵢ = (pᵢ, bᵢ) ~ N(μᵤ, Λᵤ⁻¹) (without biases xᵢ = pᵢ), the items' likewise with their own
/// (μᵥ, Λᵥ), each pair under a Normal–Wishart hyperprior (μ₀ = 0, β₀ = 2, W₀ = I, ν₀ = d, the paper's choice); the
/// global μ flat; the noise precision α ~ Gamma(1, 1), or held at a given value.</para>
/// <para>Given the other side, the hyperparameters and α, row i's conditional is Gaussian with precision
/// α·(Σⱼ aⱼaⱼᵀ + Λ/α) and mean (Σⱼ aⱼaⱼᵀ + Λ/α)⁻¹(Σⱼ yᵢⱼaⱼ + Λμ/α), aⱼ and yᵢⱼ as in <see cref="Als"/>: the same
/// (k + 1)×(k + 1) system ALS forms, with the prior in place of λ/2·I. One Cholesky factor A = L·Lᵀ gives both the
/// mean and a draw, mean + L⁻ᵀz/√α with z ~ N(0, I) (<see cref="DrawRow"/>).</para>
/// <para>Deterministic for a seed: row r of side s in sweep t takes its normals from a generator keyed by
/// (seed, t, s, r) alone, and the hyperparameters' sums run in fixed blocks added in order, so a sweep gives the same
/// bits on any number of threads and under any timing.</para>
/// </remarks>
public sealed class Bpmf
{
    readonly Ratings ratings;
    readonly Als.RowIndex byUser, byItem;
    readonly double? fixedNoisePrecision;

    /// <summary>The seed every draw derives from.</summary>
    public int Seed { get; }
    /// <summary>The threads a half-sweep uses.</summary>
    public int Threads { get; }
    /// <summary>α, the noise precision 1/σ² of the last sweep (drawn each sweep unless held).</summary>
    public double NoisePrecision { get; private set; }

    /// <summary>The sampler for <paramref name="ratings"/> (indexes each side's ratings once, as <see cref="Als"/>):
    /// α is drawn each sweep, or held at <paramref name="noisePrecision"/> when given.</summary>
    public Bpmf(Ratings ratings, int seed, int threads = 2, double? noisePrecision = null)
    {
        this.ratings = (ratings ?? throw new ArgumentNullException(nameof(ratings))).Checked();
        if (threads <= 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "Bpmf: the thread count must be positive");
        if (noisePrecision is { } a && !(a > 0 && double.IsFinite(a)))
            throw new ArgumentOutOfRangeException(nameof(noisePrecision), a, "Bpmf: the noise precision α must be positive and finite");
        (Seed, Threads, fixedNoisePrecision) = (seed, threads, noisePrecision);
        NoisePrecision = noisePrecision ?? 1;
        byUser = new Als.RowIndex(ratings.User, ratings.Users);
        byItem = new Als.RowIndex(ratings.Item, ratings.Items);
    }

    /// <summary>The bytes of the row indexes (as <see cref="Als.IndexBytes"/>).</summary>
    public long IndexBytes => 4L * (byUser.Start.Length + byUser.Position.Length + byItem.Start.Length + byItem.Position.Length);

    /// <summary>Sweep number <paramref name="sweep"/> of the chain, in place: μ and α given the factors, then the users'
    /// hyperparameters and every user's row, then the items' likewise. The draws depend on (seed, sweep) only. When
    /// <paramref name="conditional"/> is given it receives the sweep's users and μ and, for the items, the means of their
    /// conditionals rather than the draws: pᵢ·E[qⱼ | P, …] = E[pᵢ·qⱼ | P, …], so predictions averaged over these
    /// (Rao–Blackwellised) have the samples' expectation with the items' draw noise, the larger part for rarely rated
    /// items, taken out.</summary>
    public void Sweep(RecommenderFactors theta, int sweep, RecommenderFactors? conditional = null)
    {
        ArgumentNullException.ThrowIfNull(theta);
        if (theta.Users != ratings.Users || theta.Items != ratings.Items)
            throw new ArgumentException($"Bpmf: factors of m = {theta.Users}, n = {theta.Items} for ratings of m = {ratings.Users}, n = {ratings.Items}");
        if (conditional is not null && (conditional.Rank != theta.Rank || conditional.Users != theta.Users || conditional.Items != theta.Items || conditional.Biased != theta.Biased))
            throw new ArgumentException($"Bpmf: the conditional means' layout (k = {conditional.Rank}, m = {conditional.Users}, n = {conditional.Items}, biases {conditional.Biased}) is not the factors' (k = {theta.Rank}, m = {theta.Users}, n = {theta.Items}, biases {theta.Biased})");
        DrawGlobal(theta, sweep);
        foreach (bool users in new[] { true, false })
        {
            var (precision, mean) = DrawHyper(theta, sweep, users);
            DrawRows(theta, sweep, users, precision, mean, users ? null : conditional);
        }
        if (conditional is null) return;
        theta.P.CopyTo(conditional.P, 0);
        theta.B.CopyTo(conditional.B, 0);
        conditional.Mu = theta.Mu;
    }

    /// <summary>μ | rest ~ N(μ + ē, 1/(α|Ω|)) (flat prior, ē the mean residual), then α | rest ~ Gamma(1 + |Ω|/2,
    /// 1 + SSE/2) at the new μ: one pass over the ratings, in fixed blocks.</summary>
    void DrawGlobal(RecommenderFactors theta, int sweep)
    {
        long count = ratings.Count;
        if (count == 0) return;
        const int block = 1 << 16;
        var sums = new (double E, double E2)[(ratings.Count + block - 1) / block];
        Parallel.For(0, sums.Length, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            double s = 0, s2 = 0;
            for (int p = t * block, end = Math.Min(ratings.Count, p + block); p < end; p++)
            {
                double e = ratings.Value[p] - theta.Predict(ratings.User[p], ratings.Item[p]);
                (s, s2) = (s + e, s2 + e * e);
            }
            sums[t] = (s, s2);
        });
        double sum = 0, squares = 0;
        foreach (var (e, e2) in sums) (sum, squares) = (sum + e, squares + e2);
        if (!double.IsFinite(squares)) throw new ArgumentException("Bpmf: the residuals r − r̂ are not finite: the factors or ratings are not finite");
        var draws = new Draws(Seed, sweep, 2, 0);
        if (theta.Biased)
        {
            double shift = sum / count + draws.Normal() / Math.Sqrt(NoisePrecision * count);
            theta.Mu += shift;
            squares += -2 * shift * sum + count * shift * shift;   // Σ(e − shift)²
        }
        NoisePrecision = fixedNoisePrecision ?? draws.Gamma(1 + count / 2.0) / (1 + Math.Max(squares, 0) / 2);
    }

    /// <summary>(Λ, μ) of one side from the Normal–Wishart posterior given its rows: with x̄ and S the rows' mean and
    /// scatter Σ(x − x̄)(x − x̄)ᵀ over N rows, Λ ~ Wishart(W*, ν₀ + N) with W*⁻¹ = W₀⁻¹ + S + β₀N/(β₀ + N)·x̄x̄ᵀ (μ₀ = 0),
    /// then μ ~ N(N·x̄/(β₀ + N), ((β₀ + N)Λ)⁻¹). Λ is returned full (column-major).</summary>
    (double[] Precision, double[] Mean) DrawHyper(RecommenderFactors theta, int sweep, bool users)
    {
        int k = theta.Rank, d = k + (theta.Biased ? 1 : 0), rows = users ? theta.Users : theta.Items;
        var (factors, biases) = users ? (theta.P, theta.B) : (theta.Q, theta.C);
        const int block = 1024;
        var parts = new double[(rows + block - 1) / block][];
        Parallel.For(0, parts.Length, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            var part = new double[d + d * d];   // Σx, then Σxxᵀ (lower triangle)
            var x = new double[d];
            for (int r = t * block, end = Math.Min(rows, r + block); r < end; r++)
            {
                factors.AsSpan(r * k, k).CopyTo(x);
                if (theta.Biased) x[k] = biases[r];
                for (int l = 0; l < d; l++)
                {
                    part[l] += x[l];
                    for (int m = l; m < d; m++) part[d + m + l * d] += x[m] * x[l];
                }
            }
            parts[t] = part;
        });
        var total = new double[d + d * d];
        foreach (var part in parts)
            for (int e = 0; e < total.Length; e++) total[e] += part[e];

        const double beta0 = 2;
        double n = rows, shrink = beta0 * n / (beta0 + n);
        var mean = new double[d];
        for (int l = 0; l < d; l++) mean[l] = n == 0 ? 0 : total[l] / n;
        var inverseW = new double[d * d];   // W*⁻¹, lower triangle
        for (int l = 0; l < d; l++)
            for (int m = l; m < d; m++)
                inverseW[m + l * d] = (m == l ? 1 : 0) + total[d + m + l * d] - n * mean[m] * mean[l] + shrink * mean[m] * mean[l];
        if (!Als.CholeskyFactor(inverseW, d))
            throw new ArgumentException($"Bpmf: the {(users ? "users'" : "items'")} scatter matrix is not positive definite: their factors are not finite");

        // Bartlett: with M·Mᵀ = W*⁻¹ and G = M⁻ᵀ·T (T lower triangular, Tₗₗ² ~ χ²(ν − l), below the diagonal N(0, 1)),
        // Λ = G·Gᵀ ~ Wishart(M⁻ᵀM⁻¹ = W*, ν).
        var draws = new Draws(Seed, sweep, users ? 3 : 4, 0);
        double nu = d + n;
        var g = new double[d * d];
        for (int c = 0; c < d; c++)
        {
            var column = g.AsSpan(c * d, d);
            column[c] = Math.Sqrt(2 * draws.Gamma((nu - c) / 2));
            for (int r = c + 1; r < d; r++) column[r] = draws.Normal();
            Als.TransposedSolve(inverseW, d, column);
        }
        var precision = new double[d * d];
        for (int l = 0; l < d; l++)
            for (int m = 0; m < d; m++)
            {
                double s = 0;
                for (int c = 0; c < d; c++) s += g[l + c * d] * g[m + c * d];
                precision[l + m * d] = s;
            }

        // μ = N·x̄/(β₀ + N) + R⁻ᵀz with R·Rᵀ = (β₀ + N)Λ.
        var r2 = new double[d * d];
        for (int e = 0; e < r2.Length; e++) r2[e] = (beta0 + n) * precision[e];
        if (!Als.CholeskyFactor(r2, d))
            throw new ArgumentException($"Bpmf: the {(users ? "users'" : "items'")} drawn precision is not positive definite");
        var z = new double[d];
        for (int l = 0; l < d; l++) z[l] = draws.Normal();
        Als.TransposedSolve(r2, d, z);
        for (int l = 0; l < d; l++) mean[l] = n * mean[l] / (beta0 + n) + z[l];
        return (precision, mean);
    }

    void DrawRows(RecommenderFactors theta, int sweep, bool users, double[] precision, double[] mean, RecommenderFactors? means)
    {
        int d = mean.Length;
        var index = users ? byUser : byItem;
        double alpha = NoisePrecision;
        // The row's system divided by α: prior Λ/α and Λμ/α in place of ALS's λ/2·I and 0.
        var prior = precision.Select(v => v / alpha).ToArray();
        var priorRhs = new double[d];
        for (int l = 0; l < d; l++)
            for (int m = 0; m < d; m++) priorRhs[l] += prior[l + m * d] * mean[m];
        const int chunk = 32;
        try
        {
            Parallel.For(0, (index.Rows + chunk - 1) / chunk, new ParallelOptions { MaxDegreeOfParallelism = Threads },
                () => (new Als.RowSystem(d), new double[d]),
                (c, _, state) =>
                {
                    var (system, rowMean) = state;
                    for (int row = c * chunk, end = Math.Min(index.Rows, row + chunk); row < end; row++)
                    {
                        system.Form(theta, ratings, index, row, users, prior, priorRhs);
                        if (!DrawRowAndMean(system.A, d, system.X, alpha, Key(Seed, sweep, users ? 0 : 1, row), rowMean))
                            throw new ArgumentException($"Bpmf: the conditional precision of {(users ? "user" : "item")} {row} is not positive definite: the factors or ratings it reads are not finite");
                        system.Write(theta, row, users);
                        if (means is null) continue;
                        rowMean.AsSpan(0, theta.Rank).CopyTo((users ? means.P : means.Q).AsSpan(row * theta.Rank, theta.Rank));
                        if (theta.Biased) (users ? means.B : means.C)[row] = rowMean[theta.Rank];
                    }
                    return state;
                },
                _ => { });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }

    /// <summary>x ← a draw from N(A⁻¹x, (α·A)⁻¹) for a symmetric positive-definite d×d <paramref name="a"/> (column-major,
    /// lower triangle read, overwritten by its Cholesky factor L): the mean by two triangular solves, plus L⁻ᵀz/√α with
    /// z ~ N(0, I) from the generator keyed by <paramref name="key"/> (<see cref="Key"/>). False when A is not positive
    /// definite.</summary>
    public static bool DrawRow(Span<double> a, int d, Span<double> x, double alpha, ulong key) => DrawRowAndMean(a, d, x, alpha, key, []);

    /// <summary><see cref="DrawRow(Span{double}, int, Span{double}, double, ulong)"/>, the mean also written to
    /// <paramref name="mean"/> (unless it is empty).</summary>
    static bool DrawRowAndMean(Span<double> a, int d, Span<double> x, double alpha, ulong key, Span<double> mean)
    {
        if (!Als.CholeskySolve(a, d, x)) return false;
        if (!mean.IsEmpty) x.CopyTo(mean);
        var draws = new Draws(key);
        Span<double> z = d <= 64 ? stackalloc double[d] : new double[d];
        for (int l = 0; l < d; l++) z[l] = draws.Normal();
        Als.TransposedSolve(a, d, z);
        double scale = 1 / Math.Sqrt(alpha);
        for (int l = 0; l < d; l++) x[l] += scale * z[l];
        return true;
    }

    /// <summary>The generator key of row <paramref name="row"/> of side <paramref name="side"/> (0 users, 1 items) in
    /// sweep <paramref name="sweep"/>: a hash of the four, nothing else.</summary>
    public static ulong Key(int seed, int sweep, int side, int row) => Draws.Mix(Draws.Mix(Draws.Mix(Draws.Mix((ulong)(uint)seed) ^ (uint)sweep) ^ (uint)side) ^ (uint)row);

    /// <summary>SplitMix64 (Steele, Lea and Flood 2014): a 64-bit counter through a mixing function, cheap to start
    /// from any key, so every row gets its own stream; normals by Box–Muller, gammas by Marsaglia and Tsang (2000).</summary>
    struct Draws(ulong state)
    {
        public Draws(int seed, int sweep, int side, int row) : this(Key(seed, sweep, side, row)) { }

        public static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }

        ulong Next() => Mix(state += 0x9E3779B97F4A7C15);

        /// <summary>Uniform on (0, 1]: 53 random bits, never 0 (so its logarithm is finite).</summary>
        public double Uniform() => ((Next() >> 11) + 1) * (1.0 / (1UL << 53));

        public double Normal() => Math.Sqrt(-2 * Math.Log(Uniform())) * Math.Cos(2 * Math.PI * Uniform());

        /// <summary>Gamma(shape, 1). Below shape 1: Gamma(shape + 1)·U^(1/shape).</summary>
        public double Gamma(double shape)
        {
            if (shape < 1) return Gamma(shape + 1) * Math.Pow(Uniform(), 1 / shape);
            double dd = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * dd);
            while (true)
            {
                double x = Normal(), v = 1 + c * x;
                if (v <= 0) continue;
                v = v * v * v;
                if (Math.Log(Uniform()) < 0.5 * x * x + dd - dd * v + dd * Math.Log(v)) return dd * v;
            }
        }
    }
}

/// <summary>Predictions at fixed ratings (a held-out set) averaged over the samples added: the Monte Carlo estimate of the
/// posterior mean of each r̂ᵢⱼ (not of the factors: E[pᵢ·qⱼ] ≠ E[pᵢ]·E[qⱼ]).</summary>
public sealed class PosteriorMean(Ratings at)
{
    readonly double[] sum = new double[(at ?? throw new ArgumentNullException(nameof(at))).Count];

    /// <summary>The number of samples added.</summary>
    public int Samples { get; private set; }

    /// <summary>Adds each rating's prediction under <paramref name="theta"/>.</summary>
    public void Add(RecommenderFactors theta)
    {
        ArgumentNullException.ThrowIfNull(theta);
        Parallel.For(0, (sum.Length + 4095) / 4096, t =>
        {
            for (int p = t * 4096, end = Math.Min(sum.Length, p + 4096); p < end; p++) sum[p] += theta.Predict(at.User[p], at.Item[p]);
        });
        Samples++;
    }

    /// <summary>The averaged prediction of rating p.</summary>
    public double Predict(int p) => sum[p] / Samples;

    /// <summary>The RMSE of the averaged predictions against the ratings' values.</summary>
    public double Rmse()
    {
        if (Samples == 0) throw new InvalidOperationException("PosteriorMean: no sample has been added");
        double s = 0;
        for (int p = 0; p < sum.Length; p++)
        {
            double e = at.Value[p] - sum[p] / Samples;
            s += e * e;
        }
        return Math.Sqrt(s / Math.Max(1, sum.Length));
    }
}
