using AutoDiff.Functional.Models;

namespace AutoDiff.Functional.Distributed;

/// <summary>The driver of distributed ALS half-sweeps over <see cref="IAlsShard"/> grains: S user shards own P's rows
/// and b (users partitioned by user mod S, as the rating shards are) and S item shards own Q's rows and c (items by item
/// mod S, a second partition of the same ratings). A half-sweep for the users has every user shard pull the item rows
/// its ratings touch from their owners, sets μ ← μ + Σ(r − r̂)/|Ω| from the shards' parts added in shard order, and has
/// every user shard solve its rows on its own silo; the items' half likewise. Each row's system is summed over its
/// ratings in their order in the source, as <see cref="Als"/> sums it, so without biases a sweep equals the single
/// process's bit for bit; with biases μ's sum is added in another order, so the two agree to rounding (1e-12).</summary>
public sealed class DistributedAls
{
    readonly IGrainFactory grains;
    int count, users, items;

    /// <summary>The ratings' source (its shard count is S for both sides).</summary>
    public RatingSource Source { get; }
    /// <summary>λ.</summary>
    public double Lambda { get; }
    /// <summary>The longest a phase waits for its shards before it fails naming the ones that did not answer.</summary>
    public TimeSpan Timeout { get; }
    /// <summary>μ, held by the driver between half-sweeps.</summary>
    public double Mu { get; private set; }
    /// <summary>Rows pulled and their bytes of values over the last half-sweep (all shards): the sparse row traffic.</summary>
    public (int Rows, long Bytes) LastPull { get; private set; }

    /// <summary>A driver over <paramref name="source"/>'s shards.</summary>
    public DistributedAls(IGrainFactory grains, RatingSource source, double lambda, TimeSpan? timeout = null)
    {
        this.grains = grains ?? throw new ArgumentNullException(nameof(grains));
        Source = source ?? throw new ArgumentNullException(nameof(source));
        if (source.Shards <= 0) throw new ArgumentOutOfRangeException(nameof(source), source.Shards, "DistributedAls: the number of shards must be positive");
        if (!(lambda > 0 && double.IsFinite(lambda))) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "DistributedAls: λ must be positive and finite");
        (Lambda, Timeout) = (lambda, timeout ?? TimeSpan.FromMinutes(2));
    }

    IAlsShard Shard(bool users, int s) => grains.GetGrain<IAlsShard>(AlsShardGrain.Key(users, s));

    /// <summary>Every shard of both sides loads its ratings and takes its rows of <paramref name="theta"/>; returns the
    /// user shards' rating counts.</summary>
    public async Task<int[]> Start(RecommenderFactors theta)
    {
        ArgumentNullException.ThrowIfNull(theta);
        var counts = await Gather("load users", s => Shard(true, s).Load(Source));
        await Gather("load items", s => Shard(false, s).Load(Source));
        (count, users, items) = (counts.Sum(), theta.Users, theta.Items);
        var message = FactorsMessage.Of(theta);
        await Gather("start users", async s => { await Shard(true, s).Start(message); return 0; });
        await Gather("start items", async s => { await Shard(false, s).Start(message); return 0; });
        Mu = theta.Mu;
        return counts;
    }

    /// <summary>One half-sweep: the users' (<paramref name="users"/>) or the items'.</summary>
    public async Task HalfSweep(bool users, bool biased)
    {
        var pulls = await Gather(users ? "pull for users" : "pull for items", s => Shard(users, s).Pull(Mu));
        LastPull = (pulls.Sum(p => p.Rows), pulls.Sum(p => p.Bytes));
        if (biased && count > 0)
        {
            double sum = 0;
            foreach (var p in pulls) sum += p.ResidualSum;
            Mu += sum / count;
        }
        await Gather(users ? "solve users" : "solve items", async s => { await Shard(users, s).Solve(Mu, Lambda); return 0; });
    }

    /// <summary>One sweep, users then items, as <see cref="Als.Sweep"/>.</summary>
    public async Task Sweep(bool biased)
    {
        await HalfSweep(true, biased);
        await HalfSweep(false, biased);
    }

    /// <summary>The whole factors, each row from its owner (for checking and for the caller's use), with the driver's μ.</summary>
    public async Task<RecommenderFactors> Factors(int rank, bool biased)
    {
        var theta = new RecommenderFactors(rank, users, items, biased) { Mu = biased ? Mu : 0 };
        foreach (bool side in new[] { true, false })
        {
            int rows = side ? users : items;
            var parts = await Gather(side ? "rows of P" : "rows of Q", s => Shard(side, s).Rows([.. Enumerable.Range(0, rows).Where(r => r % Source.Shards == s)]));
            var (into, biases) = side ? (theta.P, theta.B) : (theta.Q, theta.C);
            foreach (var part in parts)
                for (int x = 0; x < part.Rows.Length; x++)
                {
                    part.Factors.AsSpan(x * rank, rank).CopyTo(into.AsSpan(part.Rows[x] * rank, rank));
                    if (biased) biases[part.Rows[x]] = part.Biases[x];
                }
        }
        return theta;
    }

    /// <summary>Every shard's answer in shard order, or an error naming the shards that failed or did not answer within
    /// <see cref="Timeout"/>: never a hang.</summary>
    async Task<T[]> Gather<T>(string what, Func<int, Task<T>> call)
    {
        var tasks = Enumerable.Range(0, Source.Shards).Select(call).ToArray();
        var all = Task.WhenAll(tasks);
        if (await Task.WhenAny(all, Task.Delay(Timeout)) != all)
            throw new TimeoutException($"DistributedAls: {what}: shards {string.Join(", ", Enumerable.Range(0, tasks.Length).Where(w => !tasks[w].IsCompleted))} did not answer within {Timeout.TotalSeconds} s");
        var failed = Enumerable.Range(0, tasks.Length).Where(w => tasks[w].IsFaulted).ToArray();
        if (failed.Length > 0)
            throw new InvalidOperationException($"DistributedAls: {what}: shard {failed[0]} failed: {tasks[failed[0]].Exception!.InnerException!.Message}", tasks[failed[0]].Exception!.InnerException);
        return all.Result;
    }
}
