using System.Collections.Immutable;

namespace AutoDiff.Functional.Properties.Support;

/// <summary>What is wrong with a <see cref="FaultySin"/>.</summary>
public enum Fault
{
    /// <summary>Nothing: sin with its true rules, the control.</summary>
    None,
    /// <summary>The VJP uses sin instead of cos.</summary>
    WrongVjp,
    /// <summary>The JVP uses sin instead of cos.</summary>
    WrongJvp,
    /// <summary>The VJP is off by a factor 1 + 1e-8: invisible to finite differences, visible to the adjoint identity.</summary>
    SlightlyWrongVjp,
    /// <summary>The batching rule applies cos.</summary>
    WrongBatch,
}

/// <summary>A test-only sin with a deliberately broken rule, to show that the checks catch broken rules. It lives
/// in the test assembly, so the coverage law (which reflects over Graph and Ops) does not ask for a table row.</summary>
public sealed record FaultySin(Fault Fault) : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Math.Sin(x[0].Values[i]);
    }
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } t0 ? t0 * (Fault == Fault.WrongJvp ? x[0].Sin() : x[0].Cos()) : null;
    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Fault == Fault.WrongBatch ? xb[0]!.Cos() : Node.Apply(this, xb[0]!);
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => Fault switch
    {
        Fault.WrongVjp => [ct * x[0].Sin()],
        Fault.SlightlyWrongVjp => [ct * x[0].Cos() * (1 + 1e-8)],
        _ => [ct * x[0].Cos()],
    };
}
