namespace AutoDiff.Functional;

/// <summary>Implicit differentiation: the derivatives of a root y*(θ) of F(y, θ) = 0 by the implicit function theorem,
/// without differentiating (or storing) the solver's iterations.</summary>
/// <example><code>
/// // √θ as the root of y² − θ, found by any solver; dy/dθ = 1/(2y) follows from F alone
/// var y = Implicit.Solve((y, θ) =&gt; y.Square() - θ, θ =&gt; Tensor.Scalar(Math.Sqrt(θ.ToScalar())), theta, Shape.Scalar);
/// </code></example>
public static class Implicit
{
    /// <summary>y*(θ) with F(y*, θ) = 0: the value is <paramref name="solver"/>(θ), the derivatives follow from the
    /// residual <paramref name="residual"/> (traced once on variables; it may read only y and θ, data as constants):
    /// ẏ = −(∂F/∂y)⁻¹(∂F/∂θ)·θ̇ in forward mode, θ̄ = −(∂F/∂θ)ᵀ(∂F/∂y)⁻ᵀ·ȳ in reverse, the systems solved by
    /// <paramref name="linear"/> (default <see cref="LinearSolver.Gmres"/>). The derivative is a graph, so second
    /// order works. The solver must be pure and solve to full precision: the derivative is that of the exact root, so
    /// each evaluation checks F at the solver's answer and fails, naming the tolerance, unless
    /// max |F(y, θ)| ≤ <paramref name="residualTolerance"/>·max(1, max |y|, max |θ|) (+∞ skips the check).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="residualTolerance"/> is NaN or negative.</exception>
    public static Node Solve(Func<Node, Node, Node> residual, Func<Tensor, Tensor> solver, Node theta, Shape yShape, LinearSolver? linear = null,
        double residualTolerance = 1e-6)
    {
        if (!(residualTolerance >= 0))
            throw new ArgumentOutOfRangeException(nameof(residualTolerance), residualTolerance, "Implicit.Solve: the residual tolerance must be ≥ 0 (+∞ skips the check)");
        ArgumentNullException.ThrowIfNull(residual);
        ArgumentNullException.ThrowIfNull(solver);
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(yShape);
        var traced = Ops.Traced.Of("Implicit.Solve", [yShape, theta.Shape], v => [residual(v[0], v[1])], [theta.DType, theta.DType]);
        if (traced.Outputs[0].Shape != yShape)
            throw new ShapeException($"Implicit.Solve: the residual has shape {traced.Outputs[0].Shape}; it must be shaped like y {yShape}");
        return Node.Apply(new Ops.ImplicitSolve("Implicit.Solve", traced, solver, linear ?? LinearSolver.Gmres, residualTolerance), theta);
    }
}
