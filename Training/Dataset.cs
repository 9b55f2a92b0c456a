namespace AutoDiff.Functional.Training;

/// <summary>Named data tensors that share their first axis: row i of every tensor is sample i (a vector's element i,
/// a matrix's row i). The names bind the graph's data variables, as <see cref="Parameters"/>' names bind its
/// parameters.</summary>
public sealed class Dataset
{
    readonly string[] names;
    readonly Tensor[] values;

    Dataset(string[] names, Tensor[] values, int rows) => (this.names, this.values, Rows) = (names, values, rows);

    /// <summary>A dataset of the given (name, tensor) pairs, each a vector or a matrix with the same number of rows:
    /// float64 values, or int32 data such as class labels (<c>("labels", Tensor.Indices(…))</c>), which binds a
    /// variable declared <see cref="DType.Int32"/>.</summary>
    public static Dataset Of(params (string Name, Tensor Value)[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Length == 0) throw new ArgumentException("Dataset: no tensors");
        foreach (var (name, value) in entries)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("Dataset: a name is required");
            ArgumentNullException.ThrowIfNull(value, name);
        }
        int rows = entries[0].Value.Shape.Rows;
        foreach (var (name, value) in entries)
        {
            if (value.Shape.Rank is not (1 or 2))
                throw new ArgumentException($"Dataset: '{name}' has shape {value.Shape}; rows of data are vectors or matrices");
            if (value.Shape.Rows != rows)
                throw new ArgumentException($"Dataset: '{name}' {value.Shape} has {value.Shape.Rows} rows but '{entries[0].Name}' {entries[0].Value.Shape} has {rows}");
        }
        if (entries.GroupBy(e => e.Name).FirstOrDefault(g => g.Count() > 1) is { } twice) throw new ArgumentException($"Dataset: '{twice.Key}' appears twice");
        return new([.. entries.Select(e => e.Name)], [.. entries.Select(e => e.Value)], rows);
    }

    /// <summary>The number of samples.</summary>
    public int Rows { get; }
    /// <summary>The names, in order.</summary>
    public IReadOnlyList<string> Names => names;

    /// <summary>The tensor called <paramref name="name"/>, or null.</summary>
    public Tensor? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Array.IndexOf(names, name) is var i and >= 0 ? values[i] : null;
    }

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    public Tensor this[string name] => Find(name) ?? throw new KeyNotFoundException($"Dataset: no '{name}' among {string.Join(", ", names)}");

    /// <summary>The samples at <paramref name="rows"/>, in that order (copied: rows of a column-major matrix are not
    /// contiguous).</summary>
    public Dataset Take(ReadOnlySpan<int> rows)
    {
        foreach (var r in rows)
            if ((uint)r >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(rows), r, $"Dataset.Take: row {r} of {Rows}");
        var taken = new Tensor[values.Length];
        for (int t = 0; t < values.Length; t++)
        {
            int columns = values[t].Shape.Rank == 2 ? values[t].Shape[1] : 1;
            var shape = values[t].Shape.Rank == 2 ? Shape.Matrix(rows.Length, columns) : Shape.Vector(rows.Length);
            taken[t] = values[t].DType == DType.Int32
                ? Tensor.Indices(shape, TakeRows(values[t].Ints, rows, columns))
                : Tensor.FromColumnMajor(shape, TakeRows(values[t].Values, rows, columns));
        }
        return new(names, taken, rows.Length);
    }

    // The rows of a column-major (Rows × columns) array, in the order given.
    T[] TakeRows<T>(ReadOnlySpan<T> source, ReadOnlySpan<int> rows, int columns)
    {
        var o = new T[rows.Length * columns];
        for (int j = 0; j < columns; j++)
            for (int i = 0; i < rows.Length; i++) o[i + j * rows.Length] = source[rows[i] + j * Rows];
        return o;
    }

    /// <summary>Samples <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1.</summary>
    public Dataset Slice(int start, int count) => Take([.. Enumerable.Range(start, count)]);

    /// <summary>0 … n − 1 shuffled by Fisher–Yates with <c>new Random(seed)</c>: the same seed gives the same order.</summary>
    public static int[] Permutation(int n, int seed)
    {
        var order = Enumerable.Range(0, n).ToArray();
        Shuffle(order, seed);
        return order;
    }

    /// <summary><paramref name="order"/> shuffled in place by Fisher–Yates with <c>new Random(seed)</c> (uniform from
    /// any starting order): an epoch's new order without a second array of the data's length.</summary>
    public static void Shuffle(int[] order, int seed)
    {
        ArgumentNullException.ThrowIfNull(order);
        var random = new Random(seed);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    /// <summary>The minibatches of one epoch: the samples in the order <see cref="Permutation"/> gives for
    /// <paramref name="seed"/> (the same seed, the same batches), <paramref name="size"/> at a time, the last batch
    /// holding those left over. Use one seed per epoch (say seed + epoch) for a new order each pass. Lazy: a batch is
    /// copied out only when it is reached.</summary>
    public IEnumerable<Dataset> Batches(int size, int seed)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, $"Dataset.Batches: the batch size must be positive");
        return InBatches(Permutation(Rows, seed), size);
    }

    /// <summary>The minibatches in the data's own order, <paramref name="size"/> at a time (for evaluation).</summary>
    public IEnumerable<Dataset> Batches(int size)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, $"Dataset.Batches: the batch size must be positive");
        return InBatches([.. Enumerable.Range(0, Rows)], size);
    }

    IEnumerable<Dataset> InBatches(int[] order, int size)
    {
        for (int first = 0; first < order.Length; first += size)
            yield return Take(order.AsSpan(first, Math.Min(size, order.Length - first)));
    }

    /// <summary>A seeded split that holds out the fraction <paramref name="heldOut"/> (in (0, 1)) of the samples,
    /// rounded to the nearest whole number of rows and at least one row on each side.</summary>
    public (Dataset Train, Dataset HeldOut) Split(double heldOut, int seed)
    {
        if (!(heldOut is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(heldOut), heldOut, "Dataset.Split: the held-out fraction must be in (0, 1)");
        if (Rows < 2) throw new ArgumentException($"Dataset.Split: {Rows} row cannot be split into two non-empty sets");
        return Split(Math.Clamp((int)Math.Round(heldOut * Rows, MidpointRounding.AwayFromZero), 1, Rows - 1), seed);
    }

    /// <summary>A seeded split into a training set and a held-out set of <paramref name="heldOut"/> samples.</summary>
    public (Dataset Train, Dataset HeldOut) Split(int heldOut, int seed)
    {
        if (heldOut <= 0 || heldOut >= Rows) throw new ArgumentOutOfRangeException(nameof(heldOut), heldOut, $"Dataset.Split: hold out 1 to {Rows - 1} of {Rows} rows");
        var order = Permutation(Rows, seed);
        return (Take(order.AsSpan(heldOut)), Take(order.AsSpan(0, heldOut)));
    }
}
