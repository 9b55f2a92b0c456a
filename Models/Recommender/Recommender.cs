namespace AutoDiff.Functional.Models;

/// <summary>The recommender's parameters, or a gradient of the same layout: user factors P (k×m, column i is user i's
/// k-vector pᵢ, so U = Pᵀ in the dense model's terms), item factors Q (k×n, V = Q), and with biases the user biases b
/// (m), item biases c (n) and global mean μ. Plain arrays, owned by whoever made the set: the training loops update them
/// in place, because an immutable update would copy all 10⁶ rows for a step that touches 2B of them.</summary>
public sealed class RecommenderFactors
{
    /// <summary>k.</summary>
    public int Rank { get; }
    /// <summary>m.</summary>
    public int Users { get; }
    /// <summary>n.</summary>
    public int Items { get; }
    /// <summary>Whether b, c and μ take part.</summary>
    public bool Biased { get; }
    /// <summary>P, k×m column-major: pᵢ is P[k·i … k·i + k − 1].</summary>
    public double[] P { get; }
    /// <summary>Q, k×n column-major.</summary>
    public double[] Q { get; }
    /// <summary>b (m), empty without biases.</summary>
    public double[] B { get; }
    /// <summary>c (n), empty without biases.</summary>
    public double[] C { get; }
    /// <summary>μ (0 without biases).</summary>
    public double Mu { get; set; }

    /// <summary>A set of zeros.</summary>
    public RecommenderFactors(int rank, int users, int items, bool biased)
    {
        if (rank <= 0 || users < 0 || items < 0) throw new ArgumentOutOfRangeException(nameof(rank), $"RecommenderFactors: k = {rank}, m = {users}, n = {items}");
        (Rank, Users, Items, Biased) = (rank, users, items, biased);
        (P, Q) = (new double[RecommenderChecks.Size("RecommenderFactors", "k·m", rank, users)], new double[RecommenderChecks.Size("RecommenderFactors", "k·n", rank, items)]);
        (B, C) = biased ? (new double[users], new double[items]) : ([], []);
    }

    /// <summary>Small random factors (N(0, scale²) entries from <paramref name="seed"/>), zero biases and μ =
    /// <paramref name="mean"/>: the usual start.</summary>
    public static RecommenderFactors Random(int rank, int users, int items, bool biased, int seed, double scale = 0.1, double mean = 0)
    {
        var f = new RecommenderFactors(rank, users, items, biased) { Mu = biased ? mean : 0 };
        var random = new Random(seed);
        foreach (var a in new[] { f.P, f.Q })
            for (int x = 0; x < a.Length; x++)
                a[x] = scale * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return f;
    }

    /// <summary>A set of zeros of this layout.</summary>
    public RecommenderFactors ZerosLike() => new(Rank, Users, Items, Biased);

    /// <summary>The bytes of the arrays.</summary>
    public long Bytes => 8L * (P.Length + Q.Length + B.Length + C.Length + 1);

    /// <summary>The arrays in order P, Q, b, c and μ as a one-element array: for loops over every parameter.</summary>
    public IEnumerable<double[]> Arrays() => Biased ? [P, Q, B, C, [Mu]] : [P, Q];

    /// <summary>The predicted rating r̂ = μ + bᵢ + cⱼ + pᵢ·qⱼ (pᵢ·qⱼ without biases).</summary>
    public double Predict(int user, int item)
    {
        double s = Biased ? Mu + B[user] + C[item] : 0;
        int k = Rank;
        ReadOnlySpan<double> p = P.AsSpan(user * k, k), q = Q.AsSpan(item * k, k);
        for (int l = 0; l < k; l++) s += p[l] * q[l];
        return s;
    }

    /// <summary>√(mean squared error) of the predictions on <paramref name="ratings"/>, over both cores.</summary>
    public double Rmse(Ratings ratings)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        if (ratings.Count == 0) return 0;
        const int block = 1 << 16;
        var sums = new double[(ratings.Count + block - 1) / block];
        Parallel.For(0, sums.Length, t =>
        {
            double s = 0;
            for (int p = t * block, end = Math.Min(ratings.Count, p + block); p < end; p++)
            {
                double e = ratings.Value[p] - Predict(ratings.User[p], ratings.Item[p]);
                s += e * e;
            }
            sums[t] = s;
        });
        return Math.Sqrt(sums.Sum() / ratings.Count);   // summed in block order: the same bits every run
    }
}

/// <summary>The recommender graph over every rating at once, built with the library's ops: GatherColumns picks pᵢ
/// and qⱼ for each rating, and reverse mode scatter-adds the cotangents back into ∂L/∂P and ∂L/∂Q.</summary>
/// <param name="P">User factors (k×m).</param>
/// <param name="Q">Item factors (k×n).</param>
/// <param name="B">User biases (m), or null.</param>
/// <param name="C">Item biases (n), or null.</param>
/// <param name="Mu">The global mean, a scalar, or null.</param>
/// <param name="User">The ratings' users, int32 data (|Ω|) bound per call.</param>
/// <param name="Item">The ratings' items, int32 data (|Ω|) bound per call.</param>
/// <param name="R">The ratings' values, a data vector (|Ω|).</param>
/// <param name="Lambda">λ.</param>
/// <param name="Loss">The loss.</param>
public sealed record RecommenderModel(Node P, Node Q, Node? B, Node? C, Node? Mu, Node User, Node Item, Node R, double Lambda, Node Loss)
{
    /// <summary>The parameter variables, in the order P, Q (, b, c, μ).</summary>
    public Node[] Parameters => B is null ? [P, Q] : [P, Q, B, C!, Mu!];

    /// <summary>Binds the ratings (users, items and values, without copying) and the factors.</summary>
    public Bindings Bind(Ratings ratings, RecommenderFactors at)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        ArgumentNullException.ThrowIfNull(at);
        return Bind(Tensor.FromColumnMajor(R.Shape, ratings.Value), ratings.User, ratings.Item, Factors(at));
    }

    /// <summary>Binds ratings' values <paramref name="r"/>, users and items (wrapped, not copied) and the parameters'
    /// values in <see cref="Parameters"/>' order.</summary>
    internal Bindings Bind(Tensor r, int[] user, int[] item, IReadOnlyList<Tensor> parameters)
    {
        var b = Bindings.Empty.Bind(R, r).Bind(User, Tensor.WrapIndices(user)).Bind(Item, Tensor.WrapIndices(item));
        var variables = Parameters;
        for (int p = 0; p < variables.Length; p++) b = b.Bind(variables[p], parameters[p]);
        return b;
    }

    /// <summary>The factors as the values of <see cref="Parameters"/>, P and Q wrapped (float64) or rounded
    /// (float32), as the variables' type asks.</summary>
    internal Tensor[] Factors(RecommenderFactors at)
    {
        Tensor[] t = [Tensor.FromColumnMajor(P.Shape, at.P), Tensor.FromColumnMajor(Q.Shape, at.Q)];
        if (B is not null) t = [.. t, Tensor.FromColumnMajor(B.Shape, at.B!), Tensor.FromColumnMajor(C!.Shape, at.C!), Tensor.Scalar(at.Mu)];
        return P.DType == DType.Float32 ? Array.ConvertAll(t, x => x.ToFloat32()) : t;
    }
}

/// <summary>Seed 000, task 3 as a real recommender: only the observed ratings Ω count.
/// L = Σ_{(i,j)∈Ω} (r_ij − r̂_ij)² + λ/2 (‖P‖²_F + ‖Q‖²_F), with r̂_ij = pᵢ·qⱼ, or with biases
/// r̂_ij = μ + bᵢ + cⱼ + pᵢ·qⱼ and λ/2 (‖b‖² + ‖c‖²) added (μ is not regularised).</summary>
public static class Recommender
{
    /// <summary>The graph for <paramref name="ratings"/>' sizes (<see cref="Build(int, int, int, int, double, bool)"/>),
    /// after checking the ratings; bind them with <see cref="RecommenderModel.Bind(Ratings, RecommenderFactors)"/>.</summary>
    public static RecommenderModel Build(Ratings ratings, int rank, double lambda, bool biased)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        ratings.Checked();
        return Build(ratings.Users, ratings.Items, ratings.Count, rank, lambda, biased);
    }

    /// <summary>The graph of L over any <paramref name="count"/> ratings of <paramref name="users"/> × <paramref name="items"/>:
    /// the ratings' users and items are int32 data bound per call, so one graph (and one compiled plan) serves every
    /// set of ratings of that size, a minibatch as well as the full batch. Every gathered k-vector is a value of the
    /// graph, so this is for problems whose k·|Ω| doubles fit in memory, the properties and L-BFGS; at scale use
    /// <see cref="RecommenderFullBatch"/>, which evaluates the same loss in blocks.</summary>
    public static RecommenderModel Build(int users, int items, int count, int rank, double lambda, bool biased)
    {
        if (rank <= 0) throw new ArgumentOutOfRangeException(nameof(rank), rank, "Recommender.Build: the rank k must be positive");
        RecommenderChecks.Lambda("Recommender.Build", lambda);
        return Graph(users, items, count, rank, lambda, biased, regularised: true);
    }

    /// <summary>The graph, with the regulariser or (for one chunk of the ratings, <see cref="RecommenderPlanBatch"/>)
    /// only the squared error Σ(r − r̂)², its parameters and values of <paramref name="type"/>.</summary>
    internal static RecommenderModel Graph(int users, int items, int count, int rank, double lambda, bool biased, bool regularised, DType type = DType.Float64)
    {
        var P = Node.Variable("P", Shape.Matrix(rank, users), type);
        var Q = Node.Variable("Q", Shape.Matrix(rank, items), type);
        var user = Node.Variable("user", Shape.Vector(count), DType.Int32);
        var item = Node.Variable("item", Shape.Vector(count), DType.Int32);
        var r = Node.Variable("r", Shape.Vector(count), type);
        var dots = (P.GatherColumns(user) * Q.GatherColumns(item)).Sum(0);
        var regulariser = P.SquaredNorm() + Q.SquaredNorm();
        if (!biased) return new(P, Q, null, null, null, user, item, r, lambda, regularised ? (r - dots).SquaredNorm() + lambda / 2 * regulariser : (r - dots).SquaredNorm());

        var b = Node.Variable("b", Shape.Vector(users), type);
        var c = Node.Variable("c", Shape.Vector(items), type);
        var mu = Node.Variable("mu", Shape.Scalar, type);
        var prediction = mu + b.GatherRows(user) + c.GatherRows(item) + dots;
        var error = (r - prediction).SquaredNorm();
        var loss = regularised ? error + lambda / 2 * (regulariser + b.SquaredNorm() + c.SquaredNorm()) : error;
        return new(P, Q, b, c, mu, user, item, r, lambda, loss);
    }

    /// <summary>L and its gradient from the graph of <see cref="Build(Ratings, int, double, bool)"/>, in one reverse pass.</summary>
    public static (double Loss, RecommenderFactors Gradient) ValueAndGradient(RecommenderModel model, Ratings ratings, RecommenderFactors at)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (value, g) = AD.ValueAndGrad(model.Loss, model.Bind(ratings, at), model.Parameters);
        var gradient = at.ZerosLike();
        var arrays = gradient.Arrays().ToArray();
        for (int t = 0; t < g.Length; t++) g[t].Values.CopyTo(arrays[t]);
        if (at.Biased) gradient.Mu = g[4].ToScalar();
        return (value.ToScalar(), gradient);
    }
}

/// <summary>The squared error of one block of ratings, as a graph over the gathered factors of that block, compiled
/// once per block size: with Pg, Qg (k×s) the columns pᵢ, qⱼ of the block's s ratings, e = r − (μ + bg + cg +
/// Σ_rows Pg∘Qg) and the block's loss ‖e‖². Its gradients with respect to the gathered blocks are what a scatter-add
/// sends back to the rows of P and Q.</summary>
sealed class BlockKernel
{
    readonly Node pg, qg, r, bg, cg, mu;
    readonly bool biased;

    public Plan Plan { get; }
    public int Size { get; }

    public BlockKernel(int rank, int size, bool biased)
    {
        (Size, this.biased) = (size, biased);
        pg = Node.Variable("Pg", Shape.Matrix(rank, size));
        qg = Node.Variable("Qg", Shape.Matrix(rank, size));
        r = Node.Variable("r", Shape.Vector(size));
        bg = Node.Variable("bg", Shape.Vector(size));
        cg = Node.Variable("cg", Shape.Vector(size));
        mu = Node.Variable("mu", Shape.Scalar);
        var dots = (pg * qg).Sum(0);
        var loss = (r - (biased ? mu + bg + cg + dots : dots)).SquaredNorm();
        Plan = Plan.Compile([loss, .. Reverse.Grad(loss, biased ? [pg, qg, bg, cg, mu] : [pg, qg])]);
    }

    /// <summary>[‖e‖², ∂/∂Pg, ∂/∂Qg (, ∂/∂bg, ∂/∂cg, ∂/∂μ)] for the gathered block in <paramref name="block"/>.</summary>
    public Tensor[] Run(Block block, double muValue, Workspace workspace)
    {
        var at = Bindings.Empty.Bind(pg, Tensor.FromColumnMajor(pg.Shape, block.P)).Bind(qg, Tensor.FromColumnMajor(qg.Shape, block.Q))
            .Bind(r, Tensor.FromColumnMajor(r.Shape, block.R));
        if (biased) at = at.Bind(bg, Tensor.FromColumnMajor(bg.Shape, block.B)).Bind(cg, Tensor.FromColumnMajor(cg.Shape, block.C)).Bind(mu, muValue);
        return Plan.Run(at, workspace);
    }
}

/// <summary>Reused gather buffers for one block of ratings: read by one kernel run at a time, refilled for the next
/// (the kernel's outputs live in its run's workspace, never in these arrays).</summary>
sealed class Block(int rank, int size)
{
    public readonly double[] P = new double[rank * size], Q = new double[rank * size], R = new double[size], B = new double[size], C = new double[size];

    /// <summary>Gathers ratings <paramref name="start"/> … + size − 1's factor columns, biases and values.</summary>
    public void Gather(Ratings ratings, RecommenderFactors at, int start, int size)
    {
        int k = at.Rank;
        for (int s = 0; s < size; s++)
        {
            int p = start + s, i = ratings.User[p], j = ratings.Item[p];
            at.P.AsSpan(i * k, k).CopyTo(P.AsSpan(s * k, k));
            at.Q.AsSpan(j * k, k).CopyTo(Q.AsSpan(s * k, k));
            R[s] = ratings.Value[p];
            if (at.Biased) (B[s], C[s]) = (at.B[i], at.C[j]);
        }
    }

    /// <summary>Gathers the ratings at <paramref name="positions"/>.</summary>
    public void Gather(Ratings ratings, RecommenderFactors at, ReadOnlySpan<int> positions)
    {
        int k = at.Rank;
        for (int s = 0; s < positions.Length; s++)
        {
            int p = positions[s], i = ratings.User[p], j = ratings.Item[p];
            at.P.AsSpan(i * k, k).CopyTo(P.AsSpan(s * k, k));
            at.Q.AsSpan(j * k, k).CopyTo(Q.AsSpan(s * k, k));
            R[s] = ratings.Value[p];
            if (at.Biased) (B[s], C[s]) = (at.B[i], at.C[j]);
        }
    }
}

/// <summary>The full-batch loss and gradient of <see cref="Recommender"/>'s L over any number of ratings, in memory that
/// scales with the data: the ratings are cut into blocks of <see cref="BlockSize"/> (8,192 / k by default); for each block the factor
/// columns are gathered into reused buffers, a <see cref="BlockKernel"/> compiled once per block size gives the block's
/// loss and gradients, and those are scatter-added into the gradient. At any moment a thread holds one block's k-vectors
/// (2·k·blockSize doubles), never one per rating: 10⁸ ratings at k = 32 would need 25.6 GB gathered at once. The threads
/// take contiguous runs of blocks, each with its own gradient, summed in thread order at the end: the same bits every
/// run for a given thread count.</summary>
public sealed class RecommenderFullBatch
{
    readonly Ratings ratings;
    readonly BlockKernel full;
    readonly BlockKernel? last;

    /// <summary>k.</summary>
    public int Rank { get; }
    /// <summary>λ.</summary>
    public double Lambda { get; }
    /// <summary>Whether the model has biases.</summary>
    public bool Biased { get; }
    /// <summary>Ratings per block.</summary>
    public int BlockSize { get; }
    /// <summary>Threads (each with its own gradient buffer).</summary>
    public int Threads { get; }

    /// <summary>The evaluator for <paramref name="ratings"/>; compiles at most two kernels (full and last block). The
    /// default block holds 8,192 / k ratings, so each of the kernel's k×block outputs (fresh every run) stays under the
    /// 85,000-byte large-object threshold: larger blocks put hundreds of thousands of short-lived arrays on the large
    /// object heap, which only full collections reclaim (a first run at 10⁸ ratings with 4,096-rating blocks reached
    /// 6 GB resident that way).</summary>
    public RecommenderFullBatch(Ratings ratings, int rank, double lambda, bool biased, int blockSize = 0, int threads = 2)
    {
        if (blockSize == 0) blockSize = Math.Max(16, 8192 / Math.Max(1, rank));
        this.ratings = (ratings ?? throw new ArgumentNullException(nameof(ratings))).Checked();
        if (blockSize <= 0 || threads <= 0) throw new ArgumentOutOfRangeException(nameof(blockSize), $"RecommenderFullBatch: block size {blockSize} and threads {threads} must be positive");
        if (rank <= 0) throw new ArgumentOutOfRangeException(nameof(rank), rank, "RecommenderFullBatch: the rank k must be positive");
        RecommenderChecks.Lambda("RecommenderFullBatch", lambda);
        (Rank, Lambda, Biased, BlockSize, Threads) = (rank, lambda, biased, blockSize, threads);
        full = new BlockKernel(rank, blockSize, biased);
        int rest = ratings.Count % blockSize;
        last = rest > 0 ? new BlockKernel(rank, rest, biased) : null;
    }

    /// <summary>L and ∂L/∂(P, Q, b, c, μ) at <paramref name="at"/>.</summary>
    public (double Loss, RecommenderFactors Gradient) ValueAndGradient(RecommenderFactors at)
    {
        ArgumentNullException.ThrowIfNull(at);
        if (at.Rank != Rank || at.Users != ratings.Users || at.Items != ratings.Items || at.Biased != Biased)
            throw new ArgumentException($"RecommenderFullBatch: factors (k = {at.Rank}, m = {at.Users}, n = {at.Items}, biases {at.Biased}) for a model of (k = {Rank}, m = {ratings.Users}, n = {ratings.Items}, biases {Biased})");
        int blocks = (ratings.Count + BlockSize - 1) / BlockSize, threads = Math.Max(1, Math.Min(Threads, blocks));
        var gradients = new RecommenderFactors[threads];
        var losses = new double[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            // Thread 0's gradient starts as the regulariser's λθ; the others start at zero. The loss is summed in a
            // local and stored once: neighbouring slots of one array, written per block, would share a cache line.
            double loss = 0;
            var g = gradients[t] = t == 0 ? Regulariser(at, out loss) : at.ZerosLike();
            var (fullBlock, lastBlock) = (new Block(Rank, full.Size), last is null ? null : new Block(Rank, last.Size));
            // A block's outputs are read before the next block runs: kept in the workspace, not in fresh arrays each time.
            var (fullSpace, lastSpace) = (full.Plan.NewWorkspace(keepOutputs: true), last?.Plan.NewWorkspace(keepOutputs: true));
            for (long b = blocks * (long)t / threads, end = blocks * (long)(t + 1) / threads; b < end; b++)
            {
                int start = (int)b * BlockSize, size = Math.Min(BlockSize, ratings.Count - start);
                var (kernel, block, space) = size == BlockSize ? (full, fullBlock, fullSpace) : (last!, lastBlock!, lastSpace!);
                block.Gather(ratings, at, start, size);
                var y = kernel.Run(block, at.Mu, space);
                loss += y[0].ToScalar();
                ScatterAdd(g, y, ratings.User.AsSpan(start, size), ratings.Item.AsSpan(start, size));
            }
            losses[t] = loss;
        });
        var sum = gradients[0];
        for (int t = 1; t < threads; t++) Add(sum, gradients[t]);
        return (losses.Sum(), sum);
    }

    /// <summary>g = λθ (μ excluded) and its loss λ/2‖θ‖².</summary>
    RecommenderFactors Regulariser(RecommenderFactors at, out double loss) => Regulariser(at, Lambda, out loss);

    /// <summary>g = λθ (μ excluded) and its loss λ/2‖θ‖².</summary>
    internal static RecommenderFactors Regulariser(RecommenderFactors at, double lambda, out double loss)
    {
        var g = at.ZerosLike();
        double squares = 0;
        foreach (var (a, o) in at.Arrays().Zip(g.Arrays()).Take(at.Biased ? 4 : 2))
            for (int x = 0; x < a.Length; x++)
            {
                squares += a[x] * a[x];
                o[x] = lambda * a[x];
            }
        loss = lambda / 2 * squares;
        return g;
    }

    /// <summary>Adds the block's gradient columns into the rows of the ratings they came from (repeated rows add up).</summary>
    internal static void ScatterAdd(RecommenderFactors g, Tensor[] y, ReadOnlySpan<int> users, ReadOnlySpan<int> items)
    {
        int k = g.Rank;
        ReadOnlySpan<double> gp = y[1].Values, gq = y[2].Values;
        for (int s = 0; s < users.Length; s++)
        {
            Span<double> pRow = g.P.AsSpan(users[s] * k, k), qRow = g.Q.AsSpan(items[s] * k, k);
            for (int l = 0; l < k; l++) (pRow[l], qRow[l]) = (pRow[l] + gp[s * k + l], qRow[l] + gq[s * k + l]);
        }
        if (!g.Biased) return;
        ReadOnlySpan<double> gb = y[3].Values, gc = y[4].Values;
        for (int s = 0; s < users.Length; s++) (g.B[users[s]], g.C[items[s]]) = (g.B[users[s]] + gb[s], g.C[items[s]] + gc[s]);
        g.Mu += y[5].ToScalar();
    }

    internal static void Add(RecommenderFactors into, RecommenderFactors x)
    {
        foreach (var (a, b) in into.Arrays().Zip(x.Arrays()).Take(into.Biased ? 4 : 2))
            for (int i = 0; i < a.Length; i++) a[i] += b[i];
        into.Mu += x.Mu;
    }
}

/// <summary>The recommender's checks, made where a value is given (a constructor), never in a loop.</summary>
static class RecommenderChecks
{
    /// <summary>λ, finite and ≥ 0.</summary>
    public static double Lambda(string who, double lambda) =>
        double.IsFinite(lambda) && lambda >= 0 ? lambda : throw new ArgumentOutOfRangeException(nameof(lambda), lambda, $"{who}: λ must be finite and ≥ 0");

    /// <summary>a·b as an array length, computed in 64 bits so a product past the int range is named, not wrapped.</summary>
    public static int Size(string who, string what, int a, int b)
    {
        long size = (long)a * b;
        return size <= Array.MaxLength ? (int)size
            : throw new ArgumentOutOfRangeException(what, size, $"{who}: {what} = {a}·{b} = {size} exceeds the {Array.MaxLength} elements of one array");
    }
}
