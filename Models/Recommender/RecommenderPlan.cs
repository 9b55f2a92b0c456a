using System.Numerics.Tensors;

namespace AutoDiff.Functional.Models;

/// <summary>The full-batch loss and gradient of <see cref="Recommender"/>'s L as compiled plans over int32 index
/// inputs: the graph of <see cref="Recommender.Build(int, int, int, int, double, bool)"/>'s squared error for a chunk of
/// ratings, where the library's gathers (<c>GatherColumns</c>, <c>GatherRows</c> on int32 nodes) pick the factors and
/// reverse mode scatter-adds their cotangents, compiled once per chunk size; the chunks' users, items and values are
/// bound per call. No hand-written gather or scatter: the general path beside <see cref="RecommenderFullBatch"/>'s
/// blocks.</summary>
/// <remarks>A chunk's plan holds its gathered k-vectors (2·k·chunk doubles, and their cotangents) and returns a
/// gradient of the factors' full size, which the thread adds into its own: so the chunk is a trade between the cache
/// (small chunks: at 10⁶ ratings, k = 32, chunks of 2¹⁴ ran 1.7× faster than chunks of 2¹⁸) and that per-chunk sweep of
/// k·(m + n) (large chunks: chunks of 2¹² were 2× slower than 2¹⁴ at m + n = 11,000). The default is 2·(m + n) ratings
/// and at least 2¹⁴, or all of them when that is fewer. <see cref="RecommenderFullBatch"/> stays the faster path and
/// the default: its blocks of 8,192 / k ratings gather into buffers that stay in the cache and scatter into the
/// gradient directly, where a plan writes each gathered matrix and its cotangent to memory and returns a dense
/// gradient per chunk (docs/BENCHMARKS.md has the figures). With one chunk (count ≤ chunk size) the ratings are bound without copying.
/// The threads take contiguous runs of chunks, each summing into its own gradient, summed in thread order at the end;
/// the regulariser λθ is added by the first thread. The same bits every run for a given chunk size and thread count;
/// the bits differ from <see cref="RecommenderFullBatch"/>'s and the hand loop's (other summation orders), by
/// ~1e-15 relative.</remarks>
public sealed class RecommenderPlanBatch
{
    readonly Ratings ratings;
    readonly Chunk full;
    readonly Chunk? last;

    /// <summary>k.</summary>
    public int Rank { get; }
    /// <summary>λ.</summary>
    public double Lambda { get; }
    /// <summary>Whether the model has biases.</summary>
    public bool Biased { get; }
    /// <summary>Ratings per chunk (one plan run).</summary>
    public int ChunkSize { get; }
    /// <summary>Threads (each with its own gradient).</summary>
    public int Threads { get; }
    /// <summary>What compiling made of the full chunk's graph (its slot bytes are the plan's memory a thread holds).</summary>
    public PlanStatistics Statistics => full.Plan.Statistics;

    /// <summary>The evaluator for <paramref name="ratings"/>; compiles at most two plans (full and last chunk).</summary>
    public RecommenderPlanBatch(Ratings ratings, int rank, double lambda, bool biased, int chunkSize = 0, int threads = 2)
    {
        this.ratings = (ratings ?? throw new ArgumentNullException(nameof(ratings))).Checked();
        if (rank <= 0) throw new ArgumentOutOfRangeException(nameof(rank), rank, "RecommenderPlanBatch: the rank k must be positive");
        if (chunkSize < 0 || threads <= 0) throw new ArgumentOutOfRangeException(nameof(chunkSize), $"RecommenderPlanBatch: chunk size {chunkSize} must be ≥ 0 (0: the default) and threads {threads} positive");
        RecommenderChecks.Lambda("RecommenderPlanBatch", lambda);
        if (chunkSize == 0) chunkSize = (int)Math.Min(Array.MaxLength, Math.Max(1L << 14, 2L * (ratings.Users + ratings.Items)));
        chunkSize = Math.Max(1, Math.Min(chunkSize, ratings.Count));
        (Rank, Lambda, Biased, ChunkSize, Threads) = (rank, lambda, biased, chunkSize, threads);
        full = new Chunk(ratings.Users, ratings.Items, chunkSize, rank, biased);
        int rest = ratings.Count % chunkSize;
        last = rest > 0 && ratings.Count > chunkSize ? new Chunk(ratings.Users, ratings.Items, rest, rank, biased) : null;
    }

    /// <summary>L and ∂L/∂(P, Q, b, c, μ) at <paramref name="at"/>.</summary>
    public (double Loss, RecommenderFactors Gradient) ValueAndGradient(RecommenderFactors at)
    {
        ArgumentNullException.ThrowIfNull(at);
        if (at.Rank != Rank || at.Users != ratings.Users || at.Items != ratings.Items || at.Biased != Biased)
            throw new ArgumentException($"RecommenderPlanBatch: factors (k = {at.Rank}, m = {at.Users}, n = {at.Items}, biases {at.Biased}) for a model of (k = {Rank}, m = {ratings.Users}, n = {ratings.Items}, biases {Biased})");
        int chunks = (ratings.Count + ChunkSize - 1) / ChunkSize, threads = Math.Max(1, Math.Min(Threads, chunks));
        var gradients = new RecommenderFactors[threads];
        var losses = new double[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            double loss = 0;
            var g = gradients[t] = t == 0 ? RecommenderFullBatch.Regulariser(at, Lambda, out loss) : at.ZerosLike();
            // A chunk's dense gradient (k·(m + n) values) is added into g before the next chunk runs: kept, not reallocated.
            var (fullSpace, lastSpace) = (full.Plan.NewWorkspace(keepOutputs: true), last?.Plan.NewWorkspace(keepOutputs: true));
            var (fullData, lastData) = ((Data?)null, (Data?)null);
            for (long c = chunks * (long)t / threads, end = chunks * (long)(t + 1) / threads; c < end; c++)
            {
                int start = (int)c * ChunkSize, size = Math.Min(ChunkSize, ratings.Count - start);
                var (chunk, space) = size == ChunkSize ? (full, fullSpace) : (last!, lastSpace!);
                // The whole ratings are bound as they are; a chunk's are copied into this thread's reused arrays.
                var data = size == ratings.Count ? null
                    : size == ChunkSize ? fullData ??= new Data(size) : lastData ??= new Data(size);
                var y = chunk.Run(ratings, start, data, at, space);
                loss += y[0].ToScalar();
                Add(g, y);
            }
            losses[t] = loss;
        });
        var sum = gradients[0];
        for (int t = 1; t < threads; t++) RecommenderFullBatch.Add(sum, gradients[t]);
        return (losses.Sum(), sum);
    }

    /// <summary>Adds a chunk's gradient [loss, ∂P, ∂Q (, ∂b, ∂c, ∂μ)] into <paramref name="g"/>.</summary>
    static void Add(RecommenderFactors g, Tensor[] y)
    {
        int t = 1;
        foreach (var a in g.Arrays().Take(g.Biased ? 4 : 2))
            TensorPrimitives.Add(a, y[t++].Values, a);
        if (g.Biased) g.Mu += y[5].ToScalar();
    }

    /// <summary>A thread's copies of one chunk's users, items and values.</summary>
    sealed class Data(int size)
    {
        public readonly int[] User = new int[size], Item = new int[size];
        public readonly double[] Value = new double[size];
    }

    /// <summary>The plan of one chunk size: [Σ(r − r̂)², its gradient with respect to P, Q (, b, c, μ)].</summary>
    sealed class Chunk
    {
        readonly RecommenderModel model;
        readonly int users, items;

        public Plan Plan { get; }

        public Chunk(int users, int items, int size, int rank, bool biased)
        {
            (this.users, this.items) = (users, items);
            model = Recommender.Graph(users, items, size, rank, 0, biased, regularised: false);
            Plan = Plan.Compile([model.Loss, .. Reverse.Grad(model.Loss, model.Parameters)]);
        }

        public Tensor[] Run(Ratings ratings, int start, Data? data, RecommenderFactors at, Workspace workspace)
        {
            var part = ratings;
            if (data is not null)
            {
                ratings.User.AsSpan(start, data.User.Length).CopyTo(data.User);
                ratings.Item.AsSpan(start, data.Item.Length).CopyTo(data.Item);
                ratings.Value.AsSpan(start, data.Value.Length).CopyTo(data.Value);
                part = new Ratings(users, items, data.User, data.Item, data.Value);
            }
            return Plan.Run(model.Bind(part, at), workspace);
        }
    }
}
