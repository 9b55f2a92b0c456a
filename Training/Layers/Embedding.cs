namespace AutoDiff.Functional.Training;

/// <summary>A lookup table, <c>torch.nn.Embedding</c>: row i of the weight (count × dim) for each int32 index i of the
/// input, a vector of n indices giving (n × dim). The weight starts standard normal, as PyTorch's. Indices are data:
/// bind them per batch as an int32 variable; each is checked against <see cref="Count"/> on every run.</summary>
public sealed class Embedding : Layer
{
    /// <summary>A table of <paramref name="count"/> rows of <paramref name="dimension"/> features.</summary>
    public Embedding(int count, int dimension, Initialiser? init = null)
    {
        Count = count > 0 ? count : throw new ArgumentOutOfRangeException(nameof(count), count, "Embedding: the number of rows must be positive");
        Dimension = dimension > 0 ? dimension : throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Embedding: the dimension must be positive");
        WeightInit = init ?? Training.Init.Normal(1);
    }

    /// <summary>Rows of the table (the number of distinct indices).</summary>
    public int Count { get; }
    /// <summary>Features per row.</summary>
    public int Dimension { get; }
    /// <summary>How the table starts.</summary>
    public Initialiser WeightInit { get; }

    /// <inheritdoc/>
    public override Parameters Init(Key key) => Parameters.Of(("weight", WeightInit(key.Fold("weight"), Shape.Matrix(Count, Dimension))));

    /// <inheritdoc/>
    protected internal override Node Forward(Scope parameters, Node x)
    {
        if (x.DType != DType.Int32 || x.Shape.Rank != 1)
            throw new ShapeException($"{this}: the input {x} should be a vector of int32 indices (declare it Node.Variable(name, shape, DType.Int32))");
        return parameters["weight"].GatherRows(x);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Embedding({Count}, {Dimension})";
}
