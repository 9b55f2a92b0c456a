using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Values;

/// <summary>Tensor.ToString prints rows as they are read, first axis outermost (NumPy's nesting), whatever the
/// column-major storage: a matrix [[1, 2], [3, 4]] must not print as its storage [1, 3, 2, 4].</summary>
public class TensorTextTests
{
    [Fact]
    public void A_matrix_prints_its_rows()
    {
        Assert.Equal("Tensor(2×2) [[1, 2], [3, 4]]", Tensor.Matrix(new double[,] { { 1, 2 }, { 3, 4 } }).ToString());
        Assert.Equal("Tensor(2×3) [[1, 2, 3], [4, 5, 6]]", Tensor.Matrix(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }).ToString());
        Assert.Equal("Tensor(3) [0.5, -1, 2]", Tensor.Vector(0.5, -1, 2).ToString());
        Assert.Equal("Tensor() [7]", Tensor.Scalar(7).ToString());
        Assert.Equal("Tensor(2×1) int32 [[4], [2]]", Tensor.Indices(Shape.Matrix(2, 1), [4, 2]).ToString());
    }

    [Fact]
    public void Higher_ranks_nest_with_the_first_axis_outermost()
    {
        // Column-major: element (i, j, k) of a (2×2×2) tensor is stored at i + 2j + 4k, so it holds that number.
        var t = Tensor.FromColumnMajor(Shape.Of(2, 2, 2), [0, 1, 2, 3, 4, 5, 6, 7]);
        Assert.Equal("Tensor(2×2×2) [[[0, 4], [2, 6]], [[1, 5], [3, 7]]]", t.ToString());
    }

    [Fact]
    public void Long_axes_show_six_entries_then_an_ellipsis()
    {
        var m = new double[7, 8];
        for (int i = 0; i < 7; i++) for (int j = 0; j < 8; j++) m[i, j] = 10 * i + j;
        string Row(int i) => $"[{string.Join(", ", Enumerable.Range(0, 6).Select(j => 10 * i + j))}, …]";
        Assert.Equal($"Tensor(7×8) [{string.Join(", ", Enumerable.Range(0, 6).Select(Row))}, …]", Tensor.Matrix(m).ToString());
    }

    [Property(MaxTest = 100)]
    public Property Any_small_matrix_prints_row_by_row() =>
        Prop.ForAll(Gen.Choose(1, 6).ToArbitrary(), Gen.Choose(1, 6).ToArbitrary(), Gen.Choose(0, 100_000).ToArbitrary(), (rows, columns, seed) =>
        {
            var random = new Random(seed);
            var m = new double[rows, columns];
            for (int i = 0; i < rows; i++) for (int j = 0; j < columns; j++) m[i, j] = Math.Round(random.NextDouble() * 200 - 100, 3);
            // Written from the double[,] (row-major in C#), independently of the tensor's storage order.
            var expected = "[" + string.Join(", ", Enumerable.Range(0, rows).Select(i =>
                "[" + string.Join(", ", Enumerable.Range(0, columns).Select(j => m[i, j].ToString("G6", CultureInfo.InvariantCulture))) + "]")) + "]";
            Assert.Equal($"Tensor({rows}×{columns}) {expected}", Tensor.Matrix(m).ToString());
        });
}
