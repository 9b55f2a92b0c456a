using AutoDiff.Functional.Training;
using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional.Models;

/// <summary>One stage hₖ of the net as its own graph: <see cref="Input"/> is the stage's variable, <see cref="Output"/>
/// the stage applied to it. Differentiating a stage graph gives that stage's Jacobian and nothing else.</summary>
/// <param name="Name">h1 … h5.</param>
/// <param name="Input">The stage's input variable.</param>
/// <param name="Output">The stage's output node.</param>
public sealed record Stage(string Name, Node Input, Node Output);

/// <summary>The intermediate values of one evaluation: y₁ = A·x, y₂ = σ(y₁), y₃ = B·y₂, y₄ = σ(y₃), f = sum(y₄).</summary>
public sealed record SigmoidNetPrimal(DenseVector Y1, DenseVector Y2, DenseVector Y3, DenseVector Y4, double Value);

/// <summary>Seed 004, problem 1: the two-layer sigmoid net f(x) = sum(σ(B·σ(A·x))) with fixed weights
/// A (d₁×d₀), B (d₂×d₁), differentiated with respect to x (d₀), as the composition
/// f = h₅ ∘ h₄ ∘ h₃ ∘ h₂ ∘ h₁ with h₁(x) = A·x, h₂(y) = σ(y), h₃(y) = B·y, h₄ = h₂, h₅(y) = sum(y):
/// J_f(x) = J_h₅(y₄)·J_h₄(y₃)·J_h₃(y₂)·J_h₂(y₁)·J_h₁(x).</summary>
/// <remarks>
/// The gradient three ways, all through the library's own transformations:
/// <list type="bullet">
/// <item><see cref="GradientForwardChain"/>: J_h₅·(J_h₄·(J_h₃·(J_h₂·J_h₁))), a whole matrix of tangents (one column
/// per input direction) pushed forward through each stage's JVP. Cost O(d₀·d₁·d₂) (the d₂×d₁ by d₁×d₀ product
/// in h₃), plus O(d₁·d₀ + d₂·d₀) element-wise.</item>
/// <item><see cref="GradientReverseChain"/>: (((J_h₅·J_h₄)·J_h₃)·J_h₂)·J_h₁, one row vector (a cotangent) pulled back
/// through each stage's VJP. Cost O(d₀·d₁ + d₁·d₂): two matrix–vector products.</item>
/// <item><see cref="GradientGeneric"/>: the reverse transformation of the whole graph (<see cref="Reverse.Grad"/>, compiled into a <see cref="Plan"/>),
/// the same order of cost as the reverse chain.</item>
/// </list>
/// Every graph is built once, in the constructor (A and B are constants of it); each call only binds and evaluates.
/// </remarks>
public sealed class SigmoidNet
{
    /// <summary>The first weight matrix (d₁×d₀).</summary>
    public DenseMatrix A { get; }
    /// <summary>The second weight matrix (d₂×d₁).</summary>
    public DenseMatrix B { get; }
    /// <summary>The input size.</summary>
    public int D0 => A.ColumnCount;
    /// <summary>The hidden size.</summary>
    public int D1 => A.RowCount;
    /// <summary>The output size of the second layer.</summary>
    public int D2 => B.RowCount;

    /// <summary>The input variable x (d₀) of the whole graph.</summary>
    public Node X { get; }
    /// <summary>f(x) = sum(σ(B·σ(A·x))) as one graph.</summary>
    public Node Output { get; }
    readonly Node y1, y2, y3, y4;

    /// <summary>h₁(x) = A·x.</summary>
    public Stage H1 { get; }
    /// <summary>h₂(y) = σ(y).</summary>
    public Stage H2 { get; }
    /// <summary>h₃(y) = B·y.</summary>
    public Stage H3 { get; }
    /// <summary>h₄(y) = σ(y).</summary>
    public Stage H4 { get; }
    /// <summary>h₅(y) = sum(y).</summary>
    public Stage H5 { get; }
    /// <summary>The five stages in order.</summary>
    public IReadOnlyList<Stage> Stages => [H1, H2, H3, H4, H5];

    /// <summary>∇f(x) by the forward-mode Jacobian chain, as one graph of x (see <see cref="GradientForwardChain"/>);
    /// it shares A·x and B·σ(A·x) with <see cref="Output"/>, so evaluating both together computes them once.</summary>
    public Node ForwardChain { get; }

    /// <summary><see cref="Output"/> and <see cref="ForwardChain"/> compiled together: the fused passes keep the
    /// (d₁×d₀) tangent matrices to two buffers, and σ′ at the broadcast primal is computed block by block, never
    /// stored. <c>ForwardChainPlan.NewWorkspace()</c> gives a workspace to pass to <see cref="GradientForwardChain"/>.</summary>
    public Plan ForwardChainPlan { get; }
    /// <summary><see cref="Output"/> and its reverse-mode gradient graph, compiled.</summary>
    public Plan GradientPlan { get; }

    // Reverse chain: each stage's VJP graph with a cotangent variable.
    readonly Node[] cotangents = new Node[5];
    readonly Node[] vjps = new Node[5];

    /// <summary>A net with weights <paramref name="a"/> (d₁×d₀) and <paramref name="b"/> (d₂×d₁); they are shared,
    /// not copied, so do not change them afterwards.</summary>
    /// <exception cref="ShapeException">B's column count differs from A's row count.</exception>
    public SigmoidNet(DenseMatrix a, DenseMatrix b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        (A, B) = (a, b);
        Node constA = Node.Constant(Tensor.Wrap(a)), constB = Node.Constant(Tensor.Wrap(b));
        int d0 = D0;

        // The formula, stated once: f = h₅ ∘ h₄ ∘ h₃ ∘ h₂ ∘ h₁, the net's layers (Linear without bias, σ, Linear, σ; a
        // Sequential of them, taken stage by stage to keep y₁ … y₄) followed by the sum, its fixed weights constants of
        // the graph. A Linear layer computes x·W with W (in × out), so its kernel is Aᵀ, given as a transpose node that
        // the product folds away: the graph holds A·x itself, no copy of A. B·σ(A·x) checks that B is (d₂×d₁).
        Layer[] layers = [new Linear(d0, D1, bias: false), Activation.Sigmoid, new Linear(D1, D2, bias: false), Activation.Sigmoid];
        Dictionary<string, Node>[] weights = [new() { ["kernel"] = constA.T() }, [], new() { ["kernel"] = constB.T() }, []];
        Func<Node, Node>[] h = [.. layers.Select((layer, k) => (Func<Node, Node>)(v => layer.Apply(weights[k], v))), Total];
        // The forward chain pushes a matrix of tangents whose columns are directions; a layer reads rows as samples, so
        // there the two linear stages are W·T with the same weights, σ and the sum as above.
        Func<Node, Node>[] columns = [v => constA.MatMul(v), h[1], v => constB.MatMul(v), h[3], Total];

        X = Node.Variable("x", Shape.Vector(d0));
        var y = new Node[6];
        y[0] = X;
        for (int k = 0; k < 5; k++) y[k + 1] = h[k](y[k]);
        (y1, y2, y3, y4, Output) = (y[1], y[2], y[3], y[4], y[5]);

        var stages = new Stage[5];
        for (int k = 0; k < 5; k++)
        {
            var input = Node.Variable($"h{k + 1}.in", y[k].Shape);
            stages[k] = new Stage($"h{k + 1}", input, h[k](input));
        }
        (H1, H2, H3, H4, H5) = (stages[0], stages[1], stages[2], stages[3], stages[4]);

        // Forward chain. A JVP with a matrix tangent T (k×d₀) pushes d₀ directions at once: stage hₖ is built on a
        // primal of the same (k×d₀) shape, every column the stage's input (for σ) or on any matrix (for B·, whose
        // JVP B·T does not read the primal). T₁ = A·I = A needs no JVP. Each stage's JVP graph is built on its own
        // variables, then composed by substituting the primal and the previous stage's tangent, so the chain is one
        // graph of x.
        Node tangent = constA;
        for (int k = 1; k < 5; k++)
        {
            var primal = Node.Variable($"Y{k}", Shape.Matrix(y[k].Shape[0], d0));
            var seed = Node.Variable($"\u2202Y{k}", primal.Shape);
            var jvp = ForwardMode.Jvp([columns[k](primal)], [(primal, seed)])[0];
            tangent = Graph.Substitute(jvp, [(primal, y[k].BroadcastColumns(d0)), (seed, tangent)]);
        }
        ForwardChain = tangent;
        ForwardChainPlan = Plan.Compile([Output, ForwardChain]);
        GradientPlan = Plan.Compile([Output, Reverse.Grad(Output, [X])[0]]);

        // Reverse chain: ū_{k-1} = J_hₖᵀ·ūₖ, one VJP graph per stage.
        for (int k = 0; k < 5; k++)
        {
            cotangents[k] = Node.Variable($"\u0305{stages[k].Name}", stages[k].Output.Shape);
            vjps[k] = Reverse.Vjp([stages[k].Output], [cotangents[k]], [stages[k].Input])[0];
        }

    }

    /// <summary>Σ over axis 0: the sum of a vector, the column sums of a matrix.</summary>
    static Node Total(Node v) => v.Shape.Rank == 1 ? v.Sum() : v.Sum(0);

    /// <summary>A net with random weights: entries uniform in [−1, 1]·<paramref name="scale"/>.</summary>
    public static SigmoidNet Random(int d0, int d1, int d2, int seed, double scale = 1.0)
    {
        var rng = new System.Random(seed);
        return new SigmoidNet(
            DenseMatrix.Create(d1, d0, (_, _) => scale * (2 * rng.NextDouble() - 1)),
            DenseMatrix.Create(d2, d1, (_, _) => scale * (2 * rng.NextDouble() - 1)));
    }

    /// <summary>Bindings of the whole graph at <paramref name="x"/>.</summary>
    public Bindings At(DenseVector x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Bindings.Empty.Bind(X, x);
    }

    /// <summary>f(x) and the intermediate values y₁ … y₄, from one evaluation of the whole graph.</summary>
    public SigmoidNetPrimal Evaluate(DenseVector x)
    {
        var v = Evaluator.Evaluate([y1, y2, y3, y4, Output], At(x));
        return new(v[0].AsVector(), v[1].AsVector(), v[2].AsVector(), v[3].AsVector(), v[4].ToScalar());
    }

    /// <summary>f(x).</summary>
    public double Value(DenseVector x) => Evaluator.Evaluate(Output, At(x)).ToScalar();

    /// <summary>f(x) and ∇f(x) by the forward-mode Jacobian chain
    /// J_f = J_h₅·(J_h₄·(J_h₃·(J_h₂·J_h₁))), each bracket a JVP of the stage with a matrix of d₀ tangents:
    /// <list type="number">
    /// <item>T₁ = J_h₁ = A: the JVP of the linear map x ↦ A·x with the identity as tangent is A·I = A itself, so
    /// the chain starts from A without spending a d₁·d₀² product on the identity;</item>
    /// <item>T₂ = diag(σ′(y₁))·T₁: the JVP of σ at y₁ broadcast to (d₁×d₀), tangent T₁ — O(d₁·d₀);</item>
    /// <item>T₃ = B·T₂: the JVP of B·(·) with a matrix tangent — O(d₂·d₁·d₀), the dominant cost;</item>
    /// <item>T₄ = diag(σ′(y₃))·T₃: as step 2 at y₃ — O(d₂·d₀);</item>
    /// <item>J_f = 1ᵀ·T₄: the JVP of the sum over axis 0 — O(d₂·d₀).</item>
    /// </list>
    /// The stage JVPs are composed into one graph, <see cref="ForwardChain"/> (built once, with
    /// <see cref="Graph.Substitute(Node, IReadOnlyList{ValueTuple{Node, Node}})"/>) and compiled with
    /// <see cref="Output"/> into one <see cref="Plan"/>, run from x alone. Total O(d₀·d₁·d₂) time and two
    /// (d₁×d₀)-sized tangent buffers: T₂ and T₃ = B·T₂, with T₄ written over T₃.</summary>
    public (double Value, DenseVector Gradient) GradientForwardChain(DenseVector x, Workspace? workspace = null)
    {
        var v = ForwardChainPlan.Run(At(x), workspace);
        return (v[0].ToScalar(), v[1].AsVector());
    }

    /// <summary>f(x) and ∇f(x) by the reverse-mode chain (((J_h₅·J_h₄)·J_h₃)·J_h₂)·J_h₁: one row vector ū, starting
    /// from ū₅ = 1, pulled back through each stage's VJP ū ↦ ūᵀ·J_hₖ:
    /// ū₄ = 1 (d₂), ū₃ = ū₄ ⊙ σ′(y₃), ū₂ = Bᵀ·ū₃, ū₁ = ū₂ ⊙ σ′(y₁), ∇f = Aᵀ·ū₁.
    /// Total O(d₀·d₁ + d₁·d₂) time (two matrix–vector products) and O(d₀ + d₁ + d₂) extra memory.</summary>
    public (double Value, DenseVector Gradient) GradientReverseChain(DenseVector x)
    {
        var primal = Evaluate(x);
        DenseVector[] inputs = [x, primal.Y1, primal.Y2, primal.Y3, primal.Y4];
        var u = Tensor.Scalar(1.0);
        for (int k = 4; k >= 0; k--)
        {
            var stage = Stages[k];
            u = Evaluator.Evaluate(vjps[k], Bindings.Empty.Bind(stage.Input, inputs[k]).Bind(cotangents[k], u));
        }
        return (primal.Value, u.AsVector());
    }

    /// <summary>f(x) and ∇f(x) by the library's generic reverse mode on the whole graph (<see cref="Reverse.Grad"/>,
    /// compiled once into a <see cref="Plan"/>): one forward and one backward pass, O(d₀·d₁ + d₁·d₂).</summary>
    public (double Value, DenseVector Gradient) GradientGeneric(DenseVector x, Workspace? workspace = null)
    {
        var v = GradientPlan.Run(At(x), workspace);
        return (v[0].ToScalar(), v[1].AsVector());
    }
}
