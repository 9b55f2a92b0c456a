using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>A function of nodes with derivative rules stated by the user (<see cref="CustomRule.Define"/>): the value
/// is the traced function <see cref="Body"/>, the JVP and VJP are the user's lambdas where given, and otherwise the
/// derivatives of the body itself. The rules are called with nodes and must return nodes built from ops that have
/// rules, so a custom rule can be differentiated again; a rule returning a wrong shape is an error naming it.</summary>
internal sealed record Custom(string Description, Traced Body, CustomJvp? JvpRule, CustomVjp? VjpRule) : Op, IInnerGraph
{
    /// <inheritdoc/>
    public override string Name => Description;
    /// <inheritdoc/>
    protected override string Parameters => "";
    /// <inheritdoc/>
    public override int Arity => Body.Inputs.Length;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        for (int i = 0; i < x.Length; i++)
            if (x[i] != Body.Inputs[i].Shape) throw ShapeError($"input {i} has shape {x[i]}, the function was traced for {Body.Inputs[i].Shape}");
        return Body.Outputs[0].Shape;
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => Body.Run(x, Body.NewWorkspace())[0].Values.CopyTo(y);

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        var tangents = new Node[t.Length];
        for (int i = 0; i < t.Length; i++) tangents[i] = t[i] ?? Node.Zeros(x[i].Shape);
        if (JvpRule is null) return Body.InlineJvp(x, tangents)[0];
        var result = JvpRule([.. x], y, tangents) ?? throw new InvalidOperationException($"{this}: the JVP rule returned null");
        if (result.Shape != y.Shape)
            throw new ShapeException($"{this}: the JVP rule returned a tangent of shape {result.Shape}; the output has shape {y.Shape}");
        return result;
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        if (VjpRule is null) return Body.InlineVjp(x, [ct]);
        var result = VjpRule([.. x], y, ct) ?? throw new InvalidOperationException($"{this}: the VJP rule returned null");
        if (result.Length != x.Length)
            throw new ShapeException($"{this}: the VJP rule returned {result.Length} cotangent(s) for {x.Length} input(s)");
        for (int i = 0; i < x.Length; i++)
        {
            if (result[i] is null) throw new InvalidOperationException($"{this}: the VJP rule returned null for input {i}");
            if (result[i].Shape != x[i].Shape)
                throw new ShapeException($"{this}: the VJP rule returned a cotangent of shape {result[i].Shape} for input {i}, which has shape {x[i].Shape}");
        }
        var cotangents = new Node?[x.Length];
        for (int i = 0; i < x.Length; i++) cotangents[i] = needed[i] ? result[i] : null;
        return cotangents;
    }
}
