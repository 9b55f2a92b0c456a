using System.Collections.Immutable;
using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional.Ops;

/// <summary>y*(θ), the root of F(y, θ) = 0 found by the user's <paramref name="Solver"/>, differentiated by the implicit
/// function theorem: with A = ∂F/∂y at (y*, θ), the JVP is ẏ = −A⁻¹(∂F/∂θ·θ̇) and the VJP θ̄ = −(∂F/∂θ)ᵀA⁻ᵀȳ. The
/// solver's iterations are neither stored nor differentiated; the linear systems are <see cref="ImplicitLinear"/> nodes,
/// so the derivative is a graph and can be differentiated again.</summary>
/// <remarks>The forward rule checks the solver's answer once, F evaluated there: the derivative is that of a root, so
/// an answer that is not one (a solver that stopped early) is an error naming <see cref="Tolerance"/>, not a silently
/// wrong derivative. Non-finite θ is left to IEEE rules, as every op leaves it.</remarks>
internal sealed record ImplicitSolve(string Description, Traced Residual, Func<Tensor, Tensor> Solver, LinearSolver Linear, double Tolerance) : Op, IInnerGraph
{
    /// <inheritdoc/>
    public override string Name => Description;
    /// <inheritdoc/>
    protected override string Parameters => $"{Linear}";
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0] == Residual.Inputs[1].Shape
        ? Residual.Inputs[0].Shape
        : throw ShapeError($"θ has shape {x[0]}, the residual was traced for {Residual.Inputs[1].Shape}");

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var root = Solver(x[0]) ?? throw new InvalidOperationException($"{this}: the solver returned null");
        if (root.Shape != Residual.Inputs[0].Shape)
            throw new ShapeException($"{this}: the solver returned y of shape {root.Shape}; the residual takes {Residual.Inputs[0].Shape}");
        CheckRoot(root, x[0]);
        root.Values.CopyTo(y);
    }

    /// <summary>Fails unless max |F(y, θ)| ≤ tolerance·max(1, max |y|, max |θ|): relative to the operands' size, as
    /// F's own rounding is.</summary>
    void CheckRoot(Tensor root, Tensor theta)
    {
        if (double.IsPositiveInfinity(Tolerance) || !AllFinite(theta.Values)) return;
        var residual = Residual.Run([root, theta], Residual.NewWorkspace())[0].Values;
        double worst = 0, scale = Math.Max(1, Math.Max(MaxAbs(root.Values), MaxAbs(theta.Values)));
        foreach (var r in residual) worst = double.IsNaN(r) ? double.NaN : Math.Max(worst, Math.Abs(r));
        if (!(worst <= Tolerance * scale))
            throw new InvalidOperationException($"{this}: the solver's answer is not a root: max |F(y, θ)| = {worst:G3} exceeds the tolerance {Tolerance:G3}·max(1, max |y|, max |θ|) = {Tolerance * scale:G3}; solve to full precision or pass a larger residualTolerance");
    }

    static bool AllFinite(ReadOnlySpan<double> values)
    {
        foreach (var v in values) if (!double.IsFinite(v)) return false;
        return true;
    }

    static double MaxAbs(ReadOnlySpan<double> values)
    {
        double m = 0;
        foreach (var v in values) m = Math.Max(m, Math.Abs(v));
        return m;
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        var fθ = Residual.InlineJvp([y, x[0]], [Node.Zeros(y.Shape), t[0]!])[0];
        return -Node.Apply(new ImplicitLinear(Residual, false, Linear), y, x[0], fθ);
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        var λ = Node.Apply(new ImplicitLinear(Residual, true, Linear), y, x[0], ct);
        return [-Residual.InlineVjp([y, x[0]], [λ])[1]];
    }
}

/// <summary>z = M⁻¹r with M = ∂F/∂y at (y, θ), or its transpose when <paramref name="Transposed"/>: the linear system of
/// implicit differentiation, solved without forming M (<see cref="LinearSolver.Gmres"/>,
/// <see cref="LinearSolver.ConjugateGradient"/>) or densely (<see cref="LinearSolver.Dense"/>), with M·v from the
/// compiled JVP of F and Mᵀ·v from its VJP. Its own derivatives: dz = M⁻¹(dr − dM·z), so the JVP is one more solve,
/// and the VJP is μ = M⁻ᵀz̄ for r and −∇_(y,θ)⟨μ, M(y, θ)·z⟩ for y and θ.</summary>
internal sealed record ImplicitLinear(Traced Residual, bool Transposed, LinearSolver Linear) : Op, IInnerGraph
{
    /// <inheritdoc/>
    protected override string Parameters => $"{(Transposed ? "Mᵀ" : "M")}, {Linear}";
    /// <inheritdoc/>
    public override int Arity => 3;

    /// <summary>(y, θ, v) ↦ M(y, θ)·v as a traced graph.</summary>
    Traced Product => Transposed ? Residual.TransposedProduct : Residual.Product;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        var (y, θ) = (Residual.Inputs[0].Shape, Residual.Inputs[1].Shape);
        if (x[0] != y || x[1] != θ || x[2] != y)
            throw ShapeError($"inputs {x[0]}, {x[1]}, {x[2]}; the residual takes y {y} and θ {θ}, and r is shaped like y");
        return y;
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] z)
    {
        var product = Product;
        var workspace = product.NewWorkspace();
        var (y, θ, shape) = (x[0], x[1], x[0].Shape);
        Tensor[] inputs = [y, θ, y];
        double[] Times(double[] v)
        {
            inputs[2] = Tensor.FromColumnMajor(shape, v);
            return product.Run(inputs, workspace)[0].Values.ToArray();
        }
        Linear.Solve(Times, x[2].Values.ToArray(), this).CopyTo(z, 0);
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        var rhs = t[2];
        if (t[0] is not null || t[1] is not null)
        {
            var dM = Product.InlineJvp([x[0], x[1], y], [t[0] ?? Node.Zeros(x[0].Shape), t[1] ?? Node.Zeros(x[1].Shape), Node.Zeros(y.Shape)])[0];
            rhs = rhs is null ? -dM : rhs - dM;
        }
        return Node.Apply(this, x[0], x[1], rhs!);
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        var μ = Node.Apply(this with { Transposed = !Transposed }, x[0], x[1], ct);
        var result = new Node?[3];
        if (needed[0] || needed[1])
        {
            var back = Product.InlineVjp([x[0], x[1], y], [μ]);
            (result[0], result[1]) = (-back[0], -back[1]);
        }
        result[2] = μ;
        return result;
    }
}
