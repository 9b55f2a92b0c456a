using System.Numerics.Tensors;

namespace AutoDiff.Functional.Models;

/// <summary>Alternating least squares for <see cref="Recommender"/>'s L, with the same λ: with Q, c and μ held, L is a
/// sum of independent ridge regressions, one per user, so (after μ is set to its own minimiser) each (pᵢ, bᵢ) is set
/// to its exact minimiser; then the same for the items with P, b and μ held. Each half-sweep is an exact minimisation over a block of the
/// parameters, so L never rises, and at a fixed point every block's gradient, hence ∇L, is zero.</summary>
/// <remarks>
/// <para>User i's rows: with xᵢ = (pᵢ, bᵢ), aⱼ = (qⱼ, 1) and yᵢⱼ = rᵢⱼ − μ − cⱼ (without biases xᵢ = pᵢ, aⱼ = qⱼ, yᵢⱼ = rᵢⱼ),
/// its part of L is Σⱼ (yᵢⱼ − aⱼ·xᵢ)² + λ/2‖xᵢ‖², whose gradient vanishes at (Σⱼ aⱼaⱼᵀ + λ/2·I) xᵢ = Σⱼ yᵢⱼaⱼ: a
/// (k + 1)×(k + 1) symmetric positive-definite system (its smallest eigenvalue is at least λ/2), solved by Cholesky.
/// μ, not regularised, minimises at the mean of r − bᵢ − cⱼ − pᵢ·qⱼ.</para>
/// <para>Rows are split across the threads in chunks taken as threads free up (under Zipf popularity a few rows hold
/// most ratings), but each row's system is summed over its ratings in their order in <see cref="Ratings"/> and written
/// to that row alone: the result is the same bits whatever the threads and their timing.</para>
/// <para>The systems are solved here rather than by the library's Cholesky op: the op runs one matrix per call through
/// a graph, and a half-sweep at 10⁶ items is 10⁶ systems of 33×33. <see cref="CholeskySolve"/> is the textbook
/// column algorithm; the properties check it against the op.</para>
/// </remarks>
public sealed class Als
{
    readonly Ratings ratings;
    readonly RowIndex byUser, byItem;

    /// <summary>λ of L.</summary>
    public double Lambda { get; }
    /// <summary>The threads a half-sweep uses.</summary>
    public int Threads { get; }

    /// <summary>The solver for <paramref name="ratings"/>: indexes each user's and each item's ratings (4 bytes a rating
    /// for each side), once.</summary>
    public Als(Ratings ratings, double lambda, int threads = 2)
    {
        this.ratings = (ratings ?? throw new ArgumentNullException(nameof(ratings))).Checked();
        if (!(lambda > 0 && double.IsFinite(lambda)))
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "Als: λ must be positive and finite (its ridge makes every row's normal equations solvable, rows with fewer ratings than unknowns included)");
        if (threads <= 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "Als: the thread count must be positive");
        (Lambda, Threads) = (lambda, threads);
        byUser = new RowIndex(ratings.User, ratings.Users);
        byItem = new RowIndex(ratings.Item, ratings.Items);
    }

    /// <summary>The bytes of the row indexes (4 a rating and 4 a row, for each side).</summary>
    public long IndexBytes => 4L * (byUser.Start.Length + byUser.Position.Length + byItem.Start.Length + byItem.Position.Length);

    /// <summary>One sweep: the users' half, then the items'.</summary>
    public void Sweep(RecommenderFactors theta)
    {
        SolveUsers(theta);
        SolveItems(theta);
    }

    /// <summary>Sets μ to the minimiser of L, then every (pᵢ, bᵢ) to the minimiser of L with the items' factors and μ
    /// held: afterwards ∂L/∂P and ∂L/∂b are zero (to rounding).</summary>
    public void SolveUsers(RecommenderFactors theta) => Solve(theta, users: true);

    /// <summary>Sets μ to the minimiser of L, then every (qⱼ, cⱼ) to the minimiser of L with the users' factors and μ
    /// held: afterwards ∂L/∂Q and ∂L/∂c are zero (to rounding).</summary>
    public void SolveItems(RecommenderFactors theta) => Solve(theta, users: false);

    void Solve(RecommenderFactors theta, bool users)
    {
        Check(theta);
        if (theta.Biased) theta.Mu += MeanResidual(theta);
        SolveRows(theta, users, null);
    }

    void Check(RecommenderFactors theta)
    {
        ArgumentNullException.ThrowIfNull(theta);
        if (theta.Users != ratings.Users || theta.Items != ratings.Items)
            throw new ArgumentException($"Als: factors of m = {theta.Users}, n = {theta.Items} for ratings of m = {ratings.Users}, n = {ratings.Items}");
    }

    /// <summary>Sets the given rows of one side (all of them when <paramref name="rows"/> is null) to their minimisers
    /// with the other side and μ held: what a half-sweep does after μ, for a worker that owns some rows and the ratings
    /// of those rows (the distributed half-sweep). Each row's result is the bits <see cref="SolveUsers"/> or
    /// <see cref="SolveItems"/> would give it from the same other side, μ and ratings (in the same order).</summary>
    public void SolveRows(RecommenderFactors theta, bool users, IReadOnlyList<int>? rows)
    {
        Check(theta);
        var index = users ? byUser : byItem;
        int count = rows?.Count ?? index.Rows;
        if (rows is not null)
            foreach (var r in rows)
                if ((uint)r >= (uint)index.Rows) throw new ArgumentOutOfRangeException(nameof(rows), r, $"Als: row {r} is not one of the {index.Rows} {(users ? "users" : "items")}");
        int d = theta.Rank + (theta.Biased ? 1 : 0);
        var (ridge, zeros) = (new double[d * d], new double[d]);
        for (int l = 0; l < d; l++) ridge[l + l * d] = Lambda / 2;
        const int chunk = 32;
        try
        {
            Parallel.For(0, (count + chunk - 1) / chunk, new ParallelOptions { MaxDegreeOfParallelism = Threads },
                () => new RowSystem(d),
                (c, _, system) =>
                {
                    for (int x = c * chunk, end = Math.Min(count, x + chunk); x < end; x++)
                    {
                        int row = rows?[x] ?? x;
                        system.Form(theta, ratings, index, row, users, ridge, zeros);
                        if (!CholeskySolve(system.A, system.D, system.X))
                            throw new ArgumentException($"Als: the normal equations of {(users ? "user" : "item")} {row} are not positive definite: the factors or ratings it reads are not finite");
                        system.Write(theta, row, users);
                    }
                    return system;
                },
                _ => { });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The caller sees the row's own error (the first one a thread met), not the parallel loop's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }

    /// <summary>The mean of r − r̂ over the ratings, summed in fixed blocks (the same bits every run): the step that
    /// takes μ to its minimiser.</summary>
    double MeanResidual(RecommenderFactors theta) => ratings.Count == 0 ? 0 : ResidualSum(theta) / ratings.Count;

    /// <summary>Σ (r − r̂) over the ratings, in fixed blocks (the same bits every run): a worker's part of the step that
    /// takes μ to its minimiser, μ ← μ + (Σ over the workers) / |Ω|.</summary>
    public double ResidualSum(RecommenderFactors theta)
    {
        Check(theta);
        if (ratings.Count == 0) return 0;
        const int block = 1 << 16;
        var sums = new double[(ratings.Count + block - 1) / block];
        Parallel.For(0, sums.Length, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            double s = 0;
            for (int p = t * block, end = Math.Min(ratings.Count, p + block); p < end; p++)
                s += ratings.Value[p] - theta.Predict(ratings.User[p], ratings.Item[p]);
            sums[t] = s;
        });
        return sums.Sum();
    }

    /// <summary>x ← A⁻¹·x for a symmetric positive-definite d×d <paramref name="a"/> (column-major; only its lower
    /// triangle is read, and it is overwritten by the Cholesky factor L, A = L·Lᵀ): forward then back substitution.
    /// Returns false, leaving x unsolved, when a pivot is not positive (A is not positive definite, or not finite).</summary>
    public static bool CholeskySolve(Span<double> a, int d, Span<double> x)
    {
        if (!CholeskyFactor(a, d)) return false;
        for (int i = 0; i < d; i++)   // L·z = x
        {
            double s = x[i];
            for (int t = 0; t < i; t++) s -= a[i + t * d] * x[t];
            x[i] = s / a[i + i * d];
        }
        TransposedSolve(a, d, x);
        return true;
    }

    /// <summary>The lower triangle of <paramref name="a"/> (d×d, column-major) ← L with A = L·Lᵀ, the textbook column
    /// algorithm; false when a pivot is not positive (A is not positive definite, or not finite).</summary>
    internal static bool CholeskyFactor(Span<double> a, int d)
    {
        for (int j = 0; j < d; j++)
        {
            double s = a[j + j * d];
            for (int t = 0; t < j; t++) s -= a[j + t * d] * a[j + t * d];
            if (!(s > 0) || !double.IsFinite(s)) return false;
            double pivot = a[j + j * d] = Math.Sqrt(s);
            for (int i = j + 1; i < d; i++)
            {
                double v = a[i + j * d];
                for (int t = 0; t < j; t++) v -= a[i + t * d] * a[j + t * d];
                a[i + j * d] = v / pivot;
            }
        }
        return true;
    }

    /// <summary>x ← L⁻ᵀ·x, L the lower triangle of <paramref name="l"/> (back substitution).</summary>
    internal static void TransposedSolve(ReadOnlySpan<double> l, int d, Span<double> x)
    {
        for (int i = d - 1; i >= 0; i--)
        {
            double s = x[i];
            for (int t = i + 1; t < d; t++) s -= l[t + i * d] * x[t];
            x[i] = s / l[i + i * d];
        }
    }

    /// <summary>Each row's ratings, as positions in the ratings' arrays in their original order (a stable counting
    /// sort): row r's are <c>Position[Start[r] … Start[r + 1] − 1]</c>.</summary>
    internal sealed class RowIndex
    {
        public readonly int[] Start, Position;
        public int Rows => Start.Length - 1;

        public RowIndex(int[] rowOf, int rows)
        {
            Start = new int[rows + 1];
            foreach (var r in rowOf) Start[r + 1]++;
            for (int r = 0; r < rows; r++) Start[r + 1] += Start[r];
            Position = new int[rowOf.Length];
            var next = Start[..rows];
            for (int p = 0; p < rowOf.Length; p++) Position[next[rowOf[p]]++] = p;
        }
    }

    /// <summary>One thread's d×d normal matrix and right-hand side, and a chunk of up to <see cref="Chunk"/> of the
    /// row's ratings gathered transposed (vᵀ: row l holds element l of each rating's aⱼ, then the ratings' yᵢⱼ), reused
    /// row after row. A chunk adds V·Vᵀ to A as d(d + 1)/2 dot products of length Chunk, vectorised, where a rank-one
    /// update per rating would be d short calls per rating. ALS adds λ/2·I and 0 as the prior; Bayesian PMF its sampled
    /// precision and mean (<see cref="Bpmf"/>).</summary>
    internal sealed class RowSystem(int d)
    {
        const int Chunk = 64;
        readonly double[] vt = new double[d * Chunk], y = new double[Chunk];

        /// <summary>The dimension d: k, or k + 1 with the bias.</summary>
        public int D => d;
        /// <summary>A (column-major, lower triangle) and the right-hand side, as <see cref="Form"/> leaves them.</summary>
        public readonly double[] A = new double[d * d], X = new double[d];

        /// <summary>A ← prior + Σⱼ aⱼaⱼᵀ (lower triangle), X ← priorRhs + Σⱼ yᵢⱼaⱼ over the row's ratings in their order.</summary>
        public void Form(RecommenderFactors theta, Ratings ratings, RowIndex index, int row, bool users, ReadOnlySpan<double> prior, ReadOnlySpan<double> priorRhs)
        {
            int k = theta.Rank;
            bool biased = theta.Biased;
            var (other, otherBias, otherOf) = users ? (theta.Q, theta.C, ratings.Item) : (theta.P, theta.B, ratings.User);
            prior.CopyTo(A);
            priorRhs.CopyTo(X);
            if (biased) vt.AsSpan(k * Chunk, Chunk).Fill(1);
            for (int first = index.Start[row], end = index.Start[row + 1]; first < end; first += Chunk)
            {
                int c = Math.Min(Chunk, end - first);
                for (int s = 0; s < c; s++)
                {
                    int p = index.Position[first + s], j = otherOf[p];
                    for (int l = 0; l < k; l++) vt[l * Chunk + s] = other[j * k + l];
                    y[s] = biased ? ratings.Value[p] - theta.Mu - otherBias[j] : ratings.Value[p];
                }
                // A += V·Vᵀ on the lower triangle; x += V·y.
                for (int l = 0; l < d; l++)
                {
                    var vl = vt.AsSpan(l * Chunk, c);
                    for (int m = l; m < d; m++) A[m + l * d] += TensorPrimitives.Dot(vt.AsSpan(m * Chunk, c), vl);
                    X[l] += TensorPrimitives.Dot(vl, y.AsSpan(0, c));
                }
            }
        }

        /// <summary>The row's factors (and bias) ← X.</summary>
        public void Write(RecommenderFactors theta, int row, bool users)
        {
            int k = theta.Rank;
            X.AsSpan(0, k).CopyTo((users ? theta.P : theta.Q).AsSpan(row * k, k));
            if (theta.Biased) (users ? theta.B : theta.C)[row] = X[k];
        }
    }
}
