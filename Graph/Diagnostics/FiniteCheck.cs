using System.Globalization;
using System.Text;

namespace AutoDiff.Functional;

/// <summary>A node that turned finite inputs into NaN or ±∞ (or a variable bound to such a value).</summary>
/// <param name="Node">The node.</param>
/// <param name="Pass">"forward" for a node of the function itself, "backward" for a node of its derivative graph.</param>
/// <param name="Description">The op, how many elements went bad, and a summary of each input's values.</param>
/// <param name="ReachesOutput">False when the bad value is absorbed on the way (e.g. a selection that skips it),
/// so no output is affected.</param>
public sealed record NonFiniteOrigin(Node Node, string Pass, string Description, bool ReachesOutput)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Pass}: {Description}{(ReachesOutput ? "" : " (absorbed: it cannot reach the output)")}";
}

/// <summary>Every place where non-finite values arose, in evaluation order.</summary>
public sealed record FiniteReport(IReadOnlyList<NonFiniteOrigin> Origins)
{
    /// <summary>True when no node produced NaN or ±∞.</summary>
    public bool AllFinite => Origins.Count == 0;
    /// <summary>The first origin whose bad value reaches an output, if any.</summary>
    public NonFiniteOrigin? FirstReachingOutput => Origins.FirstOrDefault(o => o.ReachesOutput);
    /// <inheritdoc/>
    public override string ToString() => AllFinite ? "all values finite" : string.Join(Environment.NewLine, Origins);
}

/// <summary>Thrown by the checking calls of <see cref="FiniteCheck"/> when a non-finite value reaches an output.</summary>
public sealed class NonFiniteException(NonFiniteOrigin origin, FiniteReport report)
    : ArithmeticException($"non-finite value in the {(origin ?? throw new ArgumentNullException(nameof(origin))).Pass} pass: {origin.Description}")
{
    /// <summary>The first origin that reaches an output.</summary>
    public NonFiniteOrigin Origin { get; } = origin;
    /// <summary>All origins, including absorbed ones.</summary>
    public FiniteReport Report { get; } = report ?? throw new ArgumentNullException(nameof(report));
}

/// <summary>The checking mode for NaN and ±∞, like JAX's debug_nans or PyTorch's anomaly detection. By default the
/// library follows IEEE rules silently; these calls evaluate while keeping every intermediate (slower, more memory),
/// then name the first node, forward or backward, that turned finite inputs into a non-finite value.</summary>
public static class FiniteCheck
{
    /// <summary>Evaluates <paramref name="outputs"/> and reports where non-finite values arose. Nodes reachable from
    /// <paramref name="forwardOutputs"/> count as the forward pass; the rest as the backward pass.</summary>
    public static FiniteReport Inspect(IReadOnlyList<Node> outputs, Bindings bindings, IReadOnlyList<Node>? forwardOutputs = null)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(bindings);
        var (topo, values) = Evaluator.EvaluateAll(outputs, bindings);
        var forward = forwardOutputs is null ? null : Topology.Of(forwardOutputs);
        var order = topo.Order;
        var bad = values.Select(v => !TensorIsFinite(v)).ToArray();

        // A bad value reaches an output if a chain of bad values links it to a bad output.
        var reaches = new bool[order.Length];
        foreach (var o in outputs) if (bad[topo.IndexOf(o)]) reaches[topo.IndexOf(o)] = true;
        for (int i = order.Length - 1; i >= 0; i--)
            if (reaches[i])
                foreach (var k in topo.InputsOf(i)) reaches[k] |= bad[k];

        var origins = new List<NonFiniteOrigin>();
        for (int i = 0; i < order.Length; i++)
        {
            var inputs = topo.InputsOf(i).ToArray();
            if (!bad[i] || inputs.Any(k => bad[k])) continue;
            var node = order[i];
            var pass = forward is null || forward.IndexOf(node) >= 0 ? "forward" : "backward";
            origins.Add(new(node, pass, Describe(node, values[i], [.. inputs.Select(k => values[k])]), reaches[i]));
        }
        return new(origins);
    }

    /// <summary>Evaluates and throws a <see cref="NonFiniteException"/> when a non-finite value reaches an output.</summary>
    public static Tensor[] Evaluate(IReadOnlyList<Node> outputs, Bindings bindings)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(bindings);
        var report = Inspect(outputs, bindings);
        if (report.FirstReachingOutput is { } origin) throw new NonFiniteException(origin, report);
        return Evaluator.Evaluate(outputs, bindings);
    }

    /// <summary>Value and gradients, throwing a <see cref="NonFiniteException"/> that names the first node, forward or
    /// backward, whose non-finite value reaches the loss or a gradient.</summary>
    public static (Tensor Value, Tensor[] Gradients) ValueAndGrad(Node output, Bindings bindings, params Node[] wrt)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(bindings);
        ArgumentNullException.ThrowIfNull(wrt);
        Node[] outputs = [output, .. Reverse.Grad(output, wrt)];
        var report = Inspect(outputs, bindings, [output]);
        if (report.FirstReachingOutput is { } origin) throw new NonFiniteException(origin, report);
        var values = Evaluator.Evaluate(outputs, bindings);
        return (values[0], values[1..]);
    }

    static bool TensorIsFinite(Tensor t)
    {
        if (t.DType == DType.Int32) return true;   // data: every int32 is finite
        foreach (var v in t.Values) if (!double.IsFinite(v)) return false;
        return true;
    }

    static string Describe(Node node, Tensor value, Tensor[] inputs)
    {
        int nan = 0, inf = 0;
        foreach (var v in value.Values) { if (double.IsNaN(v)) nan++; else if (double.IsInfinity(v)) inf++; }
        var sb = new StringBuilder();
        sb.Append(node.Op is Variable v0 ? $"variable '{v0.Name}' {node.Shape} is bound to" : $"{node.Op} {node.Shape} produced");
        sb.Append(nan > 0 ? $" {nan} NaN" : "").Append(nan > 0 && inf > 0 ? " and" : "").Append(inf > 0 ? $" {inf} ±∞" : "");
        sb.Append($" of {value.Shape.Size} element(s)");
        if (inputs.Length > 0) sb.Append(" from finite inputs ").Append(string.Join(", ", inputs.Select(Summary)));
        return sb.ToString();
    }

    static string Summary(Tensor t)
    {
        if (t.DType == DType.Int32) return $"{t.Shape} int32 data";
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in t.Values) { min = Math.Min(min, v); max = Math.Max(max, v); }
        return t.Shape.Size == 1
            ? $"{t.Shape} = {t.Values[0].ToString("G6", CultureInfo.InvariantCulture)}"
            : $"{t.Shape} in [{min.ToString("G6", CultureInfo.InvariantCulture)}, {max.ToString("G6", CultureInfo.InvariantCulture)}]";
    }
}
