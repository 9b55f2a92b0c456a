using AutoDiff.Functional.Models;

namespace AutoDiff.Functional.Distributed;

/// <summary>The driver of synchronous full-batch steps over the worker grains: it sends the factors to every shard,
/// waits for all of their parts of L and ∇L, and adds them in shard order 0, 1, … (a fixed reduction order, so a run
/// gives the same bits whichever silo answers first), then the regulariser λ/2‖θ‖² and λθ once. The result equals the
/// single-process <see cref="RecommenderFullBatch"/> to rounding (its own order of addition differs), about 1e-15
/// relative.</summary>
public sealed class DistributedFullBatch
{
    readonly IGrainFactory grains;

    /// <summary>The ratings' source.</summary>
    public RatingSource Source { get; }
    /// <summary>λ.</summary>
    public double Lambda { get; }
    /// <summary>The longest a step waits for its shards before it fails naming the ones that did not answer.</summary>
    public TimeSpan Timeout { get; }
    /// <summary>How many times a step is tried before its error is passed on (1: no retry). A step changes nothing until
    /// every shard has answered, so a retry after a silo died (its grains reactivated elsewhere, reloading their shards)
    /// gives the same bits as an uninterrupted step.</summary>
    public int Attempts { get; init; } = 1;
    /// <summary>The pause before a retry: long enough for the cluster to declare a dead silo dead.</summary>
    public TimeSpan RetryPause { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Steps retried so far.</summary>
    public int Retries { get; private set; }
    /// <summary>Where each shard's part of the last gradient was computed (Orleans' silo identities, in shard order).</summary>
    public IReadOnlyList<string> Silos { get; private set; } = [];

    /// <summary>A driver over <paramref name="source"/>'s shards.</summary>
    public DistributedFullBatch(IGrainFactory grains, RatingSource source, double lambda, TimeSpan? timeout = null)
    {
        this.grains = grains ?? throw new ArgumentNullException(nameof(grains));
        Source = source ?? throw new ArgumentNullException(nameof(source));
        if (source.Shards <= 0) throw new ArgumentOutOfRangeException(nameof(source), source.Shards, "DistributedFullBatch: the number of shards must be positive");
        if (!(lambda >= 0 && double.IsFinite(lambda))) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "DistributedFullBatch: λ must be finite and ≥ 0");
        (Lambda, Timeout) = (lambda, timeout ?? TimeSpan.FromMinutes(2));
    }

    IRatingShard Shard(int w) => grains.GetGrain<IRatingShard>(w);

    /// <summary>Every shard loads its ratings; returns each shard's count.</summary>
    public Task<int[]> Load() => Gather("load", w => Shard(w).Load(Source));

    /// <summary>L and ∇L at <paramref name="at"/>, summed over the shards in order; tried up to <see cref="Attempts"/> times.</summary>
    public Task<(double Loss, RecommenderFactors Gradient)> ValueAndGradient(RecommenderFactors at) => Retrying(() => TryValueAndGradient(at));

    /// <summary><paramref name="attempt"/>, tried up to <see cref="Attempts"/> times, each within <see cref="Timeout"/>
    /// (misuse, an <see cref="ArgumentException"/>, is not retried). For calls that change nothing until they succeed,
    /// or that can be repeated (a checkpoint written twice is the same checkpoint).</summary>
    internal async Task<T> Retrying<T>(Func<Task<T>> attempt)
    {
        for (int tried = 1; ; tried++)
            try { return await attempt().WaitAsync(Timeout); }
            catch (Exception e) when (tried < Attempts && e is not ArgumentException)
            {
                Retries++;
                await Task.Delay(RetryPause);
            }
    }

    /// <summary>The minibatch loss and gradient of step <paramref name="step"/> of <paramref name="order"/> at
    /// <paramref name="at"/>: the squared errors of the batch's ratings, summed over the shards in order, plus λ/(2B)‖θ‖²
    /// (a B-th of the regulariser, so the B batches of an epoch add up to L at a fixed θ); tried up to
    /// <see cref="Attempts"/> times.</summary>
    public Task<(double Loss, RecommenderFactors Gradient)> BatchValueAndGradient(RecommenderFactors at, MinibatchOrder order, int step)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.Batches <= 0) throw new ArgumentOutOfRangeException(nameof(order), order.Batches, "DistributedFullBatch: the number of minibatches must be positive");
        return Retrying(() => TryValueAndGradient(at, (w, message) => Shard(w).BatchValueAndGradient(message, order, step), Lambda / order.Batches));
    }

    Task<(double Loss, RecommenderFactors Gradient)> TryValueAndGradient(RecommenderFactors at) =>
        TryValueAndGradient(at, (w, message) => Shard(w).ValueAndGradient(message), Lambda);

    async Task<(double Loss, RecommenderFactors Gradient)> TryValueAndGradient(RecommenderFactors at, Func<int, FactorsMessage, Task<ShardGradient>> call, double lambda)
    {
        ArgumentNullException.ThrowIfNull(at);
        var message = FactorsMessage.Of(at);
        // A shard whose grain was lost with its silo is reactivated by the call; it reloads from the source first.
        var parts = await Gather("gradient", async w =>
        {
            await Shard(w).Load(Source);
            return await call(w, message);
        });
        Silos = [.. parts.Select(p => p.Silo)];
        var gradient = at.ZerosLike();
        double loss = 0;
        foreach (var part in parts)
        {
            loss += part.Loss;
            foreach (var (into, from) in gradient.Arrays().Zip(part.Gradient.ToFactors().Arrays()).Take(at.Biased ? 4 : 2))
                for (int x = 0; x < into.Length; x++) into[x] += from[x];
            gradient.Mu += part.Gradient.Mu;
        }
        double squares = 0;
        foreach (var (theta, g) in at.Arrays().Zip(gradient.Arrays()).Take(at.Biased ? 4 : 2))
            for (int x = 0; x < theta.Length; x++)
            {
                squares += theta[x] * theta[x];
                g[x] += lambda * theta[x];
            }
        return (loss + lambda / 2 * squares, gradient);
    }

    /// <summary>One full-batch gradient step θ ← θ − η∇L in place; returns L before the step.</summary>
    public async Task<double> Step(RecommenderFactors theta, double rate)
    {
        ArgumentNullException.ThrowIfNull(theta);
        var (loss, g) = await ValueAndGradient(theta);
        foreach (var (a, ga) in theta.Arrays().Zip(g.Arrays()).Take(theta.Biased ? 4 : 2))
            for (int x = 0; x < a.Length; x++) a[x] -= rate * ga[x];
        theta.Mu -= rate * g.Mu;
        return loss;
    }

    Task<T[]> Gather<T>(string what, Func<int, Task<T>> call) => Shards.Gather(nameof(DistributedFullBatch), what, Source.Shards, Timeout, call);
}
