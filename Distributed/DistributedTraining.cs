using AutoDiff.Functional.Models;

namespace AutoDiff.Functional.Distributed;

/// <summary>A training run of synchronous full-batch steps (or minibatch steps: <see cref="Minibatches"/>) with momentum,
/// θ ← θ − ηv with v ← βv + ∇L(θ), checkpointed after every step to the run's <see cref="ICheckpoint"/> grain (the
/// grain-state provider: Redis in a cluster). A run started under a name that has a checkpoint resumes from it, so a
/// lost driver loses no steps; a lost silo loses no steps either (<see cref="DistributedFullBatch"/> retries the step,
/// its shards reloaded elsewhere). Every step's sum runs in shard order, so an interrupted run, resumed or retried, ends
/// on the same bits as an uninterrupted one.</summary>
public sealed class DistributedTraining
{
    readonly IGrainFactory grains;

    /// <summary>The gradient's driver (its <see cref="DistributedFullBatch.Attempts"/> and timeouts also govern the
    /// checkpoint's reads and writes).</summary>
    public DistributedFullBatch Batch { get; }
    /// <summary>The run's name: the key of its checkpoint.</summary>
    public string Run { get; }
    /// <summary>η.</summary>
    public double Rate { get; }
    /// <summary>β.</summary>
    public double Momentum { get; }
    /// <summary>Minibatch steps in this fixed, seeded order instead of full-batch steps (null): step t's gradient is
    /// that of its batch (<see cref="DistributedFullBatch.BatchValueAndGradient"/>). A step still changes nothing until
    /// every shard has answered and is checkpointed, so a run resumed or retried ends on the uninterrupted bits.</summary>
    public MinibatchOrder? Minibatches { get; init; }

    /// <summary>A run named <paramref name="run"/> of steps with rate η and momentum β ∈ [0, 1).</summary>
    public DistributedTraining(IGrainFactory grains, DistributedFullBatch batch, string run, double rate, double momentum = 0.9)
    {
        this.grains = grains ?? throw new ArgumentNullException(nameof(grains));
        Batch = batch ?? throw new ArgumentNullException(nameof(batch));
        if (string.IsNullOrWhiteSpace(run)) throw new ArgumentException("DistributedTraining: the run needs a name (its checkpoint's key)", nameof(run));
        if (!(rate > 0 && double.IsFinite(rate))) throw new ArgumentOutOfRangeException(nameof(rate), rate, "DistributedTraining: η must be finite and > 0");
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "DistributedTraining: β must be in [0, 1)");
        (Run, Rate, Momentum) = (run, rate, momentum);
    }

    ICheckpoint Checkpoint => grains.GetGrain<ICheckpoint>(Run);

    /// <summary>The run's last checkpoint, read from the provider, or null.</summary>
    public Task<TrainingCheckpoint?> Last() => Batch.Retrying(() => Checkpoint.Load());

    /// <summary>Forgets the run's checkpoint.</summary>
    public Task Clear() => Batch.Retrying(async () => { await Checkpoint.Clear(); return 0; });

    /// <summary>Takes steps until <paramref name="steps"/> have been taken, from the run's checkpoint if it has one, else
    /// from <paramref name="start"/> (not changed) with v = 0; checkpoints after each step, then calls
    /// <paramref name="afterStep"/> (step number, L before it) if given. Returns the final checkpoint.</summary>
    public async Task<TrainingCheckpoint> Train(RecommenderFactors start, int steps, Func<int, double, Task>? afterStep = null)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var last = await Last();
        if (last is not null && last.Step > steps)
            throw new ArgumentException($"DistributedTraining '{Run}': its checkpoint is at step {last.Step}, past the {steps} steps asked for (Clear it to start again)", nameof(steps));
        if (last is not null && (last.Theta.Rank, last.Theta.Users, last.Theta.Items, last.Theta.Biased) != (start.Rank, start.Users, start.Items, start.Biased))
            throw new ArgumentException($"DistributedTraining '{Run}': its checkpoint holds factors of k = {last.Theta.Rank}, m = {last.Theta.Users}, n = {last.Theta.Items}, biased {last.Theta.Biased}; the start has k = {start.Rank}, m = {start.Users}, n = {start.Items}, biased {start.Biased}", nameof(start));
        var theta = last?.Theta.ToFactors() ?? Copy(start);
        var velocity = last?.Velocity.ToFactors() ?? start.ZerosLike();
        var losses = new List<double>(last?.Losses ?? []);
        for (int step = last?.Step ?? 0; step < steps;)
        {
            var (loss, g) = Minibatches is null ? await Batch.ValueAndGradient(theta) : await Batch.BatchValueAndGradient(theta, Minibatches, step);
            foreach (var (a, (v, ga)) in theta.Arrays().Zip(velocity.Arrays().Zip(g.Arrays())).Take(theta.Biased ? 4 : 2))
                for (int x = 0; x < a.Length; x++)
                {
                    v[x] = Momentum * v[x] + ga[x];
                    a[x] -= Rate * v[x];
                }
            velocity.Mu = Momentum * velocity.Mu + g.Mu;
            theta.Mu -= Rate * velocity.Mu;
            losses.Add(loss);
            step++;
            // Copies: the provider (or a grain in this process) must not see θ change under it.
            last = new TrainingCheckpoint { Step = step, Theta = FactorsMessage.Of(Copy(theta)), Velocity = FactorsMessage.Of(Copy(velocity)), Losses = [.. losses] };
            var saved = last;
            await Batch.Retrying(async () => { await Checkpoint.Save(saved); return 0; });
            if (afterStep is not null) await afterStep(step, loss);
        }
        return last ?? new TrainingCheckpoint { Step = 0, Theta = FactorsMessage.Of(Copy(start)), Velocity = FactorsMessage.Of(start.ZerosLike()) };
    }

    /// <summary>A copy of <paramref name="f"/>.</summary>
    public static RecommenderFactors Copy(RecommenderFactors f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var c = f.ZerosLike();
        foreach (var (a, b) in f.Arrays().Zip(c.Arrays()).Take(f.Biased ? 4 : 2)) a.CopyTo(b, 0);
        c.Mu = f.Mu;
        return c;
    }
}
