using System.Globalization;
using AutoDiff.Functional.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Training;

/// <summary>A random table: a header of distinct names, rows of finite doubles (of every magnitude, signs and
/// integers among them) and one label column of 0 … k − 1, written out here as text with "R" (round-trip) numbers.</summary>
public sealed record CsvTable(double[][] Rows, int[] Labels, int Classes, char Delimiter)
{
    public int Columns => Rows[0].Length;

    public string Text() =>
        string.Join(Delimiter, Enumerable.Range(0, Columns).Select(j => $"f{j}").Append("label")) + "\n" +
        string.Concat(Rows.Select((r, i) =>
            string.Join(Delimiter, r.Select(v => v.ToString("R", CultureInfo.InvariantCulture)).Append(Labels[i].ToString(CultureInfo.InvariantCulture))) + "\n"));

    public override string ToString() => $"{Rows.Length}×{Columns}, {Classes} classes, delimiter '{Delimiter}'";
}

public static class CsvArbs
{
    static readonly Gen<double> Value = Gen.OneOf(
        Gen.Choose(-1000, 1000).Select(i => (double)i),
        from m in Gen.Choose(-1_000_000, 1_000_000) from e in Gen.Choose(-300, 300) select m * Math.Pow(10, e) / 1e6,
        Gen.Choose(0, 1_000_000).Select(i => BitConverter.Int64BitsToDouble(0x3FF0_0000_0000_0000L + i * 4_503_599_627L)));   // [1, 2): all 52 bits

    public static Arbitrary<CsvTable> Table() =>
        (from rows in Gen.Choose(1, 30)
         from columns in Gen.Choose(1, 6)
         from values in Gen.ArrayOf(Gen.ArrayOf(Value, columns), rows)
         from classes in Gen.Choose(1, 5)
         from labels in Gen.ArrayOf(Gen.Choose(0, classes - 1), rows)
         from delimiter in Gen.Elements(',', '\t', ';')
         select new CsvTable(values, labels, classes, delimiter)).ToArbitrary();
}

/// <summary>Csv.Read: tables written here come back bit for bit as typed tensors; every bad input is an error naming
/// the file, the line and the column.</summary>
[Properties(Arbitrary = [typeof(CsvArbs)], MaxTest = 100)]
public class CsvTests
{
    static Dataset Read(string text, params CsvColumn[] columns) => Csv.Read(new StringReader(text), "data.csv", ',', columns);

    [Property]
    public void A_written_table_reads_back_bit_for_bit(CsvTable t)
    {
        var data = Csv.Read(new StringReader(t.Text()), "t", t.Delimiter, CsvColumn.Labels("label", t.Classes, "y"), CsvColumn.Matrix("X"));
        var X = data["X"];
        Assert.Equal(Shape.Matrix(t.Rows.Length, t.Columns), X.Shape);
        for (int i = 0; i < t.Rows.Length; i++)
            for (int j = 0; j < t.Columns; j++)
                Assert.Equal(BitConverter.DoubleToInt64Bits(t.Rows[i][j]), BitConverter.DoubleToInt64Bits(X[i, j]));
        Assert.Equal(DType.Int32, data["y"].DType);
        Assert.Equal(t.Labels, data["y"].Ints.ToArray());
    }

    [Fact]
    public void Columns_become_vectors_matrices_and_labels()
    {
        var data = Read("a,b,c,species\n1,2,3,setosa\n4,5.5,-6e-3,virginica\n",
            CsvColumn.Vector("b", "target"), CsvColumn.Matrix("X", "c", "a"), CsvColumn.Labels("species", "setosa", "versicolor", "virginica"));
        Assert.Equal(["target", "X", "species"], data.Names);
        Assert.Equal([2, 5.5], data["target"].Values.ToArray());
        Assert.Equal(Shape.Matrix(2, 2), data["X"].Shape);
        Assert.Equal(3, data["X"][0, 0]);
        Assert.Equal(-0.006, data["X"][1, 0]);
        Assert.Equal(4, data["X"][1, 1]);
        Assert.Equal([0, 2], data["species"].Ints.ToArray());
    }

    [Fact]
    public void A_tsv_file_is_read_by_its_extension()
    {
        var path = Path.Combine(Path.GetTempPath(), $"csv-tests-{Guid.NewGuid():N}.tsv");
        File.WriteAllText(path, "x\ty\n1.5\t0\n2.5\t1\n");
        try
        {
            var data = Csv.Read(path, CsvColumn.Vector("x"), CsvColumn.Labels("y", 2));
            Assert.Equal([1.5, 2.5], data["x"].Values.ToArray());
            Assert.Equal([0, 1], data["y"].Ints.ToArray());
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("", "Csv: data.csv is empty (a header line is needed)")]
    [InlineData("x,y\n", "Csv: data.csv has a header but no rows")]
    [InlineData("x,y\n1,0\n2\n", "Csv: data.csv line 3 has 1 fields, the header 2")]
    [InlineData("x,y\n1,0\n2,1,7\n", "Csv: data.csv line 3 has 3 fields, the header 2")]
    [InlineData("x,y\n1,0\n2,1\nabc,1\n", "Csv: data.csv line 4, column 1 ('x'): 'abc' is not a finite number (a point before decimals)")]
    [InlineData("x,y\n1,0\n,1\n", "Csv: data.csv line 3, column 1 ('x'): '' is not a finite number (a point before decimals)")]
    [InlineData("x,y\nNaN,0\n", "Csv: data.csv line 2, column 1 ('x'): 'NaN' is not a finite number (a point before decimals)")]
    [InlineData("x,y\n1,3\n", "Csv: data.csv line 2, column 2 ('y'): label 3 is outside 0 … 2 (3 classes)")]
    [InlineData("x,y\n1,-1\n", "Csv: data.csv line 2, column 2 ('y'): label -1 is outside 0 … 2 (3 classes)")]
    [InlineData("x,y\n1,1.5\n", "Csv: data.csv line 2, column 2 ('y'): '1.5' is not a whole number (a class label)")]
    [InlineData("x,x\n1,1\n", "Csv: data.csv line 1: the header names column 'x' twice")]
    public void Bad_input_names_the_file_line_and_column(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => Read(text, CsvColumn.Vector("x"), CsvColumn.Labels("y", 3)));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void A_missing_column_or_class_name_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => Read("x,y\n1,0\n", CsvColumn.Vector("z")));
        Assert.Equal("Csv: data.csv has no column 'z' (for 'z'); its columns: x, y", e.Message);
        var f = Assert.Throws<FormatException>(() => Read("x,s\n1,setosa\n2,virginca\n", CsvColumn.Labels("s", "setosa", "virginica")));
        Assert.Equal("Csv: data.csv line 3, column 2 ('s'): 'virginca' is not one of the classes setosa, virginica", f.Message);
        var g = Assert.Throws<ArgumentException>(() => Read("x\n1\n", CsvColumn.Vector("x"), CsvColumn.Matrix("rest")));
        Assert.Equal("Csv: data.csv: no columns are left for 'rest' (its columns: x)", g.Message);
    }

    [Fact]
    public void A_missing_file_names_its_path()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Csv.Read("no-such-file.csv", CsvColumn.Vector("x")));
        Assert.Contains("no-such-file.csv", e.Message);
    }

    [Fact]
    public void Quoted_fields_follow_RFC_4180()
    {
        var data = Read("name,x\n\"Smith, J.\",\"1.25\"\n\"said \"\"hi\"\"\",2\n", CsvColumn.Vector("x"));
        Assert.Equal([1.25, 2], data["x"].Values.ToArray());
    }
}
