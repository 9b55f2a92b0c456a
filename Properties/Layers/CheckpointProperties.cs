using AutoDiff.Functional.Properties.Training;
using AutoDiff.Functional.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Layers;

/// <summary>A fit cut off after <see cref="StopAt"/> steps, by one of three optimisers, with or without a held-out set.</summary>
public sealed record ResumeCase(FitCase Fit, int StopAt, int Optimiser, bool HeldOut)
{
    public Optimiser Make() => Optimiser switch
    {
        0 => new Adam(0.05),
        1 => new Sgd(0.05, 0.9, nesterov: true),
        _ => new RmsProp(0.01),
    };
}

public static class ResumeArbs
{
    public static Arbitrary<ResumeCase> Case() =>
        (from fit in FitArbs.Case().Generator
         from stopAt in Gen.Choose(0, 60)
         from optimiser in Gen.Choose(0, 2)
         from heldOut in Gen.Elements(false, true)
         select new ResumeCase(fit, stopAt, optimiser, heldOut)).ToArbitrary();
}

/// <summary>A fit saved to a checkpoint file, loaded and resumed gives the uninterrupted fit bit for bit: parameters,
/// optimiser state, histories, best epoch and the early stop.</summary>
[Properties(Arbitrary = [typeof(ResumeArbs)], MaxTest = 100)]
public class CheckpointProperties
{
    static long[] Bits(IEnumerable<double> v) => [.. v.Select(BitConverter.DoubleToInt64Bits)];

    static Parameters[] Trees(OptimiserState s) => s switch
    {
        AdamState a => [a.FirstMoment, a.SecondMoment],
        MomentumState m => [m.Velocity],
        RmsPropState r => [r.MeanSquare],
        _ => throw new InvalidOperationException(s.GetType().Name),
    };

    static void Same(FitResult expected, FitResult actual)
    {
        Assert.True(expected.Last.BitwiseEquals(actual.Last), "last parameters");
        Assert.True(expected.Parameters.BitwiseEquals(actual.Parameters), "chosen parameters");
        Assert.Equal(expected.State.GetType(), actual.State.GetType());
        Assert.Equal(expected.State.Step, actual.State.Step);
        foreach (var (e, a) in Trees(expected.State).Zip(Trees(actual.State))) Assert.True(e.BitwiseEquals(a), "optimiser state");
        Assert.Equal(Bits(expected.StepLosses), Bits(actual.StepLosses));
        Assert.Equal(Bits(expected.EpochLosses), Bits(actual.EpochLosses));
        Assert.Equal(Bits(expected.HeldOutLosses), Bits(actual.HeldOutLosses));
        Assert.Equal(expected.BestEpoch, actual.BestEpoch);
        Assert.Equal(expected.StoppedEarly, actual.StoppedEarly);
        Assert.Equal(expected.History.ToCsv(), actual.History.ToCsv());   // round-trip precision: the same doubles
    }

    [Property]
    public Property A_fit_resumed_from_its_checkpoint_file_is_the_uninterrupted_fit(ResumeCase c)
    {
        var (data, start) = c.Fit.Make();
        Dataset train = data, heldOut = null!;
        if (c.HeldOut && data.Rows >= 6) (train, heldOut) = data.Split(heldOut: 3, seed: c.Fit.DataSeed);
        var options = new FitOptions
        {
            Epochs = 5,
            BatchSize = c.Fit.BatchSize,
            Seed = c.Fit.FitSeed,
            Patience = heldOut is null ? null : 1,
            Metrics = [new FitMetric("w0", (θ, _) => θ["w"][0]), new FitMetric("b", (θ, _) => θ["b"].ToScalar())],
        };
        var whole = Fit.Run(FitCase.Loss, start, c.Make(), train, heldOut, options);
        var cut = Fit.Run(FitCase.Loss, start, c.Make(), train, heldOut, options with { MaxSteps = c.StopAt });
        var path = Path.GetTempFileName();
        try
        {
            Checkpoint.Save(path, cut);
            var loaded = Checkpoint.Load(path);
            Same(cut, loaded);
            if (cut.StoppedEarly || cut.Steps == whole.Steps)
            {
                Same(whole, cut);   // it stopped where the whole fit stops: nothing to resume
                return true.Classify(true, "nothing left");
            }
            Same(whole, Fit.Resume(FitCase.Loss, loaded, c.Make(), train, heldOut, options));
            return true.Classify(cut.Steps % Math.Max(1, whole.StepLosses.Count / Math.Max(1, whole.EpochLosses.Count)) != 0, "cut within an epoch")
                .Classify(heldOut is not null, "held-out set");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Resuming_with_another_batch_size_is_refused()
    {
        var (data, start) = new FitCase(20, 4, 1, 2).Make();
        var cut = Fit.Run(FitCase.Loss, start, new Adam(0.1), data, options: new FitOptions { BatchSize = 4, MaxSteps = 7 });
        var e = Assert.Throws<ArgumentException>(() => Fit.Resume(FitCase.Loss, cut, new Adam(0.1), data, options: new FitOptions { BatchSize = 10 }));
        Assert.StartsWith("Fit.Resume: 7 steps (7 losses) do not fit 1 completed epochs of 2 batches of 10 rows;", e.Message);
        var made = Assert.Throws<ArgumentException>(() => Fit.Resume(FitCase.Loss, cut with { BestEpoch = 3 }, new Adam(0.1), data, options: new FitOptions { BatchSize = 4 }));
        Assert.StartsWith("Fit.Resume: the best epoch 3 has no held-out loss among 0 or no parameters (Best);", made.Message);
    }
}
