using AutoDiff.Functional.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Training;

/// <summary>A random optimiser step: a layout of 1–3 tensors (vectors or matrices, each side 1–4), θ, g and the two
/// moment estimates (the second non-negative) over it, the steps already taken, and hyperparameters.</summary>
public sealed record OptimiserCase(int[][] Shapes, double[] Theta, double[] G, double[] M, double[] V, int Taken,
    double Rate, double Beta1, double Beta2, double Decay)
{
    /// <summary>A set of this layout holding <paramref name="flat"/>.</summary>
    public Parameters Set(double[] flat) =>
        Parameters.Of([.. Shapes.Select((s, i) => ($"p{i}", Tensor.Zeros(Shape.Of(s))))]).Unflatten(flat);

    /// <inheritdoc/>
    public override string ToString() =>
        $"shapes=[{string.Join(" ", Shapes.Select(s => string.Join("×", s)))}] t={Taken} η={Rate} β₁={Beta1} β₂={Beta2} λ={Decay} " +
        $"θ=[{string.Join(", ", Theta.Take(4))}…] g=[{string.Join(", ", G.Take(4))}…]";
}

public static class OptimiserArbs
{
    static Gen<double> Value(double low, double high) => Gen.Choose(0, 1_000_000).Select(i => low + (high - low) * i / 1_000_000);

    public static Arbitrary<OptimiserCase> Case() =>
        (from count in Gen.Choose(1, 3)
         from shapes in Gen.ArrayOf(from rank in Gen.Choose(1, 2) from dims in Gen.ArrayOf(Gen.Choose(1, 4), rank) select dims, count)
         let n = shapes.Sum(s => s.Aggregate(1, (a, b) => a * b))
         from theta in Gen.ArrayOf(Value(-2, 2), n)
         from g in Gen.ArrayOf(Value(-2, 2), n)
         from m in Gen.ArrayOf(Value(-1, 1), n)
         from v in Gen.ArrayOf(Value(0, 1), n)
         from taken in Gen.Choose(0, 50)
         from rate in Value(1e-4, 0.1)
         from beta1 in Value(0, 0.99)
         from beta2 in Value(0.9, 0.9999)
         from decay in Value(0, 0.1)
         select new OptimiserCase(shapes, theta, g, m, v, taken, rate, beta1, beta2, decay)).ToArbitrary();
}

/// <summary>Each optimiser's step against its published update, written here element by element from the papers (and
/// PyTorch's documentation of the same algorithms), never from the library's code; and purity.</summary>
[Properties(Arbitrary = [typeof(OptimiserArbs)], MaxTest = 100)]
public class OptimiserProperties
{
    const double Eps = 1e-8;

    static void Close(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-15 * Math.Max(1, Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    static double[] Applied(OptimiserCase c, Parameters update) => c.Set(c.Theta).Axpy(1, update).Flatten();

    [Property]
    public void Adam_follows_Kingma_and_Ba_algorithm_1(OptimiserCase c)
    {
        var adam = new Adam(c.Rate, c.Beta1, c.Beta2, Eps);
        var (state, update) = adam.Step(new AdamState(c.Taken, c.Set(c.M), c.Set(c.V)), c.Set(c.G), c.Set(c.Theta));

        int t = c.Taken + 1, n = c.G.Length;
        double[] m = new double[n], v = new double[n], theta = new double[n];
        for (int i = 0; i < n; i++)
        {
            m[i] = c.Beta1 * c.M[i] + (1 - c.Beta1) * c.G[i];                // biased first moment
            v[i] = c.Beta2 * c.V[i] + (1 - c.Beta2) * c.G[i] * c.G[i];       // biased second raw moment
            double mHat = m[i] / (1 - Math.Pow(c.Beta1, t)), vHat = v[i] / (1 - Math.Pow(c.Beta2, t));
            theta[i] = c.Theta[i] - c.Rate * mHat / (Math.Sqrt(vHat) + Eps);
        }
        var s = (AdamState)state;
        Assert.Equal(t, s.Step);
        Close(m, s.FirstMoment.Flatten(), "m");
        Close(v, s.SecondMoment.Flatten(), "v");
        Close(theta, Applied(c, update), "θ");
    }

    [Property]
    public void AdamW_follows_Loshchilov_and_Hutter_algorithm_2(OptimiserCase c)
    {
        var adamW = Adam.W(c.Rate, c.Decay, c.Beta1, c.Beta2, Eps);
        var (_, update) = adamW.Step(new AdamState(c.Taken, c.Set(c.M), c.Set(c.V)), c.Set(c.G), c.Set(c.Theta));

        int t = c.Taken + 1, n = c.G.Length;
        var theta = new double[n];
        for (int i = 0; i < n; i++)
        {
            double m = c.Beta1 * c.M[i] + (1 - c.Beta1) * c.G[i], v = c.Beta2 * c.V[i] + (1 - c.Beta2) * c.G[i] * c.G[i];
            double mHat = m / (1 - Math.Pow(c.Beta1, t)), vHat = v / (1 - Math.Pow(c.Beta2, t));
            // Decoupled decay: θ shrinks by ηλθ, apart from the adaptive step (PyTorch's AdamW, η_t = η).
            theta[i] = c.Theta[i] - c.Rate * c.Decay * c.Theta[i] - c.Rate * mHat / (Math.Sqrt(vHat) + Eps);
        }
        Close(theta, Applied(c, update), "θ");
    }

    [Property]
    public void Sgd_with_momentum_and_Nesterov_follows_the_heavy_ball_update(OptimiserCase c, bool nesterov)
    {
        double mu = c.Beta1;   // any momentum in [0, 1)
        var sgd = new Sgd(c.Rate, mu, nesterov);
        var (state, update) = sgd.Step(new MomentumState(c.Taken, c.Set(c.M)), c.Set(c.G), c.Set(c.Theta));

        int n = c.G.Length;
        double[] b = new double[n], theta = new double[n];
        for (int i = 0; i < n; i++)
        {
            b[i] = mu * c.M[i] + c.G[i];
            theta[i] = c.Theta[i] - c.Rate * (nesterov ? c.G[i] + mu * b[i] : b[i]);
        }
        Close(b, ((MomentumState)state).Velocity.Flatten(), "velocity");
        Close(theta, Applied(c, update), "θ");
    }

    [Property]
    public void RmsProp_follows_Tieleman_and_Hinton(OptimiserCase c)
    {
        double rho = c.Beta2;
        var rms = new RmsProp(c.Rate, rho, Eps);
        var (state, update) = rms.Step(new RmsPropState(c.Taken, c.Set(c.V)), c.Set(c.G), c.Set(c.Theta));

        int n = c.G.Length;
        double[] s = new double[n], theta = new double[n];
        for (int i = 0; i < n; i++)
        {
            s[i] = rho * c.V[i] + (1 - rho) * c.G[i] * c.G[i];
            theta[i] = c.Theta[i] - c.Rate * c.G[i] / (Math.Sqrt(s[i]) + Eps);
        }
        Close(s, ((RmsPropState)state).MeanSquare.Flatten(), "mean square");
        Close(theta, Applied(c, update), "θ");
    }

    [Property]
    public void Optimisers_are_pure(OptimiserCase c)
    {
        var theta = c.Set(c.Theta);
        var g = c.Set(c.G);
        (Optimiser Optimiser, OptimiserState State)[] cases =
        [
            (new Sgd(c.Rate, c.Beta1, nesterov: true), new MomentumState(c.Taken, c.Set(c.M))),
            (Adam.W(Schedule.Cosine(c.Rate, 100).WithWarmUp(5), c.Decay, c.Beta1, c.Beta2), new AdamState(c.Taken, c.Set(c.M), c.Set(c.V))),
            (new RmsProp(c.Rate, c.Beta2), new RmsPropState(c.Taken, c.Set(c.V))),
        ];
        foreach (var (optimiser, state) in cases)
        {
            var (s1, u1) = optimiser.Step(state, g, theta);
            var (s2, u2) = optimiser.Step(state, g, theta);
            Assert.True(u1.BitwiseEquals(u2), $"{optimiser.GetType().Name}: two updates differ");
            Assert.True(Moments(s1).Zip(Moments(s2), (a, b) => a.BitwiseEquals(b)).All(same => same), $"{optimiser.GetType().Name}: two states differ");
            // Nothing the step read was written to.
            Assert.True(theta.BitwiseEquals(c.Set(c.Theta)) && g.BitwiseEquals(c.Set(c.G)));
            Assert.True(Moments(state).All(m => m.BitwiseEquals(c.Set(c.M)) || m.BitwiseEquals(c.Set(c.V))));
        }
    }

    static Parameters[] Moments(OptimiserState s) => s switch
    {
        MomentumState m => [m.Velocity],
        AdamState a => [a.FirstMoment, a.SecondMoment],
        RmsPropState r => [r.MeanSquare],
        _ => throw new ArgumentException(s.GetType().Name),
    };

    [Property]
    public void Clipping_by_global_norm_keeps_the_direction_and_caps_the_norm(OptimiserCase c)
    {
        var g = c.Set(c.G);
        double norm = Math.Sqrt(c.G.Sum(x => x * x)), max = c.Rate * 10;
        var clipped = g.ClipByNorm(max).Flatten();
        double scale = norm > max ? max / norm : 1;
        Close([.. c.G.Select(x => x * scale)], clipped, "clipped");
    }

    [Property]
    public void Flatten_and_unflatten_are_inverse_and_the_arithmetic_matches_the_flat_vectors(OptimiserCase c)
    {
        var a = c.Set(c.Theta);
        var b = c.Set(c.G);
        Assert.Equal(c.Theta, a.Flatten());
        Assert.True(a.Unflatten(a.Flatten()).BitwiseEquals(a));
        Close([.. c.Theta.Zip(c.G, (x, y) => x + c.Rate * y)], a.Axpy(c.Rate, b).Flatten(), "axpy");
        Close([.. c.Theta.Select(x => c.Rate * x)], a.Scale(c.Rate).Flatten(), "scale");
        double dot = c.Theta.Zip(c.G, (x, y) => x * y).Sum();
        Assert.True(Math.Abs(dot - a.Dot(b)) <= 1e-13 * Math.Max(1, Math.Abs(dot)));
    }
}

public class ScheduleTests
{
    [Fact]
    public void Schedules_take_their_defining_values()
    {
        Assert.Equal(0.1, Schedule.Constant(0.1).At(1000));
        Assert.Equal(0.1 * 0.5 * 0.5, Schedule.StepDecay(0.1, 0.5, 10).At(25), 15);
        Assert.Equal(0.1 * Math.Pow(0.99, 7), Schedule.Exponential(0.1, 0.99).At(7), 15);
        var cosine = Schedule.Cosine(0.1, 100, 0.001);
        Assert.Equal(0.1, cosine.At(0), 15);
        Assert.Equal((0.1 + 0.001) / 2, cosine.At(50), 15);
        Assert.Equal(0.001, cosine.At(100), 15);
        Assert.Equal(0.001, cosine.At(500), 15);
        var warm = cosine.WithWarmUp(4);
        Assert.Equal([0.025, 0.05, 0.075, 0.1, 0.1], [.. Enumerable.Range(0, 5).Select(t => Math.Round(warm.At(t), 15))]);
    }

    [Fact]
    public void A_state_from_another_optimiser_or_layout_is_an_error_that_names_it()
    {
        var theta = Parameters.Of(("W", Tensor.Zeros(Shape.Matrix(2, 3))));
        var other = Parameters.Of(("W", Tensor.Zeros(Shape.Matrix(3, 2))));
        var e = Assert.Throws<ArgumentException>(() => new Adam(0.1).Step(new RmsPropState(0, theta), theta, theta));
        Assert.Contains("RmsPropState", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Sgd(0.1).Step(new MomentumState(0, theta), other, theta));
        Assert.Contains("'W'", e.Message);
        Assert.Contains("(3×2)", e.Message);
    }
}
