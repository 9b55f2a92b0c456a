using System.Globalization;
using Sylvan.Data.Csv;

namespace AutoDiff.Functional.Training;

/// <summary>One tensor a <see cref="Csv"/> read makes: its name in the <see cref="Dataset"/>, the file's columns it
/// reads, and how (float64 values, or int32 class labels checked against the number of classes).</summary>
public sealed class CsvColumn
{
    CsvColumn(string name, string[] sources, bool isMatrix, int classes, string[]? classNames)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("CsvColumn: a name is required", nameof(name));
        foreach (var source in sources)
            if (string.IsNullOrEmpty(source)) throw new ArgumentException($"CsvColumn '{name}': a column name is empty", nameof(sources));
        (Name, Sources, IsMatrix, Classes, ClassNames) = (name, sources, isMatrix, classes, classNames);
        classIndex = classNames?.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
    }

    readonly Dictionary<string, int>? classIndex;

    /// <summary>The label of a class name, or −1.</summary>
    internal int IndexOfClass(string name) => classIndex is not null && classIndex.TryGetValue(name, out var i) ? i : -1;

    /// <summary>The tensor's name in the dataset (the graph's variable it binds).</summary>
    public string Name { get; }
    /// <summary>The file's columns it reads, in order; empty for a matrix of every column no other entry reads.</summary>
    public IReadOnlyList<string> Sources { get; }
    /// <summary>A matrix (rows × columns) rather than a vector.</summary>
    public bool IsMatrix { get; }
    /// <summary>For labels, the number of classes k (each label in 0 … k − 1); 0 for float64 values.</summary>
    public int Classes { get; }
    /// <summary>For labels written as names, the names in the order of their indices; otherwise null.</summary>
    public IReadOnlyList<string>? ClassNames { get; }
    /// <summary><see cref="DType.Int32"/> for labels, otherwise <see cref="DType.Float64"/>.</summary>
    public DType DType => Classes > 0 ? DType.Int32 : DType.Float64;

    /// <summary>A float64 vector from the file's column <paramref name="column"/>, called <paramref name="name"/> in the
    /// dataset (the column's own name when null).</summary>
    public static CsvColumn Vector(string column, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(column);
        return new(name ?? column, [column], false, 0, null);
    }

    /// <summary>A float64 matrix (rows × columns) of the file's <paramref name="columns"/> in that order; with none, of
    /// every column that no other entry of the read takes, in the file's order (the features beside a label).</summary>
    public static CsvColumn Matrix(string name, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(columns);
        return new(name, [.. columns], true, 0, null);
    }

    /// <summary>An int32 vector of class labels, whole numbers in 0 … <paramref name="classes"/> − 1, from the file's
    /// column <paramref name="column"/> (named <paramref name="name"/>, or as the column).</summary>
    public static CsvColumn Labels(string column, int classes, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, $"CsvColumn.Labels('{column}'): the number of classes must be ≥ 1");
        return new(name ?? column, [column], false, classes, null);
    }

    /// <summary>An int32 vector of class labels written as names in the file ("setosa"): label i is the name
    /// <paramref name="classNames"/>[i]; any other name is an error.</summary>
    public static CsvColumn Labels(string column, params string[] classNames)
    {
        ArgumentNullException.ThrowIfNull(column);
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Length == 0) throw new ArgumentException($"CsvColumn.Labels('{column}'): no class names", nameof(classNames));
        if (classNames.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"CsvColumn.Labels('{column}'): class '{twice.Key}' appears twice", nameof(classNames));
        return new(column, [column], false, classNames.Length, [.. classNames]);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name} ← {(Sources.Count == 0 ? "every other column" : string.Join(", ", Sources))}{(Classes > 0 ? $" ({Classes} classes)" : "")}";
}

/// <summary>Reads delimited text (CSV, TSV) with a header line into a <see cref="Dataset"/> of typed tensors, with
/// Sylvan.Data.Csv (MIT, RFC 4180 quoting) doing the splitting. Numbers are read in the invariant culture (a point
/// before decimals). Every cell a column reads must be there and parse: a ragged row, a cell that is not a finite
/// number, a label out of range, a missing column or an empty file is a <see cref="FormatException"/> naming the file,
/// the line and the column.</summary>
/// <remarks>Line numbers count the header as line 1 and assume no line break inside a quoted field.</remarks>
public static class Csv
{
    /// <summary>Reads the file at <paramref name="path"/>: tab-separated when its name ends in .tsv or .tab, otherwise
    /// comma-separated.</summary>
    /// <example><code>
    /// var data = Csv.Read("iris.csv", CsvColumn.Labels("species", "setosa", "versicolor", "virginica"), CsvColumn.Matrix("X"));
    /// </code></example>
    public static Dataset Read(string path, params CsvColumn[] columns)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(columns);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        using var reader = new StreamReader(path);
        return Read(reader, path, extension is ".tsv" or ".tab" ? '\t' : ',', columns);
    }

    /// <summary>Reads delimited text from <paramref name="reader"/>; <paramref name="source"/> names it in errors.</summary>
    public static Dataset Read(TextReader reader, string source, char delimiter, params CsvColumn[] columns)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0) throw new ArgumentException($"Csv: {source}: no columns asked for", nameof(columns));
        foreach (var c in columns) ArgumentNullException.ThrowIfNull(c, nameof(columns));

        if (reader.Peek() < 0) throw new FormatException($"Csv: {source} is empty (a header line is needed)");
        using var csv = CsvDataReader.Create(reader, new CsvDataReaderOptions { Delimiter = delimiter, HasHeaders = true });
        var header = Enumerable.Range(0, csv.FieldCount).Select(csv.GetName).ToArray();
        if (header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new FormatException($"Csv: {source} line 1: the header names column '{twice.Key}' twice");
        var fields = Resolve(columns, header, source);

        // One list per file column read (a matrix's columns are stored one after another: column-major already).
        var cells = fields.Select(f => f.Select(_ => new List<double>()).ToArray()).ToArray();
        var labels = columns.Select(_ => new List<int>()).ToArray();
        while (csv.Read())
        {
            int line = csv.RowNumber + 1;   // Sylvan numbers the data rows from 1; the header is line 1
            if (csv.RowFieldCount != header.Length)
                throw new FormatException($"Csv: {source} line {line} has {csv.RowFieldCount} fields, the header {header.Length}");
            for (int e = 0; e < columns.Length; e++)
                for (int k = 0; k < fields[e].Length; k++)
                {
                    int f = fields[e][k];
                    var cell = csv.GetString(f);
                    if (columns[e].Classes > 0) labels[e].Add(Label(columns[e], cell, Where(source, line, f, header)));
                    else cells[e][k].Add(Number(cell, Where(source, line, f, header)));
                }
        }
        int rows = columns[0].Classes > 0 ? labels[0].Count : cells[0][0].Count;
        if (rows == 0) throw new FormatException($"Csv: {source} has a header but no rows");

        var entries = new (string, Tensor)[columns.Length];
        for (int e = 0; e < columns.Length; e++)
            entries[e] = (columns[e].Name, columns[e].Classes > 0 ? Tensor.Indices([.. labels[e]])
                : columns[e].IsMatrix ? Tensor.FromColumnMajor(Shape.Matrix(rows, fields[e].Length), [.. cells[e].SelectMany(c => c)])
                : Tensor.FromColumnMajor(Shape.Vector(rows), [.. cells[e][0]]));
        return Dataset.Of(entries);
    }

    // The file's field indices each entry reads; a matrix of no named columns takes every column nobody else reads.
    static int[][] Resolve(CsvColumn[] columns, string[] header, string source)
    {
        var named = new HashSet<string>(columns.SelectMany(c => c.Sources));
        var fields = new int[columns.Length][];
        for (int e = 0; e < columns.Length; e++)
        {
            var c = columns[e];
            fields[e] = c.Sources.Count == 0
                ? [.. Enumerable.Range(0, header.Length).Where(i => !named.Contains(header[i]))]
                : [.. c.Sources.Select(s => Array.IndexOf(header, s) is var i and >= 0 ? i
                    : throw new ArgumentException($"Csv: {source} has no column '{s}' (for '{c.Name}'); its columns: {string.Join(", ", header)}"))];
            if (fields[e].Length == 0) throw new ArgumentException($"Csv: {source}: no columns are left for '{c.Name}' (its columns: {string.Join(", ", header)})");
        }
        return fields;
    }

    static string Where(string source, int line, int field, string[] header) => $"{source} line {line}, column {field + 1} ('{header[field]}')";

    static double Number(string cell, string where) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v
            : throw new FormatException($"Csv: {where}: '{cell}' is not a finite number (a point before decimals)");

    static int Label(CsvColumn column, string cell, string where)
    {
        if (column.ClassNames is { } names)
            return column.IndexOfClass(cell) is var i and >= 0 ? i
                : throw new FormatException($"Csv: {where}: '{cell}' is not one of the classes {string.Join(", ", names)}");
        if (!int.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out var label))
            throw new FormatException($"Csv: {where}: '{cell}' is not a whole number (a class label)");
        return label >= 0 && label < column.Classes ? label
            : throw new FormatException($"Csv: {where}: label {label} is outside 0 … {column.Classes - 1} ({column.Classes} classes)");
    }
}
