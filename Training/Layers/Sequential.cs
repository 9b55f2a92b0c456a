namespace AutoDiff.Functional.Training;

/// <summary>Layers in a row, <c>torch.nn.Sequential</c>: layer i's parameters sit under "i." in the tree ("0.kernel").</summary>
public sealed class Sequential : Layer
{
    readonly Layer[] layers;

    /// <summary>The layers, applied first to last.</summary>
    public Sequential(params Layer[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        for (int i = 0; i < layers.Length; i++) ArgumentNullException.ThrowIfNull(layers[i], $"layers[{i}]");
        this.layers = [.. layers];
    }

    /// <summary>The layers.</summary>
    public IReadOnlyList<Layer> Layers => layers;

    /// <inheritdoc/>
    public override Parameters Init(Key key) =>
        Parameters.Nest([.. layers.Select((layer, i) => ($"{i}", layer.Init(key.Fold(i))))]);

    /// <inheritdoc/>
    protected internal override Node Forward(Scope parameters, Node x)
    {
        for (int i = 0; i < layers.Length; i++) x = parameters.Apply($"{i}", layers[i], x);
        return x;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Sequential({string.Join(", ", layers.Select(l => l.ToString()))})";
}

/// <summary>An element-wise function as a layer without parameters: <see cref="Relu"/>, <see cref="Tanh"/>, …</summary>
public sealed class Activation : Layer
{
    readonly Func<Node, Node> function;
    readonly string name;

    /// <summary>The layer applying <paramref name="function"/>, shown as <paramref name="name"/>.</summary>
    public Activation(string name, Func<Node, Node> function) =>
        (this.name, this.function) = (name ?? throw new ArgumentNullException(nameof(name)), function ?? throw new ArgumentNullException(nameof(function)));

    /// <summary>max(x, 0).</summary>
    public static Activation Relu { get; } = new("Relu", x => x.Relu());
    /// <summary>tanh x.</summary>
    public static Activation Tanh { get; } = new("Tanh", x => x.Tanh());
    /// <summary>σ(x) = 1/(1 + e⁻ˣ).</summary>
    public static Activation Sigmoid { get; } = new("Sigmoid", x => x.Sigmoid());
    /// <summary>log(1 + eˣ).</summary>
    public static Activation Softplus { get; } = new("Softplus", x => x.Softplus());

    /// <inheritdoc/>
    public override Parameters Init(Key key) => Parameters.Of();

    /// <inheritdoc/>
    protected internal override Node Forward(Scope parameters, Node x) => function(x);

    /// <inheritdoc/>
    public override string ToString() => name;
}

/// <summary>A multilayer perceptron (Equinox's <c>MLP</c>): <see cref="Linear"/> layers of the given widths with an
/// activation between them and none after the last, as a <see cref="Sequential"/> ("0.kernel", "2.kernel", …).</summary>
public sealed class Mlp : Layer
{
    readonly Sequential layers;

    /// <summary>Widths <paramref name="sizes"/> = [inputs, hidden…, outputs] (at least two), <paramref name="activation"/>
    /// (ReLU when null) between layers, kernels from <paramref name="kernelInit"/> (Glorot uniform when null).</summary>
    public Mlp(int[] sizes, Activation? activation = null, Initialiser? kernelInit = null)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Length < 2) throw new ArgumentException($"Mlp: {sizes.Length} sizes; give the inputs, any hidden widths and the outputs", nameof(sizes));
        Sizes = [.. sizes];
        var list = new List<Layer>();
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            if (i > 0) list.Add(activation ?? Activation.Relu);
            list.Add(new Linear(sizes[i], sizes[i + 1], kernelInit: kernelInit));
        }
        layers = new([.. list]);
    }

    /// <summary>The widths, inputs first.</summary>
    public IReadOnlyList<int> Sizes { get; }

    /// <inheritdoc/>
    public override Parameters Init(Key key) => layers.Init(key);

    /// <inheritdoc/>
    protected internal override Node Forward(Scope parameters, Node x) => layers.Forward(parameters, x);

    /// <inheritdoc/>
    public override string ToString() => $"Mlp({string.Join(" → ", Sizes)})";
}
