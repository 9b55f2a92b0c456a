namespace AutoDiff.Functional.Training;

/// <summary>Dropout (Srivastava et al. 2014), <c>torch.nn.Dropout</c>: with a key (training), each element is zeroed
/// with probability <see cref="Rate"/> and the rest scaled by 1/(1 − rate), so the expectation is unchanged; without
/// one (prediction) the identity. The mask is drawn from the key given to <see cref="Layer.Apply"/>, folded with the
/// layer's path, and is a constant of the graph: a graph holds one fixed mask, and a new key makes a new graph with a
/// new mask. <see cref="Fit.Run"/> builds its loss graph once per batch size, so a key given there fixes one mask per
/// batch size for the whole fit; for a fresh mask every step, build the step's loss with <c>key.Fold(step)</c> and run
/// it through <see cref="Objective"/> (each new graph is compiled anew).</summary>
public sealed class Dropout : Layer
{
    /// <summary>Drops each element with probability <paramref name="rate"/> in [0, 1).</summary>
    public Dropout(double rate) =>
        Rate = rate is >= 0 and < 1 ? rate : throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout: the rate must be in [0, 1)");

    /// <summary>The probability of dropping an element.</summary>
    public double Rate { get; }

    /// <inheritdoc/>
    public override Parameters Init(Key key) => Parameters.Of();

    /// <inheritdoc/>
    protected internal override Node Forward(Scope parameters, Node x)
    {
        if (parameters.Dropout is not Key key || Rate == 0) return x;
        var u = key.Uniform(x.Shape.Size);
        double keep = 1 / (1 - Rate);
        for (int i = 0; i < u.Length; i++) u[i] = u[i] < Rate ? 0 : keep;
        return x * Node.Constant(Tensor.FromColumnMajor(x.Shape, u));
    }

    /// <inheritdoc/>
    public override string ToString() => $"Dropout({Rate})";
}
