using AutoDiff.Functional.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Training;

/// <summary>Dataset.Batches and the fractional Split: every sample exactly once per epoch, rows kept whole across
/// tensors, the same seed the same batches.</summary>
public class BatchesProperties
{
    // Row i holds i in the vector, (i, −i) in the matrix and i mod 7 in the labels: a batch's rows can be traced back.
    static Dataset Numbered(int rows) => Dataset.Of(
        ("v", Tensor.Vector([.. Enumerable.Range(0, rows).Select(i => (double)i)])),
        ("M", Tensor.Matrix(new double[rows, 2].Fill((i, j) => j == 0 ? i : -i))),
        ("y", Tensor.Indices([.. Enumerable.Range(0, rows).Select(i => i % 7)])));

    [Property(MaxTest = 100)]
    public Property An_epoch_of_batches_holds_every_row_once_whole() =>
        Prop.ForAll(Gen.Choose(1, 60).ToArbitrary(), Gen.Choose(1, 70).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (rows, size, seed) =>
        {
            var batches = Numbered(rows).Batches(size, seed).ToList();
            Assert.Equal((rows + size - 1) / size, batches.Count);
            Assert.All(batches.SkipLast(1), b => Assert.Equal(size, b.Rows));
            var seen = new List<int>();
            foreach (var b in batches)
                for (int i = 0; i < b.Rows; i++)
                {
                    int r = (int)b["v"][i];
                    Assert.Equal(r, b["M"][i, 0]);
                    Assert.Equal(-r, b["M"][i, 1]);
                    Assert.Equal(r % 7, b["y"].Ints[i]);
                    seen.Add(r);
                }
            Assert.Equal(Enumerable.Range(0, rows), seen.Order());
            Assert.Equal(seen, Numbered(rows).Batches(size, seed).SelectMany(b => b["v"].Values.ToArray()).Select(v => (int)v));
            Assert.Equal(Enumerable.Range(0, rows), Numbered(rows).Batches(size).SelectMany(b => b["v"].Values.ToArray()).Select(v => (int)v));
        });

    [Fact]
    public void Different_seeds_give_different_orders()
    {
        var orders = Enumerable.Range(0, 10).Select(s => string.Join(",", Numbered(20).Batches(20, s).Single()["v"].Values.ToArray())).ToHashSet();
        Assert.Equal(10, orders.Count);   // 20! orders: a repeat among 10 seeds would mean the seed is ignored
    }

    [Property(MaxTest = 100)]
    public Property A_fractional_split_rounds_and_keeps_both_sides() =>
        Prop.ForAll(Gen.Choose(2, 60).ToArbitrary(), Gen.Choose(1, 99).ToArbitrary(), (rows, percent) =>
        {
            var (train, heldOut) = Numbered(rows).Split(percent / 100.0, seed: 3);
            // In whole numbers: rows·percent/100 rounded half up; on an exact half the product's rounding may go either way.
            int up = Math.Clamp((rows * percent + 50) / 100, 1, rows - 1), down = Math.Clamp((rows * percent + 49) / 100, 1, rows - 1);
            Assert.InRange(heldOut.Rows, down, up);
            Assert.True(up - down <= (rows * percent % 100 == 50 ? 1 : 0));
            Assert.Equal(rows, train.Rows + heldOut.Rows);
            Assert.Equal(Enumerable.Range(0, rows), train["v"].Values.ToArray().Concat(heldOut["v"].Values.ToArray()).Select(v => (int)v).Order());
        });

    [Fact]
    public void Bad_batch_sizes_and_fractions_are_named()
    {
        Assert.StartsWith("Dataset.Batches: the batch size must be positive",
            Assert.Throws<ArgumentOutOfRangeException>(() => Numbered(3).Batches(0, 1)).Message);
        Assert.StartsWith("Dataset.Split: the held-out fraction must be in (0, 1)",
            Assert.Throws<ArgumentOutOfRangeException>(() => Numbered(3).Split(1.0, 1)).Message);
    }

    [Fact]
    public void Patience_without_a_held_out_set_is_an_error()
    {
        var (data, start) = new FitCase(8, 4, 1, 1).Make();
        var e = Assert.Throws<ArgumentException>(() => Fit.Run(FitCase.Loss, start, new Adam(0.1), data, options: new FitOptions { Patience = 3 }));
        Assert.StartsWith("Fit: Patience = 3 watches the held-out loss, but no held-out set was given (pass heldOut, e.g. from Dataset.Split, or leave Patience null)", e.Message);
    }
}
