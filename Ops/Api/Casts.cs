namespace AutoDiff.Functional;

/// <summary>The casts between element types: the only way from one type to another, since no op mixes types.</summary>
public static class Casts
{
    /// <summary>x as float64 values: float32 values exactly, int32 data (counts, labels used as numbers) as numbers;
    /// x itself when it is float64. A float32 x's derivatives pass through cast back to float32; int32 data has none.</summary>
    public static Node ToFloat64(this Node x) => (x ?? throw new ArgumentNullException(nameof(x))).As(DType.Float64);

    /// <summary>x as float32 values, each float64 value rounded to nearest (ties to even), int32 data as numbers; x
    /// itself when it is float32. Derivatives pass through cast back to x's float type.</summary>
    public static Node ToFloat32(this Node x) => (x ?? throw new ArgumentNullException(nameof(x))).As(DType.Float32);

    /// <summary>x as type <paramref name="type"/> (float64 or float32): <see cref="ToFloat64"/> or <see cref="ToFloat32"/>.</summary>
    public static Node To(this Node x, DType type) =>
        type.IsFloat() ? (x ?? throw new ArgumentNullException(nameof(x))).As(type)
        : throw new ArgumentException($"To: no cast makes {type.Name()} data (indices and labels are bound as int32 variables or constants)", nameof(type));
}
