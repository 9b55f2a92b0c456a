namespace AutoDiff.Functional.Models.GradBench;

/// <summary>Which mode of AD takes a gradient: forward (one JVP per input element) or reverse (one VJP).</summary>
public enum Differentiation
{
    /// <summary>Forward mode: ∂f/∂xₖ from a Jacobian–vector product along each unit direction eₖ.</summary>
    Forward,
    /// <summary>Reverse mode: ∇f from one vector–Jacobian product with cotangent 1.</summary>
    Reverse,
}

/// <summary>The gradient descent of GradBench's saddle and particle (Pearlmutter and Siskind's multivariate argmin),
/// as one <see cref="Loop.While(Node[], Func{Node[], Node}, Func{Node[], Node[]}, int, Checkpointing?)"/>: from x with
/// step η = 10⁻⁵, move to x′ = x − η∇f(x) when f(x′) &lt; f(x), else halve η; after 10 moves in a row double η;
/// stop when ‖∇f(x)‖ ≤ 10⁻⁵ or ‖x − x′‖ ≤ 10⁻⁵. The argmin is a node, so an objective may contain one and be
/// differentiated through it (nested AD): derivatives take the steps the value took, through the moves x − η∇f(x).
/// </summary>
public static class Descent
{
    /// <summary>The threshold on ‖∇f‖ and on the length of a step at which the descent stops.</summary>
    public const double Tolerance = 1e-5;

    /// <summary>The descent's limit on loop steps (moves, halvings and doublings together); the evals need hundreds.</summary>
    public const int MaxSteps = 100_000;

    const double InitialStep = 1e-5;
    const int MovesBeforeDoubling = 10;

    /// <summary>argmin f from <paramref name="start"/>, ∇f taken by <paramref name="mode"/>.</summary>
    public static Node ArgMin(Func<Node, Node> f, Node start, Differentiation mode)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(start);
        var (f0, g0) = ValueAndGradient(f, start, mode);
        Node[] init = [start, f0, g0, Node.Constant(InitialStep), Node.Constant(0.0)];
        return Loop.While(init, KeepGoing, c =>
        {
            var (x, fx, gx, eta, moves) = (c[0], c[1], c[2], c[3], c[4]);
            var doubling = moves.EqualTo(Node.Constant(MovesBeforeDoubling));
            var trial = x - eta * gx;
            // f and ∇f at the trial are computed on every step (a doubling step discards them): Where picks, it
            // does not skip.
            var (fTrial, gTrial) = ValueAndGradient(f, trial, mode);
            var move = (1 - doubling) * fTrial.LessThan(fx);
            var moveEach = x.Shape.IsScalar ? move : move.Fill(x.Shape);
            return
            [
                PiecewiseMath.Where(moveEach, trial, x),
                PiecewiseMath.Where(move, fTrial, fx),
                PiecewiseMath.Where(moveEach, gTrial, gx),
                PiecewiseMath.Where(doubling, 2 * eta, PiecewiseMath.Where(move, eta, eta / 2)),
                PiecewiseMath.Where(move, moves + 1, 0),
            ];
        }, MaxSteps)[0];

        // Go on while ‖∇f‖ > tol and either η is about to double or the step x − x′ is longer than tol.
        static Node KeepGoing(Node[] c)
        {
            var (x, gx, eta, moves) = (c[0], c[2], c[3], c[4]);
            var steep = gx.Norm().GreaterThan(Tolerance);
            // The distance between the two points, as the eval measures it (it rounds unlike η‖∇f‖).
            var stepLength = (x - (x - eta * gx)).Norm();
            return steep * moves.EqualTo(Node.Constant(MovesBeforeDoubling)).Max(stepLength.GreaterThan(Tolerance));
        }
    }

    /// <summary>argmax f from <paramref name="start"/>: the argmin of −f.</summary>
    public static Node ArgMax(Func<Node, Node> f, Node start, Differentiation mode)
    {
        ArgumentNullException.ThrowIfNull(f);
        return ArgMin(x => -f(x), start, mode);
    }

    /// <summary>f and ∇f at the node <paramref name="at"/>: f traced on a variable of its shape, differentiated there
    /// by <paramref name="mode"/>, and the variable replaced by <paramref name="at"/> (calling the traced function).
    /// </summary>
    public static (Node Value, Node Gradient) ValueAndGradient(Func<Node, Node> f, Node at, Differentiation mode)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(at);
        var x = Node.Variable("x", at.Shape);
        var y = f(x);
        if (!y.Shape.IsScalar) throw new ShapeException($"Descent: the objective has shape {y.Shape}; it must be a scalar");
        var gradient = mode switch
        {
            Differentiation.Reverse => Reverse.Grad(y, [x])[0],
            Differentiation.Forward => ForwardGradient(y, x),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Descent: the mode is Forward or Reverse"),
        };
        var both = Graph.Substitute([y, gradient], [(x, at)]);
        return (both[0], both[1]);
    }

    // ∂y/∂xₖ for each element k of x, one forward pass along eₖ each, reassembled into x's shape.
    static Node ForwardGradient(Node y, Node x)
    {
        var one = Shape.Vector(1);
        var parts = new Node[x.Shape.Size];
        for (int k = 0; k < parts.Length; k++)
            parts[k] = ForwardMode.Jvp([y], [(x, Node.Constant(AD.Basis(x.Shape, k)))])[0].Reshape(one);
        return parts.Length == 1 ? parts[0].Reshape(x.Shape) : Indexing.Concat(0, parts).Reshape(x.Shape);
    }
}
