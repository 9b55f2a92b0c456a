using System.Buffers.Binary;
using AutoDiff.Functional.Plotting;
using AutoDiff.Functional.Training;
using MathNet.Numerics.Optimization;
using Xunit;

namespace AutoDiff.Functional.Properties.Training;

/// <summary>A fit's history (losses and metrics per epoch), its CSV export read back by Csv.Read, progress that carries
/// the held-out loss, L-BFGS progress, and the loss-curve PNGs.</summary>
public class HistoryTests
{
    // The held-out RMSE of y ≈ X·w + b by plain loops, independently of the loss graph (whose MSE is its square).
    static double Rmse(Parameters theta, Dataset data)
    {
        var (X, y, w, b) = (data["X"], data["y"], theta["w"], theta["b"].ToScalar());
        double sum = 0;
        for (int i = 0; i < data.Rows; i++)
        {
            double p = b;
            for (int j = 0; j < 3; j++) p += X[i, j] * w[j];
            sum += (p - y[i]) * (p - y[i]);
        }
        return Math.Sqrt(sum / data.Rows);
    }

    static (FitResult Fit, List<FitStep> Steps) Run()
    {
        var (data, start) = new FitCase(40, 8, 3, 5).Make();
        var (train, heldOut) = data.Split(10, seed: 1);
        var steps = new List<FitStep>();
        var fit = Fit.Run(FitCase.Loss, start, new Adam(0.05), train, heldOut,
            new FitOptions { Epochs = 6, BatchSize = 8, Metrics = [new("rmse", Rmse), new("a, \"quoted\" name", (_, d) => d.Rows)] }, steps.Add);
        return (fit, steps);
    }

    [Fact]
    public void The_history_holds_every_epochs_losses_and_metrics()
    {
        var (fit, _) = Run();
        var h = fit.History;
        Assert.Equal(["rmse", "a, \"quoted\" name"], h.MetricNames);
        Assert.Equal(6, h.Epochs.Count);
        for (int e = 0; e < 6; e++)
        {
            Assert.Equal(e, h.Epochs[e].Epoch);
            Assert.Equal(4L * (e + 1), h.Epochs[e].Steps);   // 30 training rows in batches of 8: 4 steps an epoch
            Assert.Equal(fit.EpochLosses[e], h.Epochs[e].TrainLoss);
            Assert.Equal(fit.HeldOutLosses[e], h.Epochs[e].HeldOutLoss);
            Assert.Equal(Math.Sqrt(fit.HeldOutLosses[e]), h.Epochs[e].Metrics[0], 1e-12);   // the held-out MSE's root
            Assert.Equal(10, h.Epochs[e].Metrics[1]);   // measured on the held-out rows
        }
    }

    [Fact]
    public void The_csv_export_reads_back_bit_for_bit()
    {
        var h = Run().Fit.History;
        var csv = h.ToCsv();
        Assert.StartsWith("epoch,steps,train_loss,held_out_loss,rmse,\"a, \"\"quoted\"\" name\"\n", csv);
        var back = Csv.Read(new StringReader(csv), "history", ',', CsvColumn.Vector("train_loss"), CsvColumn.Vector("held_out_loss"),
            CsvColumn.Vector("rmse"), CsvColumn.Vector("epoch"));
        Assert.Equal(h.Epochs.Select(e => e.TrainLoss), back["train_loss"].Values.ToArray());
        Assert.Equal(h.Epochs.Select(e => e.HeldOutLoss!.Value), back["held_out_loss"].Values.ToArray());
        Assert.Equal(h.Epochs.Select(e => e.Metrics[0]), back["rmse"].Values.ToArray());
        Assert.Equal([0, 1, 2, 3, 4, 5], back["epoch"].Values.ToArray());
    }

    [Fact]
    public void Without_a_held_out_set_metrics_are_measured_on_the_training_rows()
    {
        var (data, start) = new FitCase(12, 4, 3, 5).Make();
        var fit = Fit.Run(FitCase.Loss, start, new Sgd(0.01), data, options: new FitOptions { Epochs = 2, Metrics = [new("rows", (_, d) => d.Rows)] });
        Assert.False(fit.History.HasHeldOut);
        Assert.All(fit.History.Epochs, e => Assert.Equal(12, e.Metrics[0]));
        Assert.Equal("epoch,steps,train_loss,rows", fit.History.ToCsv().Split('\n')[0]);
    }

    [Fact]
    public void Progress_carries_the_last_held_out_loss()
    {
        var (fit, steps) = Run();
        Assert.Equal(24, steps.Count);
        foreach (var s in steps)
            Assert.Equal(s.Epoch == 0 ? null : fit.HeldOutLosses[s.Epoch - 1], s.HeldOutLoss);
    }

    [Fact]
    public void Lbfgs_reports_every_evaluation()
    {
        var (data, start) = new FitCase(20, 4, 3, 5).Make();
        var seen = new List<FullBatchStep>();
        var result = FullBatch.Minimise(new LimitedMemoryBfgsMinimizer(1e-10, 1e-12, 1e-12, 5, 100), Objective.Of(FitCase.Loss(data.Rows), start), start, data, seen.Add);
        Assert.Equal(result.Evaluations, seen.Select(s => s.Loss));
        Assert.Equal(Enumerable.Range(1, seen.Count), seen.Select(s => s.Evaluation));
        for (int i = 0; i < seen.Count; i++) Assert.Equal(seen.Take(i + 1).Min(s => s.Loss), seen[i].Best);
    }

    [Fact]
    public void Loss_curves_are_written_as_png_files_of_the_size_asked()
    {
        var fit = Run().Fit;
        var (data, start) = new FitCase(20, 4, 3, 5).Make();
        var lbfgs = FullBatch.Minimise(new LimitedMemoryBfgsMinimizer(1e-10, 1e-12, 1e-12, 5, 100), Objective.Of(FitCase.Loss(data.Rows), start), start, data);
        var directory = Directory.CreateTempSubdirectory("loss-curves").FullName;
        try
        {
            foreach (var (path, save) in new (string, Action<string>)[]
            {
                (Path.Combine(directory, "fit.png"), p => LossCurve.SavePng(fit.History, p, width: 640, height: 400)),
                (Path.Combine(directory, "lbfgs.png"), p => LossCurve.SavePng(lbfgs, p, width: 640, height: 400)),
            })
            {
                save(path);
                var bytes = File.ReadAllBytes(path);
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
                Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));   // width and height follow, big-endian
                Assert.Equal(640, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
                Assert.Equal(400, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
                Assert.True(bytes.Length > 5_000, $"{path}: {bytes.Length} bytes, too few for a drawn plot");
            }
        }
        finally { Directory.Delete(directory, recursive: true); }
    }

    [Fact]
    public void An_empty_history_cannot_be_drawn()
    {
        var e = Assert.Throws<ArgumentException>(() => LossCurve.SavePng(new FitHistory([], []), "never.png"));
        Assert.StartsWith("LossCurve: the history has no completed epoch to draw", e.Message);
    }
}
