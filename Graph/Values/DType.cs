namespace AutoDiff.Functional;

/// <summary>The element type of a tensor or a node. Float64 is the default and the only type with derivatives here;
/// Int32 holds data that selects rather than measures (indices, labels, segment ids), bound at run time like any
/// variable. No op promotes one type to another silently: a cast is an op of its own
/// (<c>x.ToFloat64()</c>).</summary>
public enum DType
{
    /// <summary>IEEE 754 double precision: values, parameters and every derivative.</summary>
    Float64,
    /// <summary>32-bit signed integers: indices and labels. No tangent or cotangent exists for them.</summary>
    Int32,
}

/// <summary>Names of the element types as the error messages print them.</summary>
public static class DTypes
{
    /// <summary>"float64" or "int32".</summary>
    public static string Name(this DType type) => type switch
    {
        DType.Float64 => "float64",
        DType.Int32 => "int32",
        _ => $"{(int)type}",
    };
}
