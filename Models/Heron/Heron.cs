namespace AutoDiff.Functional.Models;

/// <summary>The result of the adaptive iteration: the last iterate, how many steps it took, and whether the stopping
/// rule fired before the step limit.</summary>
public sealed record HeronRun(double Y, int Steps, bool Converged);

/// <summary>A value of √x by Heron's method and its derivative d y_N/dx, with the number of steps N used.</summary>
public sealed record HeronDerivative(double Value, double Derivative, int Steps);

/// <summary>Seed 004, problem 2: √x by Heron's method, y₀ = 1, y_k = (y_{k−1} + x/y_{k−1})/2 — Newton's method on
/// r(y) = y² − x — and the derivative of the N-th iterate with respect to x through the loop.</summary>
/// <remarks>
/// <para>The loop is unrolled into a graph of N steps (<see cref="Unrolled"/>), built by a plain loop (no recursion),
/// so N = 1,000,000 works. Its derivative comes from the library's forward mode (the total derivative
/// dy_k/dx = ∂y_k/∂y_{k−1}·dy_{k−1}/dx + ∂y_k/∂x carried step by step) or reverse mode (one backward pass).</para>
/// <para>The adaptive rule stops after the first step with |y_k − y_{k−1}| ≤ tol·|y_k|, or at a step limit. The rule
/// only chooses N: as a function of x it is piecewise constant, so it contributes no derivative. The numeric
/// iteration runs first to find N, and then the N-step unrolled graph is differentiated; it recomputes the same
/// floating-point operations, so its value equals the numeric iterate exactly.</para>
/// <para>Near convergence both the iterate and its derivative converge quadratically: with e = y − √x,
/// ∂y_k/∂y_{k−1} = (1 − x/y²)/2 ≈ e/√x, and the derivative's error is O(e²). The default tolerance therefore
/// leaves both at rounding level.</para>
/// <para>Beyond the seed, <see cref="ImplicitDerivative"/> differentiates the fixed point itself: F(y, x) = y² − x = 0
/// gives dy/dx = −(∂F/∂x)/(∂F/∂y) = 1/(2y), with the partials from the library's AD at the converged y alone,
/// without storing or replaying the iterations.</para>
/// </remarks>
public static class Heron
{
    /// <summary>The default relative step tolerance of the adaptive rule: far above the 1-ulp oscillation the
    /// iteration can fall into in floating point, and small enough that, the convergence being quadratic, the
    /// next iterate and its derivative are exact to rounding.</summary>
    public const double DefaultTolerance = 1e-10;
    /// <summary>The default step limit of the adaptive rule (from y₀ = 1, x = 10³⁰⁰ needs about 500 steps).</summary>
    public const int DefaultMaxSteps = 2000;

    /// <summary>One step y ← (y + x/y)/2, written as in the graph, so numbers and graph agree bit for bit.</summary>
    public static double Step(double y, double x) => (y + x / y) * 0.5;

    /// <summary>y_N by N numeric steps from y₀ = 1.</summary>
    public static double Iterate(double x, int n)
    {
        CheckInput(x, n);
        double y = 1;
        for (int k = 0; k < n; k++) y = Step(y, x);
        return y;
    }

    /// <summary>Iterates until |y_k − y_{k−1}| ≤ <paramref name="tolerance"/>·|y_k| or <paramref name="maxSteps"/>
    /// steps, storing nothing.</summary>
    public static HeronRun IterateAdaptive(double x, double tolerance = DefaultTolerance, int maxSteps = DefaultMaxSteps)
    {
        CheckInput(x, maxSteps);
        if (!(tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), $"Heron: tolerance {tolerance} must be ≥ 0");
        double y = 1;
        for (int k = 1; k <= maxSteps; k++)
        {
            double next = Step(y, x);
            double step = next - y;
            y = next;
            if (Math.Abs(step) <= tolerance * Math.Abs(y)) return new(y, k, true);
        }
        return new(y, maxSteps, false);
    }

    /// <summary>The graph of y_N as a function of <paramref name="x"/> (any scalar node): N steps unrolled by a loop,
    /// each step three nodes (x/y, y + x/y, ·0.5), sharing one constant ½.</summary>
    public static Node Unrolled(Node x, int n)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!x.Shape.IsScalar) throw new ShapeException($"Heron: x must be a scalar, not {x.Shape}");
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var half = Node.Constant(0.5);
        var y = Node.Constant(1.0);
        for (int k = 0; k < n; k++) y = (y + x / y) * half;
        return y;
    }

    /// <summary>The graph of y_N as one loop node (<see cref="Loop.Repeat(int, Node, Func{Node, Node}, Checkpointing?)"/>):
    /// the step traced once and compiled once, whatever N; <paramref name="checkpointing"/> chooses how reverse mode
    /// gets the iterates back.</summary>
    public static Node Looped(Node x, int n, Checkpointing? checkpointing = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!x.Shape.IsScalar) throw new ShapeException($"Heron: x must be a scalar, not {x.Shape}");
        return Loop.Repeat(n, Node.Constant(1.0), y => (y + x / y) * 0.5, checkpointing);
    }

    /// <summary>The adaptive rule as a while loop over (y_{k−1}, y_k, k): go on while (y_k − y_{k−1})² &gt; tol²·y_k²
    /// (|Δy| &gt; tol·|y|, without an absolute value), at most <paramref name="maxSteps"/> steps, from (∞, 1, 0) so the
    /// first step is always taken. Returns the nodes of y and of the step count.</summary>
    public static (Node Y, Node Steps) LoopedAdaptive(Node x, double tolerance = DefaultTolerance, int maxSteps = DefaultMaxSteps,
        Checkpointing? checkpointing = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!x.Shape.IsScalar) throw new ShapeException($"Heron: x must be a scalar, not {x.Shape}");
        var carries = Loop.While([Node.Constant(double.PositiveInfinity), Node.Constant(1.0), Node.Constant(0.0)],
            c => (c[1] - c[0]).Square() - tolerance * tolerance * c[1].Square(),
            c => [c[1], (c[1] + x / c[1]) * 0.5, c[2] + 1], maxSteps, checkpointing);
        return (carries[1], carries[2]);
    }

    /// <summary>y_N and dy_N/dx by reverse mode through the loop node: build, value and derivative in one call.</summary>
    public static HeronDerivative LoopReverse(double x, int n, Checkpointing? checkpointing = null)
    {
        CheckInput(x, n);
        var xv = Node.Variable("x", Shape.Scalar);
        var y = Looped(xv, n, checkpointing);
        var v = Evaluator.Evaluate([y, Functional.Reverse.Grad(y, [xv])[0]], Bindings.Empty.Bind(xv, x));
        return new(v[0].ToScalar(), v[1].ToScalar(), n);
    }

    /// <summary>The adaptive rule as a while loop, differentiated in reverse mode through the steps it took.</summary>
    public static HeronDerivative LoopReverseAdaptive(double x, double tolerance = DefaultTolerance, int maxSteps = DefaultMaxSteps,
        Checkpointing? checkpointing = null)
    {
        CheckInput(x, maxSteps);
        var xv = Node.Variable("x", Shape.Scalar);
        var (y, steps) = LoopedAdaptive(xv, tolerance, maxSteps, checkpointing);
        var v = Evaluator.Evaluate([y, Functional.Reverse.Grad(y, [xv])[0], steps], Bindings.Empty.Bind(xv, x));
        return new(v[0].ToScalar(), v[1].ToScalar(), (int)v[2].ToScalar());
    }

    /// <summary>y_N and dy_N/dx by forward mode through the unrolled loop: the JVP of the N-step graph with tangent
    /// ẋ = 1.</summary>
    public static HeronDerivative Forward(double x, int n)
    {
        CheckInput(x, n);
        var xv = Node.Variable("x", Shape.Scalar);
        var y = Unrolled(xv, n);
        var dy = ForwardMode.Jvp([y], [(xv, Node.Constant(1.0))])[0];
        var v = Evaluator.Evaluate([y, dy], Bindings.Empty.Bind(xv, x));
        return new(v[0].ToScalar(), v[1].ToScalar(), n);
    }

    /// <summary>y_N and dy_N/dx by reverse mode through the unrolled loop: one backward pass from ȳ_N = 1.</summary>
    public static HeronDerivative Reverse(double x, int n)
    {
        CheckInput(x, n);
        var xv = Node.Variable("x", Shape.Scalar);
        var y = Unrolled(xv, n);
        var dx = Functional.Reverse.Grad(y, [xv])[0];
        var v = Evaluator.Evaluate([y, dx], Bindings.Empty.Bind(xv, x));
        return new(v[0].ToScalar(), v[1].ToScalar(), n);
    }

    /// <summary>The adaptive rule chooses N (<see cref="IterateAdaptive"/>); then forward mode through the N-step
    /// loop. The choice of N contributes no derivative (it is piecewise constant in x).</summary>
    /// <exception cref="InvalidOperationException">The rule did not fire within <paramref name="maxSteps"/>.</exception>
    public static HeronDerivative ForwardAdaptive(double x, double tolerance = DefaultTolerance, int maxSteps = DefaultMaxSteps) =>
        Forward(x, ConvergedSteps(x, tolerance, maxSteps));

    /// <summary>The adaptive rule chooses N; then reverse mode through the N-step loop.</summary>
    /// <exception cref="InvalidOperationException">The rule did not fire within <paramref name="maxSteps"/>.</exception>
    public static HeronDerivative ReverseAdaptive(double x, double tolerance = DefaultTolerance, int maxSteps = DefaultMaxSteps) =>
        Reverse(x, ConvergedSteps(x, tolerance, maxSteps));

    /// <summary>The derivative of the fixed point by implicit differentiation: at the converged y (adaptive rule, no
    /// iterations stored), F(y, x) = y² − x = 0, so dy/dx = −(∂F/∂x)/(∂F/∂y) = −(−1)/(2y) = 1/(2y), with ∂F/∂y and
    /// ∂F/∂x from one reverse pass of the library over F. <see cref="HeronDerivative.Steps"/> is the N the rule
    /// chose for y.</summary>
    /// <exception cref="InvalidOperationException">The rule did not fire within <paramref name="maxSteps"/>.</exception>
    public static HeronDerivative ImplicitDerivative(double x, double tolerance = DefaultTolerance, int maxSteps = DefaultMaxSteps)
    {
        int n = ConvergedSteps(x, tolerance, maxSteps);
        double y = Iterate(x, n);
        var (dFdy, dFdx) = ResidualPartials(y, x);
        return new(y, -dFdx / dFdy, n);
    }

    /// <summary>∂F/∂y and ∂F/∂x of the residual F(y, x) = y² − x at (y, x), by the library's reverse mode.</summary>
    public static (double DFdy, double DFdx) ResidualPartials(double y, double x)
    {
        var yv = Node.Variable("y", Shape.Scalar);
        var xv = Node.Variable("x", Shape.Scalar);
        var residual = yv.Square() - xv;
        var gradients = AD.Grad(residual, Bindings.Empty.Bind(yv, y).Bind(xv, x), yv, xv);
        return (gradients[0].ToScalar(), gradients[1].ToScalar());
    }

    static int ConvergedSteps(double x, double tolerance, int maxSteps)
    {
        var run = IterateAdaptive(x, tolerance, maxSteps);
        return run.Converged ? run.Steps
            : throw new InvalidOperationException($"Heron: no convergence for x = {x} within {maxSteps} steps (tolerance {tolerance})");
    }

    static void CheckInput(double x, int n)
    {
        if (!(x > 0) || double.IsPositiveInfinity(x))
            throw new ArgumentOutOfRangeException(nameof(x), $"Heron: x = {x}; √x by this iteration needs a finite x > 0");
        ArgumentOutOfRangeException.ThrowIfNegative(n);
    }
}
