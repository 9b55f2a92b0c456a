using AutoDiff.Functional.Models;

namespace AutoDiff.Functional.Distributed;

/// <summary>A shard of one side of the factors for distributed ALS, keyed "users/s" or "items/s": it owns the rows of
/// that side with row mod S = s (P's columns, and b, for a user shard; Q's and c for an item shard) and the ratings of
/// those rows, a second partition of the same source for the items. A half-sweep pulls from the other side's shards
/// only the rows its ratings touch (sparse row traffic), then solves its own rows on its silo.</summary>
public interface IAlsShard : IGrainWithStringKey
{
    /// <summary>Reads <paramref name="source"/> and keeps the ratings of this shard's rows; returns how many.</summary>
    Task<int> Load(RatingSource source);

    /// <summary>Takes this shard's rows of <paramref name="theta"/> as its starting factors.</summary>
    Task Start(FactorsMessage theta);

    /// <summary>The factors and biases of <paramref name="rows"/>, rows of this shard's side that it owns.</summary>
    Task<RowsMessage> Rows(int[] rows);

    /// <summary>Pulls the other side's rows that this shard's ratings touch from their owners, takes μ as given, and
    /// returns its part of Σ(r − r̂) (the driver's μ step) and how many rows it pulled.</summary>
    Task<PullResult> Pull(double mu);

    /// <summary>Sets each of its own rows to its minimiser with the pulled rows and <paramref name="mu"/> held.</summary>
    Task Solve(double mu, double lambda);
}

/// <summary>Rows of one side: their indices, k factors each (row after row) and their biases (empty without).</summary>
[GenerateSerializer, Immutable]
public sealed class RowsMessage
{
    /// <summary>The rows' indices.</summary>
    [Id(0)] public int[] Rows { get; init; } = [];
    /// <summary>k values a row, row after row.</summary>
    [Id(1)] public double[] Factors { get; init; } = [];
    /// <summary>A bias a row (empty without biases).</summary>
    [Id(2)] public double[] Biases { get; init; } = [];
}

/// <summary>A shard's answer to a pull: its part of Σ(r − r̂), the rows it pulled and their bytes of values, and the
/// silo it runs on (Orleans' runtime identity).</summary>
[GenerateSerializer, Immutable]
public sealed record PullResult([property: Id(0)] double ResidualSum, [property: Id(1)] int Rows, [property: Id(2)] long Bytes, [property: Id(3)] string Silo);

/// <summary>The shard grain. Its ratings and rows live in memory only: a lost silo loses them, and its shards come back
/// on another silo empty (a call then fails with "no factors"); <see cref="DistributedAls.Train"/> has every shard reload
/// its ratings from the source and take the rows of the last checkpoint.</summary>
public sealed class AlsShardGrain : Grain, IAlsShard
{
    RatingSource? source;
    Ratings? ratings;
    Als? solver;
    RecommenderFactors? factors;   // the whole layout: this shard's rows, the pulled rows of the other side, μ
    int[] own = [];
    int[][] touched = [];          // the other side's rows its ratings touch, by owning shard

    bool Users => this.GetPrimaryKeyString().StartsWith("users/", StringComparison.Ordinal);
    int Index => int.Parse(this.GetPrimaryKeyString().AsSpan(this.GetPrimaryKeyString().IndexOf('/') + 1), System.Globalization.CultureInfo.InvariantCulture);
    string Name => $"AlsShard {this.GetPrimaryKeyString()}";

    /// <summary>The grain key of shard <paramref name="index"/> of a side.</summary>
    public static string Key(bool users, int index) => $"{(users ? "users" : "items")}/{index}";

    /// <inheritdoc/>
    public Task<int> Load(RatingSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (ratings is not null && source.IsHeldBy(this.source)) return Task.FromResult(ratings.Count);
        var all = source.ReadFor(Name, Index);
        (this.source, ratings) = (source, Users ? source.Shard(all, Index) : source.ShardByItem(all, Index));
        int rows = Users ? all.Users : all.Items, shards = source.Shards;
        own = [.. Enumerable.Range(0, rows).Where(r => r % shards == Index)];
        var others = Users ? ratings.Item : ratings.User;
        touched = [.. Enumerable.Range(0, shards).Select(t => others.Where(o => o % shards == t).Distinct().Order().ToArray())];
        (solver, factors) = (null, null);
        return Task.FromResult(ratings.Count);
    }

    /// <inheritdoc/>
    public Task Start(FactorsMessage theta)
    {
        ArgumentNullException.ThrowIfNull(theta);
        if (ratings is null) throw new InvalidOperationException($"{Name}: no ratings loaded (call Load first)");
        if (theta.Users != ratings.Users || theta.Items != ratings.Items)
            throw new ArgumentException($"{Name}: factors of m = {theta.Users}, n = {theta.Items} for ratings of m = {ratings.Users}, n = {ratings.Items}");
        factors = theta.ToFactors();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<RowsMessage> Rows(int[] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var f = Started();
        int k = f.Rank;
        var (from, biases) = Users ? (f.P, f.B) : (f.Q, f.C);
        var (values, b) = (new double[rows.Length * k], f.Biased ? new double[rows.Length] : []);
        for (int x = 0; x < rows.Length; x++)
        {
            if (rows[x] % source!.Shards != Index) throw new ArgumentException($"{Name}: row {rows[x]} is not one of its rows");
            from.AsSpan(rows[x] * k, k).CopyTo(values.AsSpan(x * k, k));
            if (f.Biased) b[x] = biases[rows[x]];
        }
        return Task.FromResult(new RowsMessage { Rows = rows, Factors = values, Biases = b });
    }

    /// <inheritdoc/>
    public async Task<PullResult> Pull(double mu)
    {
        var f = Started();
        int k = f.Rank, pulled = 0;
        long bytes = 0;
        var (into, biases) = Users ? (f.Q, f.C) : (f.P, f.B);
        var answers = await Task.WhenAll(touched.Select((rows, t) =>
            rows.Length == 0 ? Task.FromResult(new RowsMessage()) : GrainFactory.GetGrain<IAlsShard>(AlsShardGrain.Key(!Users, t)).Rows(rows)));
        foreach (var answer in answers)
        {
            for (int x = 0; x < answer.Rows.Length; x++)
            {
                answer.Factors.AsSpan(x * k, k).CopyTo(into.AsSpan(answer.Rows[x] * k, k));
                if (f.Biased) biases[answer.Rows[x]] = answer.Biases[x];
            }
            pulled += answer.Rows.Length;
            bytes += 8L * (answer.Factors.Length + answer.Biases.Length);
        }
        f.Mu = mu;
        // The residual sum does not depend on λ: any solver over these ratings will do until Solve names its λ.
        return new PullResult(f.Biased ? (solver ??= new Als(ratings!, 1, threads: 1)).ResidualSum(f) : 0, pulled, bytes, RuntimeIdentity);
    }

    /// <inheritdoc/>
    public Task Solve(double mu, double lambda)
    {
        var f = Started();
        f.Mu = mu;
        if (solver is null || solver.Lambda != lambda) solver = new Als(ratings!, lambda, threads: 1);
        solver.SolveRows(f, Users, own);
        return Task.CompletedTask;
    }

    RecommenderFactors Started() =>
        factors ?? throw new InvalidOperationException($"{Name}: no factors (call Load and Start first)");
}
