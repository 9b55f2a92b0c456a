using System.Buffers;
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
    readonly float[]? values32;
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
    /// <summary>The element type the plans compute in: float64, or float32 (the ratings' values rounded once, the
    /// factors once a call; each chunk's gradient is float32, and the chunks' gradients are summed in float64).</summary>
    public DType Type { get; }
    /// <summary>What compiling made of the full chunk's graph (its slot bytes are the plan's memory a thread holds).</summary>
    public PlanStatistics Statistics => full.Plan.Statistics;

    /// <summary>The evaluator for <paramref name="ratings"/>; compiles at most two plans (full and last chunk).</summary>
    public RecommenderPlanBatch(Ratings ratings, int rank, double lambda, bool biased, int chunkSize = 0, int threads = 2, DType type = DType.Float64)
    {
        if (!type.IsFloat()) throw new ArgumentException($"RecommenderPlanBatch: the plans compute in float64 or float32, not {type.Name()}", nameof(type));
        this.ratings = (ratings ?? throw new ArgumentNullException(nameof(ratings))).Checked();
        if (rank <= 0) throw new ArgumentOutOfRangeException(nameof(rank), rank, "RecommenderPlanBatch: the rank k must be positive");
        if (chunkSize < 0 || threads <= 0) throw new ArgumentOutOfRangeException(nameof(chunkSize), $"RecommenderPlanBatch: chunk size {chunkSize} must be ≥ 0 (0: the default) and threads {threads} positive");
        RecommenderChecks.Lambda("RecommenderPlanBatch", lambda);
        if (chunkSize == 0) chunkSize = (int)Math.Min(Array.MaxLength, Math.Max(1L << 14, 2L * (ratings.Users + ratings.Items)));
        chunkSize = Math.Max(1, Math.Min(chunkSize, ratings.Count));
        (Rank, Lambda, Biased, ChunkSize, Threads, Type) = (rank, lambda, biased, chunkSize, threads, type);
        values32 = type == DType.Float32 ? Array.ConvertAll(ratings.Value, v => (float)v) : null;
        full = new Chunk(ratings.Users, ratings.Items, chunkSize, rank, biased, type);
        int rest = ratings.Count % chunkSize;
        last = rest > 0 && ratings.Count > chunkSize ? new Chunk(ratings.Users, ratings.Items, rest, rank, biased, type) : null;
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
        var factors = full.Factors(at);
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
                    : size == ChunkSize ? fullData ??= new Data(size, Type) : lastData ??= new Data(size, Type);
                var y = chunk.Run(ratings, values32, start, data, factors, space);
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
            if (y[t].DType == DType.Float32)
            {
                // Widened (exactly) into scratch first: the singles are read as they are, never given a float64 twin.
                var widened = ArrayPool<double>.Shared.Rent(a.Length);
                TensorPrimitives.ConvertTruncating<float, double>(y[t++].Values32, widened.AsSpan(0, a.Length));
                TensorPrimitives.Add(a, widened.AsSpan(0, a.Length), a);
                ArrayPool<double>.Shared.Return(widened);
            }
            else TensorPrimitives.Add(a, y[t++].Values, a);
        if (g.Biased) g.Mu += y[5].ToScalar();
    }

    /// <summary>A thread's copies of one chunk's users, items and values (float64, or float32 for float32 plans).</summary>
    sealed class Data(int size, DType type)
    {
        public readonly int[] User = new int[size], Item = new int[size];
        public readonly double[] Value = type == DType.Float64 ? new double[size] : [];
        public readonly float[] Value32 = type == DType.Float32 ? new float[size] : [];
    }

    /// <summary>The plan of one chunk size: [Σ(r − r̂)², its gradient with respect to P, Q (, b, c, μ)].</summary>
    sealed class Chunk
    {
        readonly RecommenderModel model;

        public Plan Plan { get; }

        /// <summary>The factors as this chunk's parameter values, in the plans' type.</summary>
        public Tensor[] Factors(RecommenderFactors at) => model.Factors(at);

        public Chunk(int users, int items, int size, int rank, bool biased, DType type)
        {
            model = Recommender.Graph(users, items, size, rank, 0, biased, regularised: false, type);
            Plan = Plan.Compile([model.Loss, .. Reverse.Grad(model.Loss, model.Parameters)]);
        }

        /// <summary>The chunk of ratings from <paramref name="start"/> (copied into <paramref name="data"/>, or all of
        /// them, bound as they are) with the factors, through the plan.</summary>
        public Tensor[] Run(Ratings ratings, float[]? values32, int start, Data? data, Tensor[] factors, Workspace workspace)
        {
            int[] user = ratings.User, item = ratings.Item;
            double[] value = ratings.Value;
            float[]? value32 = values32;
            if (data is not null)
            {
                (user, item) = (data.User, data.Item);
                ratings.User.AsSpan(start, user.Length).CopyTo(user);
                ratings.Item.AsSpan(start, item.Length).CopyTo(item);
                if (values32 is null) ratings.Value.AsSpan(start, user.Length).CopyTo(value = data.Value);
                else values32.AsSpan(start, user.Length).CopyTo(value32 = data.Value32);
            }
            // Wrapped, not copied: float32 values through MathNet's single-precision vector, which holds the array itself.
            var r = value32 is null ? Tensor.FromColumnMajor(model.R.Shape, value) : Tensor.Wrap(new MathNet.Numerics.LinearAlgebra.Single.DenseVector(value32));
            var at = model.Bind(r, user, item, factors);
            return Plan.Run(at, workspace);
        }
    }
}
