using AutoDiff.Functional.Models;
using AutoDiff.Functional.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Training;

/// <summary>One hyper-parameter of one constructor: who checks it, the parameter's name, the kind of value it takes,
/// and the call with that value in its place (every other argument valid).</summary>
public sealed record Slot(string Who, string Parameter, Kind Kind, Action<double> Make)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Who}({Parameter})";
}

/// <summary>What a hyper-parameter may be: a learning rate or λ (finite, ≥ 0), a positive rate (finite, &gt; 0), a
/// decay factor (0, 1], a decay of a moment [0, 1), an ε or a clipping norm (&gt; 0).</summary>
public enum Kind { NonNegative, Positive, Factor, Unit, Epsilon }

/// <summary>A slot and a value for it.</summary>
public sealed record SlotCase(Slot Slot, double Value)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Slot} = {Value:R}";
}

public static class ValidationArbs
{
    static readonly RecommenderFactors Factors = RecommenderFactors.Random(2, 3, 4, true, 1);
    static readonly Ratings Few = new(3, 4, [0, 1, 2], [0, 1, 3], [1, 2, 3]);

    /// <summary>Every hyper-parameter of the optimisers, the schedules, FitOptions and the recommender.</summary>
    public static readonly Slot[] Slots =
    [
        new("Schedule.Constant", "rate", Kind.NonNegative, v => Schedule.Constant(v)),
        new("Schedule.StepDecay", "rate", Kind.NonNegative, v => Schedule.StepDecay(v, 0.5, 10)),
        new("Schedule.StepDecay", "factor", Kind.Factor, v => Schedule.StepDecay(0.1, v, 10)),
        new("Schedule.Exponential", "rate", Kind.NonNegative, v => Schedule.Exponential(v, 0.9)),
        new("Schedule.Exponential", "decay", Kind.Factor, v => Schedule.Exponential(0.1, v)),
        new("Schedule.Cosine", "rate", Kind.NonNegative, v => Schedule.Cosine(v, 100)),
        new("Schedule.Cosine", "final", Kind.NonNegative, v => Schedule.Cosine(0.1, 100, v)),
        new("Schedule.Constant", "rate", Kind.NonNegative, v => _ = new Sgd(v)),   // a number converts to a constant schedule
        new("Schedule.Constant", "rate", Kind.NonNegative, v => _ = new Adam(v)),
        new("Schedule.Constant", "rate", Kind.NonNegative, v => _ = new RmsProp(v)),
        new("Sgd", "momentum", Kind.Unit, v => _ = new Sgd(0.1, v)),
        new("Adam", "beta1", Kind.Unit, v => _ = new Adam(0.1, beta1: v)),
        new("Adam", "beta2", Kind.Unit, v => _ = new Adam(0.1, beta2: v)),
        new("Adam", "epsilon", Kind.Epsilon, v => _ = new Adam(0.1, epsilon: v)),
        new("Adam", "weightDecay", Kind.NonNegative, v => _ = new Adam(0.1, weightDecay: v)),
        new("Adam", "weightDecay", Kind.NonNegative, v => Adam.W(0.1, v)),
        new("RmsProp", "rho", Kind.Unit, v => _ = new RmsProp(0.1, v)),
        new("RmsProp", "epsilon", Kind.Epsilon, v => _ = new RmsProp(0.1, epsilon: v)),
        new("FitOptions", "ClipNorm", Kind.Epsilon, v => _ = new FitOptions { ClipNorm = v }),
        new("SparseAdam", "learningRate", Kind.Positive, v => _ = new SparseAdam(Factors, 2, v, 0.1)),
        new("SparseAdam", "LearningRate", Kind.Positive, v => _ = new SparseAdam(Factors, 2, 0.1, 0.1) { LearningRate = v }),
        new("SparseAdam", "lambda", Kind.NonNegative, v => _ = new SparseAdam(Factors, 2, 0.1, v)),
        new("RecommenderFullBatch", "lambda", Kind.NonNegative, v => _ = new RecommenderFullBatch(Few, 2, v, true)),
        new("Recommender.Build", "lambda", Kind.NonNegative, v => Recommender.Build(Few, 2, v, false)),
    ];

    static Gen<double> Magnitude => from e in Gen.Choose(-300, 300) from m in Gen.Choose(1, 9_999) select m / 1000.0 * Math.Pow(10, e);
    static Gen<double> NonFinite => Gen.Elements(double.NaN, double.PositiveInfinity, double.NegativeInfinity);
    static Gen<double> Negative => Gen.OneOf(Magnitude.Select(x => -x), Gen.Elements(-double.Epsilon, -double.MaxValue, -0.0 - 1e-300));

    /// <summary>Values a slot of this kind must refuse: NaN, ±∞, negatives of every magnitude, and its kind's own
    /// edges (0 where it must be positive, 1 and above where it must stay below 1).</summary>
    public static Gen<double> Bad(Kind kind) => kind switch
    {
        Kind.NonNegative => Gen.OneOf(NonFinite, Negative),
        Kind.Positive or Kind.Epsilon => Gen.OneOf(NonFinite, Negative, Gen.Constant(0.0)),
        Kind.Factor => Gen.OneOf(NonFinite, Negative, Gen.Constant(0.0), Magnitude.Select(x => 1 + x).Where(x => x > 1)),
        _ => Gen.OneOf(NonFinite, Negative, Gen.Constant(1.0), Magnitude.Select(x => 1 + x)),
    };

    /// <summary>Values a slot of this kind must take.</summary>
    public static Gen<double> Good(Kind kind) => kind switch
    {
        Kind.NonNegative => Gen.OneOf(Gen.Constant(0.0), Magnitude),
        Kind.Positive or Kind.Epsilon => Magnitude,
        Kind.Factor => Gen.OneOf(Gen.Constant(1.0), Gen.Choose(1, 1_000_000).Select(m => m / 1e6)),
        _ => Gen.OneOf(Gen.Constant(0.0), Gen.Choose(0, 999_999).Select(m => m / 1e6)),
    };

    public static Arbitrary<SlotCase> Case() =>
        (from slot in Gen.Elements(Slots)
         from bad in Gen.Elements(true, false)
         from value in bad ? Bad(slot.Kind) : Good(slot.Kind)
         select new SlotCase(slot, value)).ToArbitrary();
}

/// <summary>Training's inputs are checked where they are given: every hyper-parameter of every optimiser, schedule,
/// FitOptions and the recommender, with random non-finite, negative and out-of-range values (and random valid ones,
/// which must pass); a fit that meets a NaN in its data or diverges stops at its last finite parameters and names the
/// step; names shared by parameters and data, zero rows and an empty held-out set are errors.</summary>
[Properties(Arbitrary = [typeof(ValidationArbs), typeof(FitArbs)], MaxTest = 100)]
public class ValidationProperties
{
    [Property(MaxTest = 300)]
    public Property Every_hyper_parameter_refuses_what_cannot_work_naming_itself_and_the_value(SlotCase c)
    {
        Exception? thrown = null;
        try { c.Slot.Make(c.Value); }
        catch (Exception failure) { thrown = failure; }
        bool bad = !Accepts(c.Slot.Kind, c.Value);
        if (!bad) return (thrown is null).Label($"{c} was refused: {thrown?.Message}").Classify(true, "valid");
        return (thrown is ArgumentOutOfRangeException { ParamName: var name, ActualValue: double actual } e
                && name == c.Slot.Parameter && actual.Equals(c.Value) && e.Message.StartsWith(c.Slot.Who, StringComparison.Ordinal))
            .Label($"{c}: {thrown?.GetType().Name} {(thrown as ArgumentException)?.ParamName} {thrown?.Message}").Classify(true, "refused");
    }

    // The rule, stated independently of the library: what each kind of hyper-parameter may be.
    static bool Accepts(Kind kind, double v) => kind switch
    {
        Kind.NonNegative => double.IsFinite(v) && v >= 0,
        Kind.Positive or Kind.Epsilon => double.IsFinite(v) && v > 0,
        Kind.Factor => v > 0 && v <= 1,
        _ => v >= 0 && v < 1,
    };

    [Property]
    public Property FitOptions_counts_refuse_negatives_naming_the_option(int value, int which)
    {
        var (name, make, least) = (Math.Abs(which % 4)) switch
        {
            0 => ("Epochs", (Action<int>)(v => _ = new FitOptions { Epochs = v }), 0),
            1 => ("BatchSize", v => _ = new FitOptions { BatchSize = v }, 1),
            2 => ("Patience", v => _ = new FitOptions { Patience = v }, 0),
            _ => ("MaxSteps", (Action<int>)(v => _ = new FitOptions { MaxSteps = v }), 0),
        };
        Exception? thrown = null;
        try { make(value); }
        catch (Exception failure) { thrown = failure; }
        return (value >= least
                ? thrown is null
                : thrown is ArgumentOutOfRangeException { ParamName: var p } e && p == name && e.Message.StartsWith($"FitOptions: {name}", StringComparison.Ordinal))
            .Label($"{name} = {value}: {thrown?.Message ?? "accepted"}").Classify(value < least, "refused");
    }

    /// <summary>A NaN or ±∞ at a random place of the data: the fit stops at the first step whose batch holds it, names
    /// that step, keeps the finite parameters before it, and is the fit that MaxSteps = step − 1 gives, bit for bit.</summary>
    [Property]
    public Property A_non_finite_value_in_the_data_stops_the_fit_at_the_step_that_meets_it(FitCase c, int row, int column, int kind)
    {
        var (data, start) = c.Make();
        double bad = new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity }[Math.Abs(kind % 3)];
        int r = Math.Abs(row % c.Rows), j = Math.Abs(column % 4);
        var X = data["X"].Values.ToArray();
        var y = data["y"].Values.ToArray();
        if (j < 3) X[r + j * c.Rows] = bad; else y[r] = bad;
        var corrupted = Dataset.Of(("X", Tensor.FromColumnMajor(Shape.Matrix(c.Rows, 3), X)), ("y", Tensor.Vector(y)));
        var options = new FitOptions { Epochs = 2, BatchSize = c.BatchSize, Seed = c.FitSeed };
        var seen = new List<FitStep>();
        var result = Fit.Run(FitCase.Loss, start, new Sgd(0.05), corrupted, options: options, onStep: seen.Add);
        if (result.Diverged is not { } d) return false.Label("no divergence reported");
        var before = Fit.Run(FitCase.Loss, start, new Sgd(0.05), corrupted, options: options with { MaxSteps = d.Step - 1 });
        return (d.What.StartsWith("the batch loss is", StringComparison.Ordinal).Label($"what: {d.What}")
            .And((result.Steps == d.Step - 1 && seen.Count == d.Step - 1 && result.StepLosses.All(double.IsFinite)).Label($"{d}: {result.Steps} steps, {seen.Count} seen"))
            .And((result.Last.FirstNonFiniteForTests() is null && result.Parameters.FirstNonFiniteForTests() is null).Label("parameters not finite"))
            .And((before.Diverged is null && before.Last.BitwiseEquals(result.Last)).Label("the fit to step − 1 differs")))
            .Classify(d.Epoch > 0, "in the second epoch");
    }

    /// <summary>Gradient descent on ‖w − 1‖² at a random huge rate (10¹⁵⁰ to 10³⁰⁰) overflows: the fit stops with
    /// finite parameters and names the step; at rate 0.1 the same fit stays finite (the control).</summary>
    [Property]
    public Property Divergence_at_a_huge_rate_stops_with_finite_parameters(int exponent, int size)
    {
        int n = 1 + Math.Abs(size % 5);
        double rate = Math.Pow(10, 150 + Math.Abs(exponent % 151));
        var start = Parameters.Of(("w", Tensor.Vector(new double[n])));
        var data = Dataset.Of(("d", Tensor.Vector(1, 2, 3, 4)));
        Node Loss(int rows) => (Node.Variable("w", Shape.Vector(n)) - 1.0).SquaredNorm() + 0 * Node.Variable("d", Shape.Vector(rows)).Sum();
        var options = new FitOptions { Epochs = 50, BatchSize = 2 };
        var diverged = Fit.Run(Loss, start, new Sgd(rate), data, options: options);
        var control = Fit.Run(Loss, start, new Sgd(0.1), data, options: options);
        return (diverged.Diverged is { } d && diverged.Steps == d.Step - 1 && diverged.Last.FirstNonFiniteForTests() is null)
            .Label($"rate {rate:G3}: {diverged.Diverged?.ToString() ?? "no divergence"}, {diverged.Steps} steps")
            .And((control.Diverged is null && control.Steps == 100).Label($"control: {control.Diverged}"));
    }

    /// <summary>A parameter named like a data column (a random one of them) is an error naming it, in Fit and in
    /// Objective; distinct names are fine.</summary>
    [Property]
    public Property A_name_shared_by_a_parameter_and_the_data_is_named(int pick, bool heldOut)
    {
        string[] names = ["X", "y", "w", "b", "data", "θ"];
        var shared = names[Math.Abs(pick % names.Length)];
        var data = Dataset.Of((shared, Tensor.Vector(1, 2, 3)), ("other", Tensor.Vector(1, 2, 3)));
        var start = Parameters.Of((shared, Tensor.Scalar(0)));
        Node Loss(int rows) => (Node.Variable(shared, Shape.Scalar) * Node.Variable("other", Shape.Vector(rows))).Sum();
        var e = Record.Exception(() => heldOut
            ? Fit.Run(Loss, start, new Sgd(0.1), Dataset.Of(("other", Tensor.Vector(1, 2, 3))), data)
            : Fit.Run(Loss, start, new Sgd(0.1), data));
        var o = Record.Exception(() => Objective.Of(Loss(3), start).Value(start, data));
        return (e is ArgumentException && e.Message.Contains($"'{shared}' is both a parameter and a column of the {(heldOut ? "held-out" : "training")} data"))
            .Label($"Fit: {e?.Message}")
            .And((o is ArgumentException && o.Message.StartsWith($"Objective: '{shared}' is both a parameter and a data column", StringComparison.Ordinal)).Label($"Objective: {o?.Message}"));
    }

    [Fact]
    public void A_fit_on_zero_rows_or_an_empty_held_out_set_is_named()
    {
        var (data, start) = new FitCase(6, 2, 1, 1).Make();
        var none = Dataset.Of(("X", Tensor.Zeros(Shape.Matrix(0, 3))), ("y", Tensor.Zeros(Shape.Vector(0))));
        var e = Assert.Throws<ArgumentException>(() => Fit.Run(FitCase.Loss, start, new Sgd(0.1), none));
        Assert.Equal("Fit: the training set (X, y) has no rows (Parameter 'train')", e.Message);
        var h = Assert.Throws<ArgumentException>(() => Fit.Run(FitCase.Loss, start, new Sgd(0.1), data, none));
        Assert.Equal("Fit: the held-out set (X, y) has no rows (pass null for none) (Parameter 'heldOut')", h.Message);
    }

    [Fact]
    public void A_NaN_in_the_held_out_set_stops_after_the_epoch_that_measured_it()
    {
        var (data, start) = new FitCase(8, 4, 1, 1).Make();
        var (train, heldOut) = data.Split(2, 3);
        var y = heldOut["y"].Values.ToArray();
        y[1] = double.NaN;
        var bad = Dataset.Of(("X", heldOut["X"]), ("y", Tensor.Vector(y)));
        var result = Fit.Run(FitCase.Loss, start, new Sgd(0.05), train, bad, new FitOptions { Epochs = 3, BatchSize = 3 });
        Assert.Equal(new Divergence(2, 0, "the held-out loss after the epoch is NaN"), result.Diverged);
        Assert.Equal(2, result.Steps);
        Assert.Empty(result.HeldOutLosses);
    }
}

static class ParametersForTests
{
    /// <summary>The first non-finite element, found here independently of the library's own watch.</summary>
    public static string? FirstNonFiniteForTests(this Parameters p)
    {
        for (int i = 0; i < p.Count; i++)
            foreach (var v in p[i].Values.ToArray())
                if (!double.IsFinite(v)) return $"{p.Names[i]}: {v}";
        return null;
    }
}
