using AutoDiff.Functional.Models;

namespace AutoDiff.Functional.Distributed;

/// <summary>A worker: owns the ratings of one shard of the users and computes their part of L and ∇L.</summary>
public interface IRatingShard : IGrainWithIntegerKey
{
    /// <summary>Reads <paramref name="source"/> and keeps this shard's ratings; returns how many.</summary>
    Task<int> Load(RatingSource source);

    /// <summary>Σ over the shard's ratings of (r − r̂)² and its gradient at <paramref name="at"/>, by the library's
    /// compiled block plans (<see cref="RecommenderFullBatch"/> with λ = 0: the driver adds the regulariser once).</summary>
    Task<ShardGradient> ValueAndGradient(FactorsMessage at);

    /// <summary>The same over the shard's ratings in step <paramref name="step"/>'s minibatch of
    /// <paramref name="order"/> only (zero when none of them is in it).</summary>
    Task<ShardGradient> BatchValueAndGradient(FactorsMessage at, MinibatchOrder order, int step);
}

/// <summary>The worker grain. Its ratings live in memory only: if the grain is deactivated or its silo dies, the next
/// call reactivates it (on any silo), and the driver's <see cref="DistributedFullBatch"/> sends the source before every
/// step, so a fresh activation reloads its shard from the source (Load is free when the shard is already held).</summary>
public sealed class RatingShardGrain : Grain, IRatingShard
{
    RatingSource? source;
    Ratings? ratings;
    int[] positions = [];          // where its ratings are in the source: what minibatches are keyed by
    RecommenderFullBatch? evaluator;

    int Shard => (int)this.GetPrimaryKeyLong();

    /// <inheritdoc/>
    public Task<int> Load(RatingSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (ratings is not null && source.IsHeldBy(this.source)) return Task.FromResult(ratings.Count);
        var all = source.ReadFor($"RatingShard {Shard}", Shard);
        positions = source.Positions(all, Shard);
        (this.source, ratings, evaluator) = (source, all.Take(positions), null);
        return Task.FromResult(ratings.Count);
    }

    /// <inheritdoc/>
    public Task<ShardGradient> ValueAndGradient(FactorsMessage at)
    {
        var ratings = Loaded(at);
        if (evaluator is null || evaluator.Rank != at.Rank || evaluator.Biased != at.Biased)
            evaluator = new RecommenderFullBatch(ratings, at.Rank, 0, at.Biased, threads: 1);
        return Task.FromResult(Answer(ratings.Count, evaluator.ValueAndGradient(at.ToFactors())));
    }

    /// <inheritdoc/>
    public Task<ShardGradient> BatchValueAndGradient(FactorsMessage at, MinibatchOrder order, int step)
    {
        ArgumentNullException.ThrowIfNull(order);
        var ratings = Loaded(at);
        var batch = ratings.Take(order.Select(positions, step));
        var theta = at.ToFactors();
        // A batch's ratings change every step: its evaluator is built for it (two small kernels at most).
        return Task.FromResult(Answer(batch.Count, batch.Count == 0 ? (0, theta.ZerosLike()) : new RecommenderFullBatch(batch, at.Rank, 0, at.Biased, threads: 1).ValueAndGradient(theta)));
    }

    Ratings Loaded(FactorsMessage at)
    {
        ArgumentNullException.ThrowIfNull(at);
        if (ratings is null) throw new InvalidOperationException($"RatingShard {Shard}: no ratings loaded (call Load first)");
        if (at.Users != ratings.Users || at.Items != ratings.Items)
            throw new ArgumentException($"RatingShard {Shard}: factors of m = {at.Users}, n = {at.Items} for ratings of m = {ratings.Users}, n = {ratings.Items}");
        return ratings;
    }

    ShardGradient Answer(int count, (double Loss, RecommenderFactors Gradient) part) =>
        new() { Shard = Shard, Ratings = count, Loss = part.Loss, Gradient = FactorsMessage.Of(part.Gradient), Silo = RuntimeIdentity };
}
