using AutoDiff.Functional.Models;

namespace AutoDiff.Functional.Distributed;

/// <summary>The driver of distributed ALS half-sweeps over <see cref="IAlsShard"/> grains: S user shards own P's rows
/// and b (users partitioned by user mod S, as the rating shards are) and S item shards own Q's rows and c (items by item
/// mod S, a second partition of the same ratings). A half-sweep for the users has every user shard pull the item rows
/// its ratings touch from their owners, sets μ ← μ + Σ(r − r̂)/|Ω| from the shards' parts added in shard order, and has
/// every user shard solve its rows on its own silo; the items' half likewise. Each row's system is summed over its
/// ratings in their order in the source, as <see cref="Als"/> sums it, so without biases a sweep equals the single
/// process's bit for bit; with biases μ's sum is added in another order, so the two agree to rounding (1e-12).
/// <see cref="Train"/> checkpoints the factors after every half-sweep and survives a lost silo.</summary>
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
    /// <summary>Where each shard answered its last pull (Orleans' silo identities): the user shards in order, then the
    /// item shards (empty until a sweep has pulled for both sides).</summary>
    public IReadOnlyList<string> Silos => [.. silos[0], .. silos[1]];
    /// <summary>How many times <see cref="Train"/> may try a half-sweep before its error is passed on (1: no retry).</summary>
    public int Attempts { get; init; } = 1;
    /// <summary>The pause before a retry: long enough for the cluster to declare a dead silo dead.</summary>
    public TimeSpan RetryPause { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How many times <see cref="Train"/> restored the shards from the checkpoint after a failed half-sweep.</summary>
    public int Restores { get; private set; }
    /// <summary>Called after each phase of a half-sweep with its name ("pull for users", "solve items", …): where a
    /// fault test stops a silo inside a half-sweep.</summary>
    public Func<string, Task>? AfterPhase { get; init; }

    readonly string[][] silos = [[], []];

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
        await Phase(users ? "pull for users" : "pull for items");
        LastPull = (pulls.Sum(p => p.Rows), pulls.Sum(p => p.Bytes));
        silos[users ? 0 : 1] = [.. pulls.Select(p => p.Silo)];
        if (biased && count > 0)
        {
            double sum = 0;
            foreach (var p in pulls) sum += p.ResidualSum;
            Mu += sum / count;
        }
        await Gather(users ? "solve users" : "solve items", async s => { await Shard(users, s).Solve(Mu, Lambda); return 0; });
        await Phase(users ? "solve users" : "solve items");
    }

    Task Phase(string name) => AfterPhase?.Invoke(name) ?? Task.CompletedTask;

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
        await Collect(true, theta);
        await Collect(false, theta);
        return theta;
    }

    /// <summary>Copies one side's rows (and biases) from their owners into <paramref name="theta"/>.</summary>
    async Task Collect(bool users, RecommenderFactors theta)
    {
        int rank = theta.Rank, rows = users ? this.users : items;
        var parts = await Gather(users ? "rows of P" : "rows of Q", s => Shard(users, s).Rows([.. Enumerable.Range(0, rows).Where(r => r % Source.Shards == s)]));
        var (into, biases) = users ? (theta.P, theta.B) : (theta.Q, theta.C);
        foreach (var part in parts)
            for (int x = 0; x < part.Rows.Length; x++)
            {
                part.Factors.AsSpan(x * rank, rank).CopyTo(into.AsSpan(part.Rows[x] * rank, rank));
                if (theta.Biased) biases[part.Rows[x]] = part.Biases[x];
            }
    }

    /// <summary>Runs half-sweeps (users, items, users, …) until <paramref name="halfSweeps"/> have been done, from the
    /// checkpoint of <paramref name="run"/> if it has one, else from <paramref name="start"/> (not changed); after each
    /// half-sweep it collects the side just solved and writes the factors, μ and the count to the checkpoint (the
    /// grain-state provider: Redis in a cluster), then calls <paramref name="afterHalfSweep"/> if given. A half-sweep
    /// that fails (a silo lost: its shards come back elsewhere without their rows) is tried again, up to
    /// <see cref="Attempts"/> times, after every shard reloads its ratings from the source (free where still held) and
    /// takes the checkpoint's factors, so shards that had solved their rows before the failure start over too. Each
    /// half-sweep reads only the checkpointed state, so the run ends on the bits of an uninterrupted one.</summary>
    /// <returns>The last checkpoint: <see cref="TrainingCheckpoint.Step"/> counts half-sweeps; ALS keeps no optimiser
    /// state, so its velocity and losses are empty.</returns>
    public async Task<TrainingCheckpoint> Train(string run, RecommenderFactors start, int halfSweeps, Func<int, Task>? afterHalfSweep = null)
    {
        if (string.IsNullOrWhiteSpace(run)) throw new ArgumentException("DistributedAls: the run needs a name (its checkpoint's key)", nameof(run));
        ArgumentNullException.ThrowIfNull(start);
        ArgumentOutOfRangeException.ThrowIfNegative(halfSweeps);
        var checkpoint = grains.GetGrain<ICheckpoint>(CheckpointKey(run));
        TrainingCheckpoint? last = null;
        for (int failures = 0; ;)
        {
            try
            {
                if (last is null)
                {
                    // From the provider, not from memory: after a failure the shards restart from what is stored.
                    last = await checkpoint.Load().WaitAsync(Timeout) ?? await Save(checkpoint, new TrainingCheckpoint { Theta = FactorsMessage.Of(DistributedTraining.Copy(start)) });
                    Fits(run, last, start, halfSweeps);
                    if (last.Step < halfSweeps) await Start(last.Theta.ToFactors());
                }
                if (last.Step == halfSweeps) return last;
                bool users = last.Step % 2 == 0;
                await HalfSweep(users, start.Biased);
                var theta = last.Theta.ToFactors();
                await Collect(users, theta);
                theta.Mu = Mu;
                last = await Save(checkpoint, new TrainingCheckpoint { Step = last.Step + 1, Theta = FactorsMessage.Of(theta) });
                failures = 0;
            }
            catch (Exception e) when (e is not ArgumentException && ++failures < Attempts)
            {
                (last, Restores) = (null, Restores + 1);
                await Task.Delay(RetryPause);
                continue;
            }
            if (afterHalfSweep is not null) await afterHalfSweep(last.Step);
        }
    }

    /// <summary>The checkpoint grain's key of ALS run <paramref name="run"/> (apart from the gradient runs' keys).</summary>
    public static string CheckpointKey(string run) => $"als/{run}";

    /// <summary>The last checkpoint of ALS run <paramref name="run"/>, or null.</summary>
    public Task<TrainingCheckpoint?> Last(string run) => grains.GetGrain<ICheckpoint>(CheckpointKey(run)).Load().WaitAsync(Timeout);

    /// <summary>Forgets the checkpoint of ALS run <paramref name="run"/> (a fresh start under the same name).</summary>
    public Task Clear(string run) => grains.GetGrain<ICheckpoint>(CheckpointKey(run)).Clear().WaitAsync(Timeout);

    async Task<TrainingCheckpoint> Save(ICheckpoint checkpoint, TrainingCheckpoint state)
    {
        await checkpoint.Save(state).WaitAsync(Timeout);
        return state;
    }

    static void Fits(string run, TrainingCheckpoint last, RecommenderFactors start, int halfSweeps)
    {
        if (last.Step > halfSweeps)
            throw new ArgumentException($"DistributedAls '{run}': its checkpoint is at half-sweep {last.Step}, past the {halfSweeps} asked for (Clear it to start again)", nameof(halfSweeps));
        var t = last.Theta;
        if ((t.Rank, t.Users, t.Items, t.Biased) != (start.Rank, start.Users, start.Items, start.Biased))
            throw new ArgumentException($"DistributedAls '{run}': its checkpoint holds factors of k = {t.Rank}, m = {t.Users}, n = {t.Items}, biased {t.Biased}; the start has k = {start.Rank}, m = {start.Users}, n = {start.Items}, biased {start.Biased}", nameof(start));
    }

    Task<T[]> Gather<T>(string what, Func<int, Task<T>> call) => Shards.Gather(nameof(DistributedAls), what, Source.Shards, Timeout, call);
}
