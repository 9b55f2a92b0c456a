namespace AutoDiff.Functional;

/// <summary>The element type of a tensor or a node. Float64 is the default; Float32 is the single-precision type of
/// memory-bound work; Int32 holds data that selects rather than measures (indices, labels, segment ids), bound at run
/// time like any variable. No op mixes types silently: a cast is an op of its own (<c>x.ToFloat32()</c>,
/// <c>x.ToFloat64()</c>). The one exception is JAX's "weak" constants: a scalar literal or a rule's zero written as a
/// C# double takes the float type of the value it meets (<c>x * 0.5</c> is float32 for a float32 x).</summary>
public enum DType
{
    /// <summary>IEEE 754 double precision: the default for values, parameters and derivatives.</summary>
    Float64,
    /// <summary>32-bit signed integers: indices and labels. No tangent or cotangent exists for them.</summary>
    Int32,
    /// <summary>IEEE 754 single precision. Every op's float32 result is its float64 result at the same float32 inputs,
    /// rounded to float32 (to nearest, ties to even), so a float32 evaluation is as accurate as float32 storage allows
    /// and gives the same bits every run; derivatives of float32 values are float32. The exception is the matrix
    /// product (and what lowers to it): BLAS's sgemm sums it in float32, as PyTorch and JAX do, within
    /// k·2⁻²⁴·(|A|·|B|) of the exact product for an inner dimension k.</summary>
    Float32,
}

/// <summary>Names of the element types as the error messages print them.</summary>
public static class DTypes
{
    /// <summary>"float64", "float32" or "int32".</summary>
    public static string Name(this DType type) => type switch
    {
        DType.Float64 => "float64",
        DType.Float32 => "float32",
        DType.Int32 => "int32",
        _ => $"{(int)type}",
    };

    /// <summary>True for the types with derivatives: float64 and float32.</summary>
    public static bool IsFloat(this DType type) => type is DType.Float64 or DType.Float32;

    /// <summary>The cast that makes a node of this type (for error messages): "ToFloat32()".</summary>
    internal static string Cast(this DType type) => type == DType.Float32 ? "ToFloat32()" : "ToFloat64()";
}
