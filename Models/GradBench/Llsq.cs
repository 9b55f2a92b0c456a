namespace AutoDiff.Functional.Models.GradBench;

/// <summary>GradBench's llsq: the least-squares fit of a polynomial Σⱼ xⱼ tʲ to the sign function on n points,
/// y(x) = ½ Σᵢ (sᵢ − Σⱼ xⱼ tᵢʲ)² with tᵢ = −1 + 2i/(n − 1) and sᵢ = sign tᵢ, written as ½‖s − V·x‖² with the
/// Vandermonde matrix V (n×m) a constant.</summary>
public static class Llsq
{
    /// <summary>The i-th of n points evenly spaced on [−1, 1].</summary>
    public static double Point(int i, int n) => -1 + i * 2.0 / (n - 1);

    /// <summary>y(x) for coefficients x (m) fitted on n ≥ 2 points.</summary>
    public static Node Objective(Node x, int n)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Rank != 1) throw new ShapeException($"Llsq: the coefficients {x.Shape} are not a vector");
        if (n < 2) throw new ArgumentOutOfRangeException(nameof(n), $"Llsq: n = {n} points, at least 2 are needed");
        int m = x.Shape[0];
        var powers = new double[n * m]; // column-major: powers[i + j·n] = tᵢʲ
        var signs = new double[n];
        for (int i = 0; i < n; i++)
        {
            double t = Point(i, n), power = 1;
            signs[i] = Math.Sign(t);
            for (int j = 0; j < m; j++, power *= t) powers[i + j * n] = power;
        }
        var vandermonde = Node.Constant(Tensor.FromColumnMajor(Shape.Matrix(n, m), powers));
        var residual = Node.Constant(Tensor.FromColumnMajor(Shape.Vector(n), signs)) - vandermonde.MatMul(x);
        return 0.5 * residual.SquaredNorm();
    }
}
