using AutoDiff.Functional;
using AutoDiff.Functional.Ops;

namespace KitConsumer;

/// <summary>x³, an op the library does not have: a value function and its local derivative 3x².</summary>
public sealed record Cube : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * x[i] * x[i];
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => 3 * x.Square();
}

/// <summary>x³ with a deliberately wrong derivative (2x² instead of 3x²): the laws must reject it.</summary>
public sealed record WrongCube : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * x[i] * x[i];
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => 2 * x.Square();
}

/// <summary>The user's API: one extension method per op.</summary>
public static class CubeMath
{
    /// <summary>x³, element by element.</summary>
    public static Node Cube(this Node x) => Node.Apply(new Cube(), x);
}
