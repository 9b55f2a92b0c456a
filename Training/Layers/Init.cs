namespace AutoDiff.Functional.Training;

/// <summary>How a layer's parameter starts: a tensor of <paramref name="shape"/> drawn from <paramref name="key"/>.
/// A matrix (in × out) has fan-in its rows and fan-out its columns, as a <see cref="Linear"/> kernel.</summary>
/// <remarks>Float64 now; an element type would come as one more argument here, the draws unchanged.</remarks>
public delegate Tensor Initialiser(Key key, Shape shape);

/// <summary>The usual initialisers (<c>torch.nn.init</c>, <c>jax.nn.initializers</c>), each a function of an explicit
/// key: the same key gives the same tensor.</summary>
public static class Init
{
    /// <summary>All zeros (biases).</summary>
    public static Initialiser Zeros { get; } = Of((_, shape) => Tensor.Zeros(shape));

    /// <summary>All ones (a <see cref="LayerNorm"/>'s scale).</summary>
    public static Initialiser Ones { get; } = Of((_, shape) => Tensor.Filled(shape, 1));

    /// <summary>Normal with mean 0 and standard deviation <paramref name="std"/>.</summary>
    public static Initialiser Normal(double std = 1) => std >= 0 && double.IsFinite(std)
        ? Of((key, shape) => Draw(shape, key.Normal(shape.Size), std))
        : throw new ArgumentOutOfRangeException(nameof(std), std, "Init.Normal: the standard deviation must be finite and ≥ 0");

    /// <summary>Uniform on [−<paramref name="limit"/>, <paramref name="limit"/>).</summary>
    public static Initialiser Uniform(double limit) => limit >= 0 && double.IsFinite(limit)
        ? Of((key, shape) => Draw(shape, Array.ConvertAll(key.Uniform(shape.Size), u => 2 * u - 1), limit))
        : throw new ArgumentOutOfRangeException(nameof(limit), limit, "Init.Uniform: the limit must be finite and ≥ 0");

    /// <summary>Glorot and Bengio (2010), "Xavier": uniform with variance 2 / (fan-in + fan-out), i.e. limit
    /// √(6 / (fan-in + fan-out)). Keeps the variance of activations and of gradients alike through tanh layers.</summary>
    public static Initialiser GlorotUniform { get; } = Of((key, shape) =>
        Uniform(Math.Sqrt(6.0 / (FanIn(shape) + FanOut(shape))))(key, shape));

    /// <summary>Glorot's normal variant: standard deviation √(2 / (fan-in + fan-out)).</summary>
    public static Initialiser GlorotNormal { get; } = Of((key, shape) =>
        Normal(Math.Sqrt(2.0 / (FanIn(shape) + FanOut(shape))))(key, shape));

    /// <summary>He et al. (2015), "Kaiming": normal with standard deviation √(2 / fan-in), for ReLU layers.</summary>
    public static Initialiser HeNormal { get; } = Of((key, shape) => Normal(Math.Sqrt(2.0 / FanIn(shape)))(key, shape));

    /// <summary>He's uniform variant: limit √(6 / fan-in).</summary>
    public static Initialiser HeUniform { get; } = Of((key, shape) => Uniform(Math.Sqrt(6.0 / FanIn(shape)))(key, shape));

    /// <summary>Fan-in: a matrix's rows (inputs); a vector's length; for rank r &gt; 2 (a receptive field first), the
    /// product of all axes but the last; 1 for a scalar or an empty tensor.</summary>
    public static int FanIn(Shape shape) => Math.Max(1, (shape ?? throw new ArgumentNullException(nameof(shape))).Rank switch
    {
        0 => 1,
        1 => shape[0],
        _ => shape[shape.Rank - 1] == 0 ? 0 : shape.Size / shape[shape.Rank - 1],
    });

    /// <summary>Fan-out: the last axis (outputs), a vector's length; 1 for a scalar or an empty axis.</summary>
    public static int FanOut(Shape shape) => (shape ?? throw new ArgumentNullException(nameof(shape))).Rank == 0 ? 1 : Math.Max(1, shape[shape.Rank - 1]);

    /// <summary>An initialiser that names a null shape.</summary>
    static Initialiser Of(Func<Key, Shape, Tensor> draw) => (key, shape) => draw(key, shape ?? throw new ArgumentNullException(nameof(shape)));

    static Tensor Draw(Shape shape, double[] unit, double scale)
    {
        for (int i = 0; i < unit.Length; i++) unit[i] *= scale;
        return Tensor.FromColumnMajor(shape, unit);
    }
}
