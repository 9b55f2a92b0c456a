namespace AutoDiff.Functional.Training;

/// <summary>An optimiser's state: <see cref="Step"/> steps taken so far, and whatever it keeps between steps.</summary>
public abstract record OptimiserState(long Step);

/// <summary>SGD's state: the velocity v (zeros at the start).</summary>
public sealed record MomentumState(long Step, Parameters Velocity) : OptimiserState(Step);

/// <summary>Adam's state: the first and second moment estimates m and v (zeros at the start).</summary>
public sealed record AdamState(long Step, Parameters FirstMoment, Parameters SecondMoment) : OptimiserState(Step);

/// <summary>RMSProp's state: the running mean of squared gradients s (zeros at the start).</summary>
public sealed record RmsPropState(long Step, Parameters MeanSquare) : OptimiserState(Step);

/// <summary>An update rule as a pure state transition, optax's <c>GradientTransformation</c>: (state, gradient,
/// parameters) → (state, update), where the caller applies θ ← θ + update. Nothing is kept inside the optimiser, so
/// the same state and gradient always give the same bits, and a state can be saved, copied or replayed.</summary>
public abstract class Optimiser
{
    /// <summary>The learning rate η_t at step t (the number of steps already taken). Every <see cref="Schedule"/> checks
    /// its rates where it is made (finite, ≥ 0), so a NaN, infinite or negative rate fails there, naming it.</summary>
    public Schedule LearningRate { get; }

    private protected Optimiser(Schedule learningRate) => LearningRate = learningRate ?? throw new ArgumentNullException(nameof(learningRate));

    /// <summary>The state before the first step, for parameters shaped like <paramref name="parameters"/>.</summary>
    public abstract OptimiserState Init(Parameters parameters);

    /// <summary>One step: the new state and the update to add to the parameters. <paramref name="parameters"/> are
    /// the current θ (read only by AdamW's weight decay).</summary>
    /// <exception cref="ArgumentException">The gradient, parameters or state do not share one layout, or the state
    /// belongs to another optimiser.</exception>
    public (OptimiserState State, Parameters Update) Step(OptimiserState state, Parameters gradient, Parameters parameters)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(gradient);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.CheckSameLayout($"{GetType().Name}.Step (parameters, gradient)", gradient);
        return Apply(state, gradient, parameters, LearningRate.At(state.Step));
    }

    private protected abstract (OptimiserState, Parameters) Apply(OptimiserState state, Parameters g, Parameters theta, double rate);

    private protected T StateOf<T>(OptimiserState state, Parameters layout, Func<T, Parameters> first) where T : OptimiserState
    {
        if (state is not T typed)
            throw new ArgumentException($"{GetType().Name}.Step: the state is a {state.GetType().Name}, not a {typeof(T).Name}");
        layout.CheckSameLayout($"{GetType().Name}.Step (parameters, state)", first(typed));
        return typed;
    }
}

/// <summary>Stochastic gradient descent with momentum μ, as PyTorch states it (Polyak's heavy ball; Sutskever et al.
/// 2013 for Nesterov):
/// v ← μ·v + g, update = −η·v, or with Nesterov's look-ahead update = −η·(g + μ·v). μ = 0 is plain SGD.</summary>
public sealed class Sgd(Schedule learningRate, double momentum = 0, bool nesterov = false) : Optimiser(learningRate)
{
    /// <summary>μ.</summary>
    public double Momentum { get; } = momentum is >= 0 and < 1 ? momentum : throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Sgd: momentum must be in [0, 1)");
    /// <summary>Nesterov's look-ahead.</summary>
    public bool Nesterov { get; } = nesterov;

    /// <inheritdoc/>
    public override OptimiserState Init(Parameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new MomentumState(0, parameters.Zeros());
    }

    private protected override (OptimiserState, Parameters) Apply(OptimiserState state, Parameters g, Parameters theta, double rate)
    {
        var s = StateOf<MomentumState>(state, theta, s => s.Velocity);
        double mu = Momentum;
        var velocity = new double[g.Count][];
        var update = new double[g.Count][];
        for (int p = 0; p < g.Count; p++)
        {
            ReadOnlySpan<double> gp = g[p].Values, vp = s.Velocity[p].Values;
            var v = velocity[p] = new double[gp.Length];
            var u = update[p] = new double[gp.Length];
            for (int i = 0; i < gp.Length; i++)
            {
                v[i] = mu * vp[i] + gp[i];
                u[i] = -rate * (Nesterov ? gp[i] + mu * v[i] : v[i]);
            }
        }
        return (new MomentumState(s.Step + 1, theta.WithArrays(velocity)), theta.WithArrays(update));
    }
}

/// <summary>Adam (Kingma &amp; Ba 2015, Algorithm 1), and AdamW (Loshchilov &amp; Hutter 2019, Algorithm 2) when the
/// decoupled weight decay λ is positive. At step t = 1, 2, …:
/// m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ),
/// update = −η·(m̂/(√v̂ + ε) + λθ), the decay scaled by η as in PyTorch's AdamW.</summary>
public sealed class Adam(Schedule learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0)
    : Optimiser(learningRate)
{
    /// <summary>β₁, the first moment's decay.</summary>
    public double Beta1 { get; } = beta1 is >= 0 and < 1 ? beta1 : throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "Adam: β₁ must be in [0, 1)");
    /// <summary>β₂, the second moment's decay.</summary>
    public double Beta2 { get; } = beta2 is >= 0 and < 1 ? beta2 : throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "Adam: β₂ must be in [0, 1)");
    /// <summary>ε, added to √v̂.</summary>
    public double Epsilon { get; } = epsilon > 0 && double.IsFinite(epsilon) ? epsilon : throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Adam: ε must be positive and finite");
    /// <summary>λ, AdamW's decoupled weight decay (0: plain Adam).</summary>
    public double WeightDecay { get; } = weightDecay >= 0 && double.IsFinite(weightDecay) ? weightDecay : throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Adam: weight decay must be finite and ≥ 0");

    /// <summary>AdamW: Adam with decoupled weight decay λ.</summary>
    public static Adam W(Schedule learningRate, double weightDecay = 0.01, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) =>
        new(learningRate, beta1, beta2, epsilon, weightDecay);

    /// <inheritdoc/>
    public override OptimiserState Init(Parameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new AdamState(0, parameters.Zeros(), parameters.Zeros());
    }

    private protected override (OptimiserState, Parameters) Apply(OptimiserState state, Parameters g, Parameters theta, double rate)
    {
        var s = StateOf<AdamState>(state, theta, s => s.FirstMoment);
        theta.CheckSameLayout("Adam.Step (parameters, second moment)", s.SecondMoment);
        long t = s.Step + 1;
        double b1 = Beta1, b2 = Beta2, c1 = 1 - Math.Pow(b1, t), c2 = 1 - Math.Pow(b2, t), lambda = WeightDecay;
        var first = new double[g.Count][];
        var second = new double[g.Count][];
        var update = new double[g.Count][];
        for (int p = 0; p < g.Count; p++)
        {
            ReadOnlySpan<double> gp = g[p].Values, mp = s.FirstMoment[p].Values, vp = s.SecondMoment[p].Values, wp = theta[p].Values;
            var m = first[p] = new double[gp.Length];
            var v = second[p] = new double[gp.Length];
            var u = update[p] = new double[gp.Length];
            // Float32 parameters keep float32 moments: rounded as they are made, before the update reads them.
            bool single = theta[p].DType == DType.Float32;
            for (int i = 0; i < gp.Length; i++)
            {
                m[i] = b1 * mp[i] + (1 - b1) * gp[i];
                v[i] = b2 * vp[i] + (1 - b2) * (gp[i] * gp[i]);
                if (single) (m[i], v[i]) = ((float)m[i], (float)v[i]);
                double mHat = m[i] / c1, vHat = v[i] / c2;
                u[i] = -rate * (mHat / (Math.Sqrt(vHat) + Epsilon) + lambda * wp[i]);
            }
        }
        return (new AdamState(t, theta.WithArrays(first), theta.WithArrays(second)), theta.WithArrays(update));
    }
}

/// <summary>RMSProp (Tieleman &amp; Hinton 2012, lecture 6e), as PyTorch states it:
/// s ← ρs + (1 − ρ)g², update = −η·g/(√s + ε).</summary>
public sealed class RmsProp(Schedule learningRate, double rho = 0.99, double epsilon = 1e-8) : Optimiser(learningRate)
{
    /// <summary>ρ, the decay of the running mean of g².</summary>
    public double Rho { get; } = rho is >= 0 and < 1 ? rho : throw new ArgumentOutOfRangeException(nameof(rho), rho, "RmsProp: ρ must be in [0, 1)");
    /// <summary>ε, added to √s.</summary>
    public double Epsilon { get; } = epsilon > 0 && double.IsFinite(epsilon) ? epsilon : throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "RmsProp: ε must be positive and finite");

    /// <inheritdoc/>
    public override OptimiserState Init(Parameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new RmsPropState(0, parameters.Zeros());
    }

    private protected override (OptimiserState, Parameters) Apply(OptimiserState state, Parameters g, Parameters theta, double rate)
    {
        var s = StateOf<RmsPropState>(state, theta, s => s.MeanSquare);
        var meanSquare = new double[g.Count][];
        var update = new double[g.Count][];
        for (int p = 0; p < g.Count; p++)
        {
            ReadOnlySpan<double> gp = g[p].Values, sp = s.MeanSquare[p].Values;
            var ms = meanSquare[p] = new double[gp.Length];
            var u = update[p] = new double[gp.Length];
            for (int i = 0; i < gp.Length; i++)
            {
                ms[i] = Rho * sp[i] + (1 - Rho) * (gp[i] * gp[i]);
                u[i] = -rate * gp[i] / (Math.Sqrt(ms[i]) + Epsilon);
            }
        }
        return (new RmsPropState(s.Step + 1, theta.WithArrays(meanSquare)), theta.WithArrays(update));
    }
}
