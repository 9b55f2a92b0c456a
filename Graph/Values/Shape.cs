namespace AutoDiff.Functional;

/// <summary>The dimensions of a tensor: () for a scalar, (n) for a vector, (m×n) for a matrix, (d₀×d₁×…) at any rank.
/// Immutable; equality is by dimensions. Storage follows them column-major: the first axis varies fastest.</summary>
public sealed class Shape : IEquatable<Shape>
{
    readonly int[] dims;

    Shape(int[] dims)
    {
        foreach (var d in dims)
            if (d < 0) throw new ShapeException($"Shape: dimension {d} is negative in ({string.Join("×", dims)})");
        this.dims = dims;
        long size = 1;
        foreach (var d in dims) size = Math.Min(size * d, Array.MaxLength + 1L); // saturates, so it cannot overflow
        Size = size <= Array.MaxLength
            ? (int)size
            : throw new ShapeException($"Shape: ({string.Join("×", dims)}) has more than {Array.MaxLength} elements") { TooLarge = true };
    }

    /// <summary>The shape of a scalar, ().</summary>
    public static readonly Shape Scalar = new([]);
    /// <summary>A vector of <paramref name="n"/> elements.</summary>
    public static Shape Vector(int n) => new([n]);
    /// <summary>A matrix of <paramref name="rows"/> × <paramref name="columns"/>.</summary>
    public static Shape Matrix(int rows, int columns) => new([rows, columns]);
    /// <summary>A shape of any rank.</summary>
    public static Shape Of(params int[] dims) => (dims ?? throw new ArgumentNullException(nameof(dims))).Length == 0 ? Scalar : new((int[])dims.Clone());

    /// <summary>Number of dimensions: 0 scalar, 1 vector, 2 matrix, and so on.</summary>
    public int Rank => dims.Length;
    /// <summary>Number of elements.</summary>
    public int Size { get; }
    /// <summary>Dimension <paramref name="axis"/>.</summary>
    public int this[int axis] => (uint)axis < (uint)dims.Length ? dims[axis]
        : throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Shape: {this} has no axis {axis}");
    /// <summary>The dimensions, copied.</summary>
    public int[] Dimensions => (int[])dims.Clone();

    /// <summary>Rows of a matrix (or length of a vector).</summary>
    public int Rows => Rank >= 1 ? dims[0] : 1;
    /// <summary>Columns of a matrix (1 for a vector or scalar).</summary>
    public int Columns => Rank >= 2 ? dims[1] : 1;

    /// <summary>True for rank 0.</summary>
    public bool IsScalar => Rank == 0;

    /// <inheritdoc/>
    public bool Equals(Shape? other) =>
        ReferenceEquals(this, other) || other is not null && dims.AsSpan().SequenceEqual(other.dims);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Shape);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in dims) h.Add(d);
        return h.ToHashCode();
    }
    /// <summary>Equality by dimensions.</summary>
    public static bool operator ==(Shape? a, Shape? b) => ReferenceEquals(a, b) || a is not null && a.Equals(b);
    /// <summary>Inequality by dimensions.</summary>
    public static bool operator !=(Shape? a, Shape? b) => !(a == b);

    /// <summary>"(3×4)", "(5)" or "()".</summary>
    public override string ToString() => $"({string.Join("×", dims)})";
}
