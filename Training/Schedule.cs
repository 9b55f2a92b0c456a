namespace AutoDiff.Functional.Training;

/// <summary>A learning rate as a function of the step t = 0, 1, 2, … (the number of steps already taken). A plain
/// number converts to a constant schedule.</summary>
public sealed class Schedule
{
    readonly Func<long, double> rate;
    readonly string description;

    Schedule(Func<long, double> rate, string description) => (this.rate, this.description) = (rate, description);

    /// <summary>The rate at step <paramref name="step"/>.</summary>
    public double At(long step) => rate(step);

    /// <summary>η at every step.</summary>
    /// <exception cref="ArgumentOutOfRangeException">η is NaN, infinite or negative.</exception>
    public static Schedule Constant(double rate)
    {
        Rate("Schedule.Constant", nameof(rate), rate);
        return new(_ => rate, $"constant {rate:G4}");
    }

    /// <summary>η·γ^⌊t / every⌋: multiplied by <paramref name="factor"/> every <paramref name="every"/> steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException">η is not finite and ≥ 0, γ not in (0, 1], or the period not positive.</exception>
    public static Schedule StepDecay(double rate, double factor, long every)
    {
        Rate("Schedule.StepDecay", nameof(rate), rate);
        Decay("Schedule.StepDecay", nameof(factor), factor);
        if (every <= 0) throw new ArgumentOutOfRangeException(nameof(every), every, "Schedule.StepDecay: steps between decays must be positive");
        return new(t => rate * Math.Pow(factor, t / every), $"{rate:G4}·{factor:G4}^⌊t/{every}⌋");
    }

    /// <summary>η·γ^t.</summary>
    /// <exception cref="ArgumentOutOfRangeException">η is not finite and ≥ 0, or γ not in (0, 1].</exception>
    public static Schedule Exponential(double rate, double decay)
    {
        Rate("Schedule.Exponential", nameof(rate), rate);
        Decay("Schedule.Exponential", nameof(decay), decay);
        return new(t => rate * Math.Pow(decay, t), $"{rate:G4}·{decay:G4}^t");
    }

    /// <summary>Cosine annealing (Loshchilov &amp; Hutter, SGDR): η_min + (η − η_min)(1 + cos(π·min(t, T)/T))/2 over
    /// T = <paramref name="steps"/> steps, then η_min.</summary>
    /// <exception cref="ArgumentOutOfRangeException">η or η_min is not finite and ≥ 0, or T is not positive.</exception>
    public static Schedule Cosine(double rate, long steps, double final = 0)
    {
        Rate("Schedule.Cosine", nameof(rate), rate);
        Rate("Schedule.Cosine", nameof(final), final);
        if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "Schedule.Cosine: the number of steps must be positive");
        return new(t => final + (rate - final) * (1 + Math.Cos(Math.PI * Math.Min(t, steps) / steps)) / 2, $"cosine {rate:G4}→{final:G4} over {steps}");
    }

    // Checked once, where the schedule is made: every rate a schedule gives is then finite and ≥ 0 (a product of
    // finite rates ≥ 0 and decays in (0, 1], or a convex mix of two rates), so no step has to check it again.
    static void Rate(string who, string name, double rate)
    {
        if (!(double.IsFinite(rate) && rate >= 0)) throw new ArgumentOutOfRangeException(name, rate, $"{who}: the learning rate {name} must be finite and ≥ 0");
    }

    static void Decay(string who, string name, double factor)
    {
        if (!(factor is > 0 and <= 1)) throw new ArgumentOutOfRangeException(name, factor, $"{who}: the decay {name} must be in (0, 1]");
    }

    /// <summary>A linear warm-up: η₀·(t + 1)/W for the first W = <paramref name="steps"/> steps (η₀ this schedule's
    /// first rate), then this schedule from its own step 0.</summary>
    public Schedule WithWarmUp(long steps)
    {
        if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "Schedule.WithWarmUp: the number of steps must be positive");
        var after = rate;
        return new(t => t < steps ? after(0) * (t + 1) / steps : after(t - steps), $"warm-up {steps}, then {description}");
    }

    /// <summary>A constant schedule.</summary>
    public static implicit operator Schedule(double rate) => Constant(rate);

    /// <inheritdoc/>
    public override string ToString() => description;
}
