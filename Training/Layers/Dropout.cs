using System.Globalization;

namespace AutoDiff.Functional.Training;

/// <summary>Dropout (Srivastava et al. 2014), <c>torch.nn.Dropout</c>: with a key (training), each element is zeroed
/// with probability <see cref="Rate"/> and the rest scaled by 1/(1 − rate), so the expectation is unchanged; without
/// one (prediction) the identity.</summary>
/// <remarks>The mask is data, not a constant: a variable of the graph whose name carries the layer's key (the key given
/// to <see cref="Layer.Apply(Parameters, Node, Key?)"/> folded with the layer's path) and the rate, so one compiled graph serves every step.
/// <see cref="Fit.Run"/> draws a fresh mask for every step from that key folded with the number of steps already taken
/// (JAX's <c>fold_in(key, step)</c>), so a resumed fit draws the masks the uninterrupted one would have; the held-out
/// loss is measured with dropout off. <see cref="Objective"/> draws the masks of the step it is given (none: dropout off).
/// To evaluate such a graph by node, bind its masks with <see cref="Masks"/>.</remarks>
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
        return x * Node.Variable(MaskName(parameters.Path, Rate, key), x.Shape, x.DType);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Dropout({Rate})";

    /// <summary><paramref name="at"/> (empty when null) with every dropout mask of <paramref name="output"/>'s graph
    /// bound: the masks of step <paramref name="step"/> (the steps taken before it, as <see cref="Fit.Run"/> counts), or
    /// all ones (dropout off) when it is null.</summary>
    public static Bindings Masks(Node output, long? step, Bindings? at = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        at ??= Bindings.Empty;
        // An explicit stack, not recursion: a graph may be deeper than the call stack.
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance) { output };
        var stack = new Stack<Node>([output]);
        while (stack.TryPop(out var node))
        {
            if (node.Op is Variable { Name: var name } && TryParse(name, out var key, out var rate))
                at = at.Bind(node, Mask(node.Shape, node.DType, key, rate, step));
            foreach (var input in node.Inputs)
                if (seen.Add(input)) stack.Push(input);
        }
        return at;
    }

    const string MaskPrefix = "dropout mask|";

    /// <summary>"dropout mask|path|rate|key": a space and bars keep it apart from any parameter path or data column.</summary>
    static string MaskName(string path, double rate, Key key) =>
        $"{MaskPrefix}{path}|{rate.ToString("R", CultureInfo.InvariantCulture)}|{key.State:X16}";

    /// <summary>The key and rate of a dropout mask's variable, or false for any other variable.</summary>
    internal static bool TryParse(string name, out Key key, out double rate)
    {
        (key, rate) = (default, 0);
        if (!name.StartsWith(MaskPrefix, StringComparison.Ordinal)) return false;
        var fields = name.Split('|');
        if (fields.Length < 4 || !double.TryParse(fields[^2], NumberStyles.Float, CultureInfo.InvariantCulture, out rate)
            || !ulong.TryParse(fields[^1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var state)) return false;
        key = Key.FromState(state);
        return true;
    }

    /// <summary>The mask of step <paramref name="step"/>: 0 with probability <paramref name="rate"/>, else 1/(1 − rate),
    /// from <paramref name="key"/> folded with the step; all ones when the step is null.</summary>
    internal static Tensor Mask(Shape shape, DType type, Key key, double rate, long? step)
    {
        if (step is not long s) return Tensor.Filled(shape, 1).To(type);
        var u = key.Fold(s).Uniform(shape.Size);
        double keep = 1 / (1 - rate);
        for (int i = 0; i < u.Length; i++) u[i] = u[i] < rate ? 0 : keep;
        return Tensor.FromColumnMajor(shape, u).To(type);
    }
}
