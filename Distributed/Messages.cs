using AutoDiff.Functional.Models;

namespace AutoDiff.Functional.Distributed;

/// <summary>Where a shard's ratings come from: the shard reads the whole source and keeps the ratings of its users
/// (user mod shards = its index), so a grain reactivated on another silo reloads its shard from the source itself and
/// no ratings travel in messages. Either planted ratings (<see cref="PlantedRatings"/> with these sizes and seed) or a
/// MovieLens <c>ratings.csv</c> at <see cref="Path"/>, readable from every silo.</summary>
[GenerateSerializer, Immutable]
public sealed class RatingSource
{
    /// <summary>m of planted ratings.</summary>
    [Id(0)] public int Users { get; init; }
    /// <summary>n of planted ratings.</summary>
    [Id(1)] public int Items { get; init; }
    /// <summary>The planted rank.</summary>
    [Id(2)] public int Rank { get; init; }
    /// <summary>The number of planted ratings.</summary>
    [Id(3)] public int Count { get; init; }
    /// <summary>The planted data's seed.</summary>
    [Id(4)] public int Seed { get; init; }
    /// <summary>A MovieLens ratings.csv instead of planted ratings, or null.</summary>
    [Id(5)] public string? Path { get; init; }
    /// <summary>How many shards split the users.</summary>
    [Id(6)] public int Shards { get; init; }

    /// <summary>Planted ratings split over <paramref name="shards"/> shards.</summary>
    public static RatingSource Planted(int users, int items, int rank, int count, int seed, int shards) =>
        new() { Users = users, Items = items, Rank = rank, Count = count, Seed = seed, Shards = shards };

    /// <summary>A MovieLens file split over <paramref name="shards"/> shards.</summary>
    public static RatingSource MovieLensFile(string path, int shards) => new() { Path = path, Shards = shards };

    /// <summary>All the source's ratings (what each shard reads before keeping its own).</summary>
    public Ratings ReadAll()
    {
        if (Path is null) return new PlantedRatings(Users, Items, Rank).Generate(Count, Seed);
        using var reader = File.OpenText(Path);
        return MovieLens.Read(reader).Ratings;
    }

    /// <summary>What shard <paramref name="index"/> (called <paramref name="shard"/> in errors) reads before it keeps
    /// its own ratings: all of them, or an error naming the shard and the source.</summary>
    internal Ratings ReadFor(string shard, int index)
    {
        if (Shards <= 0 || index < 0 || index >= Shards)
            throw new ArgumentOutOfRangeException("source", $"{shard}: not a shard of the {Shards} of {this}");
        try { return ReadAll(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new InvalidOperationException($"{shard}: cannot load its ratings from {this}: {e.Message}", e);
        }
    }

    /// <summary>Whether a shard that loaded from <paramref name="held"/> already holds this source's ratings (a Load
    /// repeated before every step is then free).</summary>
    internal bool IsHeldBy(RatingSource? held) => held?.ToString() == ToString();

    /// <summary>The ratings of shard <paramref name="shard"/>'s users, in their order in the source, with the source's
    /// m and n (so gradients have the whole model's layout).</summary>
    public Ratings Shard(Ratings all, int shard) => all.Take(Positions(all, shard));

    /// <summary>Where shard <paramref name="shard"/>'s ratings are in the source, in order: what a minibatch's seeded
    /// choice of ratings is keyed by, so the batches do not depend on the number of shards.</summary>
    public int[] Positions(Ratings all, int shard)
    {
        ArgumentNullException.ThrowIfNull(all);
        return [.. Enumerable.Range(0, all.Count).Where(p => all.User[p] % Shards == shard)];
    }

    /// <summary>The ratings of shard <paramref name="shard"/>'s items (item mod shards = shard), in their order in the
    /// source: the second partition, by item, that distributed ALS's item half-sweep reads.</summary>
    public Ratings ShardByItem(Ratings all, int shard)
    {
        ArgumentNullException.ThrowIfNull(all);
        var keep = Enumerable.Range(0, all.Count).Where(p => all.Item[p] % Shards == shard).ToArray();
        return all.Take(keep);
    }

    /// <inheritdoc/>
    public override string ToString() => Path is null
        ? $"planted m = {Users}, n = {Items}, k = {Rank}, {Count} ratings, seed {Seed}, {Shards} shards"
        : $"MovieLens '{Path}', {Shards} shards";
}

/// <summary>The recommender's factors (or a gradient) as a message: <see cref="RecommenderFactors"/>' arrays.</summary>
[GenerateSerializer, Immutable]
public sealed class FactorsMessage
{
    [Id(0)] public int Rank { get; init; }
    [Id(1)] public int Users { get; init; }
    [Id(2)] public int Items { get; init; }
    [Id(3)] public bool Biased { get; init; }
    [Id(4)] public double[] P { get; init; } = [];
    [Id(5)] public double[] Q { get; init; } = [];
    [Id(6)] public double[] B { get; init; } = [];
    [Id(7)] public double[] C { get; init; } = [];
    [Id(8)] public double Mu { get; init; }

    /// <summary>The message of <paramref name="f"/> (its arrays, not copies: the sender must not change them until the
    /// call returns).</summary>
    public static FactorsMessage Of(RecommenderFactors f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new() { Rank = f.Rank, Users = f.Users, Items = f.Items, Biased = f.Biased, P = f.P, Q = f.Q, B = f.B, C = f.C, Mu = f.Mu };
    }

    /// <summary>The factors (copied into a fresh set).</summary>
    public RecommenderFactors ToFactors()
    {
        var f = new RecommenderFactors(Rank, Users, Items, Biased) { Mu = Mu };
        foreach (var (from, to) in new[] { P, Q, B, C }.Zip(f.Arrays())) from.CopyTo(to, 0);
        return f;
    }
}

/// <summary>A shard's part of L (the squared errors of its ratings, no regulariser) and of ∇L.</summary>
[GenerateSerializer, Immutable]
public sealed class ShardGradient
{
    [Id(0)] public int Shard { get; init; }
    [Id(1)] public int Ratings { get; init; }
    [Id(2)] public double Loss { get; init; }
    [Id(3)] public FactorsMessage Gradient { get; init; } = new();
    /// <summary>The silo that computed it (Orleans' runtime identity), so a run can tell where its shards live.</summary>
    [Id(4)] public string Silo { get; init; } = "";
}

/// <summary>A training run as checkpointed to the grain-state provider after each step: the step count, the factors θ
/// and the optimiser's state (the momentum buffer v of θ ← θ − η(βv + ∇L)). Enough to resume the run bit for bit. For
/// <see cref="DistributedAls.Train"/> the step counts half-sweeps and v and the losses are empty (ALS keeps no state
/// beyond θ and μ).</summary>
[GenerateSerializer, Immutable]
public sealed class TrainingCheckpoint
{
    /// <summary>Steps taken.</summary>
    [Id(0)] public int Step { get; init; }
    /// <summary>θ after <see cref="Step"/> steps.</summary>
    [Id(1)] public FactorsMessage Theta { get; init; } = new();
    /// <summary>The momentum buffer v after <see cref="Step"/> steps.</summary>
    [Id(2)] public FactorsMessage Velocity { get; init; } = new();
    /// <summary>L before each step taken, in order.</summary>
    [Id(3)] public double[] Losses { get; init; } = [];
}

/// <summary>A fixed, seeded order of minibatches: in epoch e the rating at position p of the source is in batch
/// h(seed, e, p) mod <see cref="Batches"/>, h a 64-bit mix (SplitMix64's finaliser), and step t takes batch t mod B of
/// epoch ⌊t / B⌋. Each epoch's batches split the ratings (about |Ω|/B each, drawn afresh every epoch); a shard finds its
/// part of a batch from its own ratings' positions, so the batches are the same whatever the shards and silos.</summary>
[GenerateSerializer, Immutable]
public sealed record MinibatchOrder([property: Id(0)] int Batches, [property: Id(1)] int Seed)
{
    /// <summary>The batch of epoch <paramref name="epoch"/> that holds the rating at <paramref name="position"/>.</summary>
    public int BatchOf(int epoch, int position)
    {
        ulong z = ((ulong)(uint)Seed << 32 | (uint)epoch) * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)position * 0xD1B54A32D192ED03UL;
        z = (z ^ z >> 30) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ z >> 27) * 0x94D049BB133111EBUL;
        return (int)((z ^ z >> 31) % (ulong)Batches);
    }

    /// <summary>Which of <paramref name="positions"/> (ascending) are in step <paramref name="step"/>'s batch: indices
    /// into <paramref name="positions"/>, in order.</summary>
    public int[] Select(ReadOnlySpan<int> positions, int step)
    {
        if (Batches <= 0) throw new ArgumentOutOfRangeException(nameof(Batches), Batches, "MinibatchOrder: the number of batches must be positive");
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        int epoch = step / Batches, batch = step % Batches;
        var keep = new List<int>();
        for (int x = 0; x < positions.Length; x++)
            if (BatchOf(epoch, positions[x]) == batch) keep.Add(x);
        return [.. keep];
    }
}
