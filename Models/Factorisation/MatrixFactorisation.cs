namespace AutoDiff.Functional.Models;

/// <summary>The factorisation graph.</summary>
/// <param name="X">The ratings (m×n).</param>
/// <param name="U">The row factors (m×k).</param>
/// <param name="V">The column factors (k×n).</param>
/// <param name="Lambda">The regularisation weight λ.</param>
/// <param name="Loss">‖X − UV‖²_F + λ/2‖U‖²_F + λ/2‖V‖²_F.</param>
public sealed record FactorisationModel(Node X, Node U, Node V, double Lambda, Node Loss)
{
    /// <summary>Binds data and factors: X (m×n), U (m×k), V (k×n).</summary>
    public Bindings Bind(Tensor x, Tensor u, Tensor v)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(v);
        return Bindings.Empty.Bind(X, x).Bind(U, u).Bind(V, v);
    }
}

/// <summary>The loss and both gradients as graph nodes from one reverse pass, built once and compiled into one
/// <see cref="Plan"/>: the residual X − UV is written over the product's buffer, and the backward pass's (m×n)
/// cotangent over the residual's, so a run keeps one (m×n) buffer however large m×n is.</summary>
/// <param name="Loss">L(U, V).</param>
/// <param name="GradU">∂L/∂U (m×k).</param>
/// <param name="GradV">∂L/∂V (k×n).</param>
public sealed record FactorisationGradient(Node Loss, Node GradU, Node GradV)
{
    /// <summary>The compiled loss and gradients.</summary>
    public Plan Plan { get; } = Plan.Compile([
        Loss ?? throw new ArgumentNullException(nameof(Loss)),
        GradU ?? throw new ArgumentNullException(nameof(GradU)),
        GradV ?? throw new ArgumentNullException(nameof(GradV))]);

    /// <summary>L, ∂L/∂U and ∂L/∂V in one run, sharing the residual X − UV. Pass a workspace
    /// (<c>Plan.NewWorkspace()</c>, one per thread) to keep the (m×n) buffers between calls.</summary>
    public (Tensor Loss, Tensor GradU, Tensor GradV) Evaluate(Bindings at, Workspace? workspace = null)
    {
        ArgumentNullException.ThrowIfNull(at);
        var values = Plan.Run(at, workspace);
        return (values[0], values[1], values[2]);
    }
}

/// <summary>Seed 000, task 3: regularised matrix factorisation
/// L(U, V) = ‖X − UV‖²_F + λ/2‖U‖²_F + λ/2‖V‖²_F with X (m×n), U (m×k), V (k×n).</summary>
public static class MatrixFactorisation
{
    /// <summary>The graph for X (m×n) and rank k.</summary>
    public static FactorisationModel Build(int m, int n, int k, double lambda)
    {
        var X = Node.Variable("X", Shape.Matrix(m, n));
        var U = Node.Variable("U", Shape.Matrix(m, k));
        var V = Node.Variable("V", Shape.Matrix(k, n));
        var loss = (X - U.MatMul(V)).SquaredNorm() + lambda / 2 * U.SquaredNorm() + lambda / 2 * V.SquaredNorm();
        return new(X, U, V, lambda, loss);
    }

    /// <summary>The gradient graph: ONE call of <paramref name="differentiate"/> (default <see cref="Reverse.Grad"/>)
    /// with [U, V] gives both gradients, so one backward pass serves both (the seed ran two).</summary>
    public static FactorisationGradient Gradient(FactorisationModel model, Func<Node, IReadOnlyList<Node>, Node[]>? differentiate = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var grads = (differentiate ?? Reverse.Grad)(model.Loss, [model.U, model.V]);
        return new(model.Loss, grads[0], grads[1]);
    }

    /// <summary>L and both gradients at <paramref name="at"/>: <c>AD.ValueAndGrad(L, at, U, V)</c>, one backward pass.</summary>
    public static (Tensor Loss, Tensor GradU, Tensor GradV) ValueAndGrad(FactorisationModel model, Bindings at)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(at);
        var (value, g) = AD.ValueAndGrad(model.Loss, at, model.U, model.V);
        return (value, g[0], g[1]);
    }
}
