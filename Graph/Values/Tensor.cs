using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional;

/// <summary>An immutable dense tensor of float64 or float32 values (or of int32 data: indices and labels), rank 0, 1, 2 and
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
    // A float64 tensor holds doubles. A float32 tensor holds singles (float[]: half the memory and traffic), or doubles
    // that are each exactly a float32 number when a float64 kernel made it; either twin is made from the other the
    // first time it is read (exactly: every float32 number is a double), so no reader sees the difference.
    double[]? doubles;
    float[]? singles;
    /// <summary>The int32 elements; null for float values.</summary>
    internal readonly int[]? IntStorage;
    readonly DType floatType;

    /// <summary>The float elements as doubles; null for int32 data, which ops only read once a node's types are checked.
    /// A float32 tensor stored as singles makes its double twin here once (kept): the kernels written for float64 read
    /// it, and an op's float32 result is its float64 result rounded (see <see cref="DType.Float32"/>).</summary>
    internal double[] Storage => doubles ?? (singles is { } s ? Twin(ref doubles, s) : null!);

    /// <summary>A float32 tensor's elements as singles, made once from its doubles when a float64 kernel made it.</summary>
    internal float[] Singles => singles ?? (floatType == DType.Float32 && doubles is { } d ? Twin(ref singles, d)
        : throw new InvalidOperationException($"internal: tensor {Shape} of {DType.Name()} has no float32 storage"));

    /// <summary>True for a float32 tensor held as singles with no double twin yet: readers that can read singles should,
    /// rather than make the twin.</summary>
    internal bool HoldsSingles => doubles is null && singles is not null;

    static double[] Twin(ref double[]? field, float[] from)
    {
        var made = GC.AllocateUninitializedArray<double>(from.Length);
        Widen(from, made);
        return Interlocked.CompareExchange(ref field, made, null) ?? made;
    }

    static float[] Twin(ref float[]? field, double[] from)
    {
        var made = GC.AllocateUninitializedArray<float>(from.Length);
        Narrow(from, made);
        return Interlocked.CompareExchange(ref field, made, null) ?? made;
    }

    // The conversions a vector at a time: widening is exact, and narrowing rounds to nearest (ties to even) in the vector
    // instructions as in the scalar ones, so the bits do not depend on the vector width or the JIT tier. Each vector is
    // one conversion instruction (vcvtps2pd, vcvtpd2ps) at the widest x86 width the machine has (Round32 2.3× faster
    // than through System.Numerics.Vector's Narrow and Widen, measured), 128-bit vectors elsewhere, then the scalar tail.

    /// <summary>float64 or float32 elements into either: a copy, a widening, or (float64 that holds float32 numbers,
    /// a float32 value's doubles) an exact narrowing.</summary>
    internal static void Convert<T, U>(ReadOnlySpan<T> from, Span<U> to) where T : unmanaged where U : unmanaged
    {
        if (typeof(T) == typeof(U)) MemoryMarshal.Cast<T, U>(from).CopyTo(to);
        else if (typeof(T) == typeof(float) && typeof(U) == typeof(double)) Widen(MemoryMarshal.Cast<T, float>(from), MemoryMarshal.Cast<U, double>(to));
        else if (typeof(T) == typeof(double) && typeof(U) == typeof(float)) Narrow(MemoryMarshal.Cast<T, double>(from), MemoryMarshal.Cast<U, float>(to));
        else throw new ArgumentException($"internal: Convert of {typeof(T).Name} to {typeof(U).Name}");
    }

    /// <summary>Each float exactly as a double.</summary>
    internal static void Widen(ReadOnlySpan<float> from, Span<double> to)
    {
        if (to.Length < from.Length) throw new ArgumentException("internal: Widen into a shorter span");
        ref float f = ref MemoryMarshal.GetReference(from);
        ref double d = ref MemoryMarshal.GetReference(to);
        int i = 0;
        if (Avx512F.IsSupported)
            for (; i + 8 <= from.Length; i += 8) Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref f, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        else if (Avx.IsSupported)
            for (; i + 4 <= from.Length; i += 4) Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref f, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        else if (Vector128.IsHardwareAccelerated)
            for (; i + 4 <= from.Length; i += 4)
            {
                var (low, high) = Vector128.Widen(Vector128.LoadUnsafe(ref f, (nuint)i));
                low.StoreUnsafe(ref d, (nuint)i);
                high.StoreUnsafe(ref d, (nuint)i + 2);
            }
        for (; i < from.Length; i++) to[i] = from[i];
    }

    /// <summary>Each double rounded to the nearest float (ties to even): exact for doubles that are float32 numbers.</summary>
    internal static void Narrow(ReadOnlySpan<double> from, Span<float> to)
    {
        if (to.Length < from.Length) throw new ArgumentException("internal: Narrow into a shorter span");
        ref double d = ref MemoryMarshal.GetReference(from);
        ref float f = ref MemoryMarshal.GetReference(to);
        int i = 0;
        if (Avx512F.IsSupported)
            for (; i + 8 <= from.Length; i += 8) Avx512F.ConvertToVector256Single(Vector512.LoadUnsafe(ref d, (nuint)i)).StoreUnsafe(ref f, (nuint)i);
        else if (Avx.IsSupported)
            for (; i + 4 <= from.Length; i += 4) Avx.ConvertToVector128Single(Vector256.LoadUnsafe(ref d, (nuint)i)).StoreUnsafe(ref f, (nuint)i);
        else if (Vector128.IsHardwareAccelerated)
            for (; i + 4 <= from.Length; i += 4)
                Vector128.Narrow(Vector128.LoadUnsafe(ref d, (nuint)i), Vector128.LoadUnsafe(ref d, (nuint)i + 2)).StoreUnsafe(ref f, (nuint)i);
        for (; i < from.Length; i++) to[i] = (float)from[i];
    }

    /// <summary>Each element rounded to the nearest float32 (ties to even), in place.</summary>
    internal static void Round32(Span<double> values)
    {
        ref double d = ref MemoryMarshal.GetReference(values);
        int i = 0;
        if (Avx512F.IsSupported)
            for (; i + 8 <= values.Length; i += 8)
                Avx512F.ConvertToVector512Double(Avx512F.ConvertToVector256Single(Vector512.LoadUnsafe(ref d, (nuint)i))).StoreUnsafe(ref d, (nuint)i);
        else if (Avx.IsSupported)
            for (; i + 4 <= values.Length; i += 4)
                Avx.ConvertToVector256Double(Avx.ConvertToVector128Single(Vector256.LoadUnsafe(ref d, (nuint)i))).StoreUnsafe(ref d, (nuint)i);
        else if (Vector128.IsHardwareAccelerated)
            for (; i + 4 <= values.Length; i += 4)
            {
                var (low, high) = Vector128.Widen(Vector128.Narrow(Vector128.LoadUnsafe(ref d, (nuint)i), Vector128.LoadUnsafe(ref d, (nuint)i + 2)));
                low.StoreUnsafe(ref d, (nuint)i);
                high.StoreUnsafe(ref d, (nuint)i + 2);
            }
        for (; i < values.Length; i++) values[i] = (float)values[i];
    }

    /// <summary>The tensor's shape.</summary>
    public Shape Shape { get; }
    /// <summary>The element type.</summary>
    public DType DType => IntStorage is null ? floatType : DType.Int32;

    internal Tensor(Shape shape, double[] storage) : this(shape, storage, DType.Float64) { }

    /// <summary>Float values of type <paramref name="type"/>; float32 storage must already hold float32 numbers.</summary>
    internal Tensor(Shape shape, double[] storage, DType type)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(storage);
        if (storage.Length != shape.Size)
            throw new ArgumentException($"Tensor: {storage.Length} values do not fill a tensor of shape {shape}");
        Shape = shape;
        doubles = storage;
        floatType = type;
    }

    /// <summary>Float32 values held as singles (owned, not copied).</summary>
    internal Tensor(Shape shape, float[] storage)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(storage);
        if (storage.Length != shape.Size)
            throw new ArgumentException($"Tensor: {storage.Length} values do not fill a tensor of shape {shape}");
        Shape = shape;
        singles = storage;
        floatType = DType.Float32;
    }

    Tensor(Shape shape, int[] data)
    {
        if (data.Length != shape.Size)
            throw new ArgumentException($"Tensor: {data.Length} values do not fill a tensor of shape {shape}");
        Shape = shape;
        IntStorage = data;
    }

    /// <summary>The same elements in another shape of the same size, sharing whatever storage this tensor holds (a
    /// view: a reshape's value).</summary>
    internal Tensor Reshaped(Shape shape) =>
        IntStorage is { } ints ? new(shape, ints) : doubles is { } d ? new(shape, d, floatType) : new(shape, singles!);

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

    /// <summary>The float elements in column-major order, read-only (a float32 tensor's as the float64 numbers they
    /// equal exactly, in a float64 copy made on the first read and kept: read <see cref="Values32"/> to avoid it).</summary>
    /// <exception cref="InvalidOperationException">The tensor holds int32 data (read <see cref="Ints"/>).</exception>
    public ReadOnlySpan<double> Values => Storage ?? throw NotFloat("Values");

    /// <summary>The int32 elements in column-major order, read-only.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds float64 values (read <see cref="Values"/>).</exception>
    public ReadOnlySpan<int> Ints => IntStorage ?? throw new InvalidOperationException($"Ints: tensor {Shape} holds float64 values (read Values)");

    InvalidOperationException NotFloat(string member) =>
        new InvalidOperationException($"{member}: tensor {Shape} holds int32 data (read Ints, or cast the node with ToFloat64())");

    /// <summary>A scalar.</summary>
    public static Tensor Scalar(double value) => new(Shape.Scalar, [value]);

    /// <summary>A float32 scalar.</summary>
    public static Tensor Scalar32(float value) => new(Shape.Scalar, [value], DType.Float32);
    /// <summary>A float32 vector, copied from <paramref name="values"/>.</summary>
    public static Tensor Vector32(params float[] values) =>
        FromColumnMajor32(Shape.Vector((values ?? throw new ArgumentNullException(nameof(values))).Length), values);
    /// <summary>A float32 tensor of any shape, copied from <paramref name="columnMajor"/> (first axis fastest).</summary>
    public static Tensor FromColumnMajor32(Shape shape, float[] columnMajor)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(columnMajor);
        return new(shape, (float[])columnMajor.Clone());
    }
    /// <summary>A float32 matrix, copied from a row-major C# array.</summary>
    public static Tensor Matrix(float[,] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int m = values.GetLength(0), n = values.GetLength(1);
        var s = new float[m * n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++) s[i + j * m] = values[i, j];
        return new(Shape.Matrix(m, n), s);
    }
    /// <summary>Copies a MathNet single-precision matrix into a float32 tensor.</summary>
    public static Tensor Copy(MathNet.Numerics.LinearAlgebra.Single.DenseMatrix matrix) =>
        FromColumnMajor32(Shape.Matrix((matrix ?? throw new ArgumentNullException(nameof(matrix))).RowCount, matrix.ColumnCount), matrix.Values);
    /// <summary>Copies a MathNet single-precision vector into a float32 tensor.</summary>
    public static Tensor Copy(MathNet.Numerics.LinearAlgebra.Single.DenseVector vector) =>
        FromColumnMajor32(Shape.Vector((vector ?? throw new ArgumentNullException(nameof(vector))).Count), vector.Values);

    /// <summary>This tensor's values as float32 (each rounded to nearest), or itself when it is float32 already.</summary>
    public Tensor ToFloat32() => DType == DType.Float32 ? this
        : new(Shape, IntStorage is { } ints ? Array.ConvertAll(ints, v => (float)v) : Array.ConvertAll(Storage, v => (float)v));
    /// <summary>This tensor's values as float64 (exact), or itself when it is float64 already.</summary>
    public Tensor ToFloat64() => DType == DType.Float64 ? this : new(Shape, IntStorage is { } ints ? Array.ConvertAll(ints, v => (double)v) : Storage, DType.Float64);
    /// <summary>This tensor's values as the float type <paramref name="type"/>.</summary>
    public Tensor To(DType type) => type switch
    {
        DType.Float32 => ToFloat32(),
        DType.Float64 => ToFloat64(),
        _ => throw new ArgumentException($"To: tensors are cast to float64 or float32, not {type.Name()}", nameof(type)),
    };
    /// <summary>The elements as float32, column-major (a float64 tensor's rounded to nearest), in a new array.</summary>
    public float[] ToFloat32Array() => DType == DType.Float32 ? (float[])Singles.Clone()
        : Array.ConvertAll(Storage ?? throw NotFloat("ToFloat32Array"), v => (float)v);

    /// <summary>A float32 tensor's elements in column-major order, read-only, without a float64 copy.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not float32 (read <see cref="Values"/> or
    /// <see cref="Ints"/>).</exception>
    public ReadOnlySpan<float> Values32 => SinglesOf("Values32");

    float[] SinglesOf(string member)
    {
        if (DType == DType.Float32) return Singles;
        string reader = DType == DType.Int32 ? "Ints" : "Values";
        throw new InvalidOperationException($"{member}: tensor {Shape} holds {DType.Name()} (read {reader}, or cast with ToFloat32())");
    }

    /// <summary>Wraps a MathNet single-precision matrix as a float32 tensor without copying (zero-copy; do not mutate it
    /// afterwards).</summary>
    public static Tensor Wrap(MathNet.Numerics.LinearAlgebra.Single.DenseMatrix matrix) => matrix is null
        ? throw new ArgumentNullException(nameof(matrix)) : new(Shape.Matrix(matrix.RowCount, matrix.ColumnCount), matrix.Values);
    /// <summary>Wraps a MathNet single-precision vector as a float32 tensor without copying.</summary>
    public static Tensor Wrap(MathNet.Numerics.LinearAlgebra.Single.DenseVector vector) => vector is null
        ? throw new ArgumentNullException(nameof(vector)) : new(Shape.Vector(vector.Count), vector.Values);
    /// <summary>Wraps a MathNet single-precision vector without copying.</summary>
    public static implicit operator Tensor(MathNet.Numerics.LinearAlgebra.Single.DenseVector vector) => Wrap(vector);
    /// <summary>Wraps a MathNet single-precision matrix without copying.</summary>
    public static implicit operator Tensor(MathNet.Numerics.LinearAlgebra.Single.DenseMatrix matrix) => Wrap(matrix);

    /// <summary>A MathNet single-precision view of this float32 matrix sharing its storage (zero-copy; read-only).</summary>
    public MathNet.Numerics.LinearAlgebra.Single.DenseMatrix AsMatrix32() => Shape.Rank == 2
        ? new(Shape[0], Shape[1], SinglesOf("AsMatrix32"))
        : throw new InvalidOperationException($"AsMatrix32: tensor of shape {Shape} is not a matrix");
    /// <summary>A MathNet single-precision view of this float32 tensor's elements in column-major order, sharing storage.</summary>
    public MathNet.Numerics.LinearAlgebra.Single.DenseVector AsVector32() => new(SinglesOf("AsVector32"));

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
    public double ToScalar() => IntStorage is not null ? throw NotFloat("ToScalar") : Shape.Size == 1
        ? Element(0)
        : throw new InvalidOperationException($"ToScalar: tensor of shape {Shape} has {Shape.Size} elements");

    /// <summary>Element <paramref name="i"/> of a vector (or the i-th element in column-major order).</summary>
    public double this[int i] => IntStorage is not null ? throw NotFloat("Tensor[i]") : (uint)i < (uint)Shape.Size ? Element(i)
        : throw new ArgumentOutOfRangeException(nameof(i), i, $"Tensor: index {i} is outside the {Shape.Size} elements of {Shape}");
    /// <summary>Element (<paramref name="i"/>, <paramref name="j"/>) of a matrix.</summary>
    public double this[int i, int j] => IntStorage is not null ? throw NotFloat("Tensor[i, j]") : Shape.Rank != 2
        ? throw new InvalidOperationException($"Tensor of shape {Shape} is not a matrix")
        : (uint)i >= (uint)Shape[0] ? throw new ArgumentOutOfRangeException(nameof(i), i, $"Tensor: row {i} is outside {Shape}")
        : (uint)j >= (uint)Shape[1] ? throw new ArgumentOutOfRangeException(nameof(j), j, $"Tensor: column {j} is outside {Shape}")
        : Element(i + j * Shape[0]);

    /// <summary>Float element <paramref name="flat"/>, read from singles when the tensor holds them (no twin made).</summary>
    double Element(int flat) => HoldsSingles ? singles![flat] : Storage[flat];

    /// <summary>A short description: the shape and the values as nested rows, first axis outermost, as NumPy prints
    /// them (a matrix [[1, 2], [3, 4]], whatever the storage order), at most 6 entries along each axis.</summary>
    public override string ToString()
    {
        string At(int flat) => IntStorage is { } ints ? ints[flat].ToString(System.Globalization.CultureInfo.InvariantCulture)
            : Element(flat).ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
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
        return $"Tensor{Shape}{(DType == DType.Float64 ? "" : " " + DType.Name())} {text}";
    }
}
