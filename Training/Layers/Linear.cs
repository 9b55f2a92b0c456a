namespace AutoDiff.Functional.Training;

/// <summary>A fully connected layer, <c>torch.nn.Linear</c> (Flax's <c>Dense</c>): y = x·W + b for an input whose last
/// axis holds <see cref="In"/> features (one sample (in), a batch of rows (n × in), or more leading axes). The kernel W
/// is (in × out), Flax's layout and name ("kernel"; PyTorch's "weight" is its transpose), the bias b (out).</summary>
public sealed class Linear : Layer
{
    /// <summary>A layer from <paramref name="inputs"/> features to <paramref name="outputs"/>; the kernel starts from
    /// <paramref name="kernelInit"/> (Glorot uniform when null), the bias from zeros.</summary>
    public Linear(int inputs, int outputs, bool bias = true, Initialiser? kernelInit = null)
    {
        In = inputs > 0 ? inputs : throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "Linear: the number of inputs must be positive");
        Out = outputs > 0 ? outputs : throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "Linear: the number of outputs must be positive");
        HasBias = bias;
        KernelInit = kernelInit ?? Training.Init.GlorotUniform;
    }

    /// <summary>Input features.</summary>
    public int In { get; }
    /// <summary>Output features.</summary>
    public int Out { get; }
    /// <summary>Whether b is added.</summary>
    public bool HasBias { get; }
    /// <summary>How the kernel starts.</summary>
    public Initialiser KernelInit { get; }

    /// <inheritdoc/>
    public override Parameters Init(Key key)
    {
        var kernel = ("kernel", KernelInit(key.Fold("kernel"), Shape.Matrix(In, Out)));
        return HasBias ? Parameters.Of(kernel, ("bias", Training.Init.Zeros(key.Fold("bias"), Shape.Vector(Out)))) : Parameters.Of(kernel);
    }

    /// <inheritdoc/>
    protected internal override Node Forward(Scope parameters, Node x)
    {
        var rows = Batch.Rows(this, x, In);
        var y = Batch.Flat(x, In).MatMul(parameters["kernel"]);
        if (HasBias) y += rows is null ? parameters["bias"] : parameters["bias"].BroadcastRows(rows.Value);
        return Batch.Unflat(y, x, Out);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Linear({In} → {Out}{(HasBias ? "" : ", no bias")})";
}

/// <summary>Layers that act on the last axis fold the leading ones into rows, and unfold them after.</summary>
static class Batch
{
    /// <summary>The rows the leading axes make (null for one sample, a vector), after checking the last axis.</summary>
    public static int? Rows(Layer layer, Node x, int features)
    {
        if (x.Shape.Rank == 0 || x.Shape[x.Shape.Rank - 1] != features)
            throw new ShapeException($"{layer}: the input {x.Shape} should have {features} features in its last axis");
        return x.Shape.Rank == 1 ? null : x.Shape.Size / features;
    }

    public static Node Flat(Node x, int features) =>
        x.Shape.Rank <= 2 ? x : x.Reshape(Shape.Matrix(x.Shape.Size / features, features));

    public static Node Unflat(Node y, Node x, int features)
    {
        if (x.Shape.Rank <= 2) return y;
        var dims = Enumerable.Range(0, x.Shape.Rank).Select(a => x.Shape[a]).ToArray();
        dims[^1] = features;
        return y.Reshape(Shape.Of(dims));
    }
}
