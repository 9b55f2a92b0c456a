namespace AutoDiff.Functional.Models.GradBench;

/// <summary>GradBench's ode: y′₀ = x₀, y′ᵢ = xᵢ·yᵢ₋₁ (i &gt; 0), y(0) = 0, integrated to t = 2 by s classical Runge–Kutta
/// steps. The right-hand side is x ⊙ (1, y₀, …, yₙ₋₂): one shift and one product per stage.</summary>
public static class Ode
{
    /// <summary>The final state y(2) (n), for parameters x (n) and s ≥ 1 steps; the steps unroll into the graph.</summary>
    public static Node FinalState(Node x, int steps)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Rank != 1 || x.Shape[0] < 1) throw new ShapeException($"Ode: the parameters {x.Shape} are not a non-empty vector");
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), $"Ode: {steps} steps, at least 1 is needed");
        int n = x.Shape[0];
        double h = 2.0 / steps;
        var one = Node.Constant(Tensor.Vector(1.0));
        Node F(Node y) => n == 1 ? x : x * Indexing.Concat(0, one, y.Slice(0, n - 1));
        Node state = Node.Zeros(x.Shape);
        for (int step = 0; step < steps; step++)
        {
            var k1 = F(state);
            var k2 = F(state + h / 2 * k1);
            var k3 = F(state + h / 2 * k2);
            var k4 = F(state + h * k3);
            state = state + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
        }
        return state;
    }

    /// <summary>The last element of the final state: the scalar whose gradient the eval asks for.</summary>
    public static Node LastElement(Node finalState)
    {
        ArgumentNullException.ThrowIfNull(finalState);
        return finalState.At(finalState.Shape[0] - 1);
    }
}
