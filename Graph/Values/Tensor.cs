using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional;

/// <summary>An immutable dense tensor of float64 values (or of int32 data: indices and labels), rank 0, 1, 2 and
/// beyond, stored in column-major order like MathNet and BLAS, so wrapping a <see cref="DenseMatrix"/> or reading a
/// result back as one shares the storage instead of copying it.</summary>
/// <remarks><para>Storage order at rank N: column-major, the first axis varying fastest. Element (i₀, …, i_{N−1}) of
/// a (d₀×…×d_{N−1}) tensor is <see cref="Values"/>[i₀ + d₀·(i₁ + d₁·(i₂ + …))]; for a matrix that is i + m·j, MathNet's
/// and BLAS's layout, which is what makes the views below zero-copy.</para>
/// Immutability is a contract: <see cref="Wrap(DenseMatrix)"/> and <see cref="AsMatrix"/> share storage,
/// so the caller must not write through the MathNet object while the tensor is in use. Use
/// <see cref="Copy(DenseMatrix)"/> or <c>AsMatrix().Clone()</c> when in doubt.</remarks>
public sealed class Tensor
{
    /// <summary>The float64 elements; null for int32 data, which ops only read once a node's types are checked.</summary>
    internal readonly double[] Storage;
    /// <summary>The int32 elements; null for float64 values.</summary>
    internal readonly int[]? IntStorage;

    /// <summary>The tensor's shape.</summary>
    public Shape Shape { get; }
    /// <summary>The element type.</summary>
    public DType DType => IntStorage is null ? DType.Float64 : DType.Int32;

    internal Tensor(Shape shape, double[] storage)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(storage);
        if (storage.Length != shape.Size)
            throw new ArgumentException($"Tensor: {storage.Length} values do not fill a tensor of shape {shape}");
        Shape = shape;
        Storage = storage;
    }

    Tensor(Shape shape, int[] data)
    {
        if (data.Length != shape.Size)
            throw new ArgumentException($"Tensor: {data.Length} values do not fill a tensor of shape {shape}");
        Shape = shape;
        Storage = null!;
        IntStorage = data;
    }

    /// <summary>Takes ownership of <paramref name="columnMajor"/> without copying; the caller must not change it afterwards.</summary>
    public static Tensor FromColumnMajor(Shape shape, double[] columnMajor) =>
        new(shape ?? throw new ArgumentNullException(nameof(shape)), columnMajor ?? throw new ArgumentNullException(nameof(columnMajor)));

    /// <summary>A vector of int32 data (indices, labels, segment ids), copied from <paramref name="values"/>.</summary>
    public static Tensor Indices(params int[] values) =>
        new(Shape.Vector((values ?? throw new ArgumentNullException(nameof(values))).Length), (int[])values.Clone());

    /// <summary>Int32 data of any shape, copied from <paramref name="columnMajor"/> (first axis fastest).</summary>
    public static Tensor Indices(Shape shape, int[] columnMajor) =>
        new(shape ?? throw new ArgumentNullException(nameof(shape)), (int[])(columnMajor ?? throw new ArgumentNullException(nameof(columnMajor))).Clone());

    /// <summary>Wraps int32 data without copying (zero-copy, like <see cref="Wrap(DenseVector)"/>: do not change
    /// <paramref name="values"/> while the tensor is in use).</summary>
    public static Tensor WrapIndices(int[] values) =>
        new(Shape.Vector((values ?? throw new ArgumentNullException(nameof(values))).Length), values);

    /// <summary>Int32 data owning <paramref name="columnMajor"/>, for the library's own fresh arrays.</summary>
    internal static Tensor OwnIndices(Shape shape, int[] columnMajor) => new(shape, columnMajor);

    /// <summary>The float64 elements in column-major order, read-only.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds int32 data (read <see cref="Ints"/>).</exception>
    public ReadOnlySpan<double> Values => Storage ?? throw NotFloat("Values");

    /// <summary>The int32 elements in column-major order, read-only.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds float64 values (read <see cref="Values"/>).</exception>
    public ReadOnlySpan<int> Ints => IntStorage ?? throw new InvalidOperationException($"Ints: tensor {Shape} holds float64 values (read Values)");

    InvalidOperationException NotFloat(string member) =>
        new InvalidOperationException($"{member}: tensor {Shape} holds int32 data (read Ints, or cast the node with ToFloat64())");

    /// <summary>A scalar.</summary>
    public static Tensor Scalar(double value) => new(Shape.Scalar, [value]);
    /// <summary>A vector, copied from <paramref name="values"/>.</summary>
    public static Tensor Vector(params double[] values) =>
        new(Shape.Vector((values ?? throw new ArgumentNullException(nameof(values))).Length), (double[])values.Clone());
    /// <summary>A matrix, copied from a row-major C# array.</summary>
    public static Tensor Matrix(double[,] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int m = values.GetLength(0), n = values.GetLength(1);
        var shape = Shape.Matrix(m, n);
        var s = new double[shape.Size];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++) s[i + j * m] = values[i, j];
        return new(shape, s);
    }
    /// <summary>All elements equal to <paramref name="value"/>.</summary>
    public static Tensor Filled(Shape shape, double value)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var s = new double[shape.Size];
        if (value != 0) Array.Fill(s, value);
        return new(shape, s);
    }
    /// <summary>All zeros.</summary>
    public static Tensor Zeros(Shape shape) => Filled(shape, 0);

    /// <summary>Wraps a MathNet matrix without copying (zero-copy; do not mutate it afterwards).</summary>
    public static Tensor Wrap(DenseMatrix matrix) => matrix is null ? throw new ArgumentNullException(nameof(matrix)) : new(Shape.Matrix(matrix.RowCount, matrix.ColumnCount), matrix.Values);
    /// <summary>Wraps a MathNet vector without copying (zero-copy; do not mutate it afterwards).</summary>
    public static Tensor Wrap(DenseVector vector) => vector is null ? throw new ArgumentNullException(nameof(vector)) : new(Shape.Vector(vector.Count), vector.Values);
    /// <summary>Copies a MathNet matrix.</summary>
    public static Tensor Copy(DenseMatrix matrix) => Wrap((DenseMatrix)(matrix ?? throw new ArgumentNullException(nameof(matrix))).Clone());
    /// <summary>Copies a MathNet vector.</summary>
    public static Tensor Copy(DenseVector vector) => Wrap((DenseVector)(vector ?? throw new ArgumentNullException(nameof(vector))).Clone());

    /// <summary>Wraps a MathNet vector without copying, so MathNet values can be passed where tensors are expected.</summary>
    public static implicit operator Tensor(DenseVector vector) => Wrap(vector);
    /// <summary>Wraps a MathNet matrix without copying.</summary>
    public static implicit operator Tensor(DenseMatrix matrix) => Wrap(matrix);
    /// <summary>A scalar tensor.</summary>
    public static implicit operator Tensor(double value) => Scalar(value);

    /// <summary>A MathNet view of this matrix sharing its storage (zero-copy; treat it as read-only).</summary>
    public DenseMatrix AsMatrix() => Storage is null ? throw NotFloat("AsMatrix") : Shape.Rank == 2
        ? new DenseMatrix(Shape[0], Shape[1], Storage)
        : throw new InvalidOperationException($"AsMatrix: tensor of shape {Shape} is not a matrix");
    /// <summary>A MathNet view of this vector (or of any tensor's elements in column-major order), sharing storage.</summary>
    public DenseVector AsVector() => new(Storage ?? throw NotFloat("AsVector"));
    /// <summary>The value of a scalar (or of a one-element tensor).</summary>
    public double ToScalar() => Storage is null ? throw NotFloat("ToScalar") : Shape.Size == 1
        ? Storage[0]
        : throw new InvalidOperationException($"ToScalar: tensor of shape {Shape} has {Shape.Size} elements");

    /// <summary>Element <paramref name="i"/> of a vector (or the i-th element in column-major order).</summary>
    public double this[int i] => Storage is null ? throw NotFloat("Tensor[i]") : (uint)i < (uint)Storage.Length ? Storage[i]
        : throw new ArgumentOutOfRangeException(nameof(i), i, $"Tensor: index {i} is outside the {Storage.Length} elements of {Shape}");
    /// <summary>Element (<paramref name="i"/>, <paramref name="j"/>) of a matrix.</summary>
    public double this[int i, int j] => Storage is null ? throw NotFloat("Tensor[i, j]") : Shape.Rank != 2
        ? throw new InvalidOperationException($"Tensor of shape {Shape} is not a matrix")
        : (uint)i >= (uint)Shape[0] ? throw new ArgumentOutOfRangeException(nameof(i), i, $"Tensor: row {i} is outside {Shape}")
        : (uint)j >= (uint)Shape[1] ? throw new ArgumentOutOfRangeException(nameof(j), j, $"Tensor: column {j} is outside {Shape}")
        : Storage[i + j * Shape[0]];

    /// <summary>A short description: the shape and the values as nested rows, first axis outermost, as NumPy prints
    /// them (a matrix [[1, 2], [3, 4]], whatever the storage order), at most 6 entries along each axis.</summary>
    public override string ToString()
    {
        string At(int flat) => IntStorage is { } ints ? ints[flat].ToString(System.Globalization.CultureInfo.InvariantCulture)
            : Storage[flat].ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
        // Column-major: element (i₀, i₁, …) sits at i₀·1 + i₁·d₀ + i₂·d₀d₁ + …; nested to the rank (a few levels).
        var stride = new int[Shape.Rank];
        for (int a = 0, size = 1; a < Shape.Rank; size *= Shape[a], a++) stride[a] = size;
        var text = new System.Text.StringBuilder();
        void Write(int axis, int offset)
        {
            if (axis == Shape.Rank) { text.Append(At(offset)); return; }
            text.Append('[');
            for (int k = 0; k < Math.Min(Shape[axis], 6); k++)
            {
                if (k > 0) text.Append(", ");
                Write(axis + 1, offset + k * stride[axis]);
            }
            text.Append(Shape[axis] > 6 ? ", …]" : "]");
        }
        if (Shape.Rank == 0) text.Append('[');   // a scalar prints as [v], as before
        Write(0, 0);
        if (Shape.Rank == 0) text.Append(']');
        return $"Tensor{Shape}{(IntStorage is null ? "" : " int32")} {text}";
    }
}
