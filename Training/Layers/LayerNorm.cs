namespace AutoDiff.Functional.Training;

/// <summary>Layer normalisation (Ba, Kiros and Hinton 2016), <c>torch.nn.LayerNorm</c> over the last axis: each sample's
/// features x (f) become (x − μ)/√(σ² + ε)·γ + β, with μ and σ² the mean and the biased variance of that sample's
/// features, γ ("weight", starting at ones) and β ("bias", zeros) of length f.</summary>
public sealed class LayerNorm : Layer
{
    /// <summary>Normalises <paramref name="features"/> features with ε = <paramref name="epsilon"/>.</summary>
    public LayerNorm(int features, double epsilon = 1e-5)
    {
        Features = features > 0 ? features : throw new ArgumentOutOfRangeException(nameof(features), features, "LayerNorm: the number of features must be positive");
        Epsilon = epsilon > 0 && double.IsFinite(epsilon) ? epsilon : throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "LayerNorm: ε must be positive and finite");
    }

    /// <summary>f, the last axis.</summary>
    public int Features { get; }
    /// <summary>ε, added to the variance.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    public override Parameters Init(Key key) =>
        Parameters.Of(("weight", Tensor.Filled(Shape.Vector(Features), 1)), ("bias", Tensor.Zeros(Shape.Vector(Features))));

    /// <inheritdoc/>
    protected internal override Node Forward(Scope parameters, Node x)
    {
        var rows = Batch.Rows(this, x, Features);
        var flat = Batch.Flat(x, Features);
        Node y;
        if (rows is null)
        {
            var centred = flat - flat.Mean();
            y = centred / (centred.Square().Mean() + Epsilon).Sqrt() * parameters["weight"] + parameters["bias"];
        }
        else
        {
            int f = Features, n = rows.Value;
            var centred = flat - flat.Mean(1).BroadcastColumns(f);
            var scale = (centred.Square().Mean(1) + Epsilon).Sqrt().BroadcastColumns(f);
            y = centred / scale * parameters["weight"].BroadcastRows(n) + parameters["bias"].BroadcastRows(n);
        }
        return Batch.Unflat(y, x, Features);
    }

    /// <inheritdoc/>
    public override string ToString() => $"LayerNorm({Features})";
}
