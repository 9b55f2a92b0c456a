using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoDiff.Functional.Ops.Kernels;

/// <summary>A row of float64 lanes and the operations the kernels are written in: IEEE add, subtract, multiply, divide
/// and fused multiply-add (each rounded once, so the same in every lane of every width), comparisons giving masks (all
/// 64 bits set where true), a bitwise select, and integer operations on the bit patterns. Each kernel is written once
/// over this interface; <see cref="Scalar"/> is a row of one lane, so the tail of an array is computed by the very
/// formula of the vector body, operation for operation.</summary>
internal interface ILanes<T> where T : struct, ILanes<T>
{
    /// <summary>The number of lanes.</summary>
    static abstract int Count { get; }
    static abstract T Load(ReadOnlySpan<double> x, int i);
    static abstract void Store(T v, Span<double> y, int i);
    /// <summary>Every lane <paramref name="c"/>.</summary>
    static abstract T Of(double c);
    /// <summary>Every lane the double with bit pattern <paramref name="bits"/>.</summary>
    static abstract T OfBits(ulong bits);

    static abstract T operator +(T a, T b);
    static abstract T operator -(T a, T b);
    static abstract T operator -(T a);
    static abstract T operator *(T a, T b);
    static abstract T operator /(T a, T b);
    /// <summary>a·b + c rounded once.</summary>
    static abstract T Fma(T a, T b, T c);

    static abstract T Less(T a, T b);
    static abstract T Equal(T a, T b);
    /// <summary>The bits of <paramref name="ifTrue"/> where the mask's are set, else those of <paramref name="ifFalse"/>.</summary>
    static abstract T Select(T mask, T ifTrue, T ifFalse);
    /// <summary>Whether any lane of the mask is set.</summary>
    static abstract bool Any(T mask);

    static abstract T operator &(T a, T b);
    static abstract T operator |(T a, T b);
    static abstract T operator ^(T a, T b);
    /// <summary>The bit patterns added as 64-bit integers.</summary>
    static abstract T IntAdd(T a, T b);
    static abstract T ShiftLeft(T a, int bits);
    static abstract T ShiftRightLogical(T a, int bits);

    static abstract double Get(T v, int i);
    static abstract T With(T v, int i, double x);
    /// <summary>Each lane rounded to the nearest float32 (ties to even), as a double.</summary>
    static abstract T RoundToSingle(T a);
}

/// <summary>One lane: plain doubles, with the fused multiply-add of <see cref="Math.FusedMultiplyAdd"/>.</summary>
internal readonly struct Scalar(double value) : ILanes<Scalar>
{
    public readonly double Value = value;
    static ulong Bits(Scalar a) => BitConverter.DoubleToUInt64Bits(a.Value);
    static Scalar FromBits(ulong b) => new(BitConverter.UInt64BitsToDouble(b));
    static Scalar Mask(bool b) => FromBits(b ? ulong.MaxValue : 0);

    public static int Count => 1;
    public static Scalar Load(ReadOnlySpan<double> x, int i) => new(x[i]);
    public static void Store(Scalar v, Span<double> y, int i) => y[i] = v.Value;
    public static Scalar Of(double c) => new(c);
    public static Scalar OfBits(ulong bits) => FromBits(bits);
    public static Scalar operator +(Scalar a, Scalar b) => new(a.Value + b.Value);
    public static Scalar operator -(Scalar a, Scalar b) => new(a.Value - b.Value);
    public static Scalar operator -(Scalar a) => new(-a.Value);
    public static Scalar operator *(Scalar a, Scalar b) => new(a.Value * b.Value);
    public static Scalar operator /(Scalar a, Scalar b) => new(a.Value / b.Value);
    public static Scalar Fma(Scalar a, Scalar b, Scalar c) => new(Math.FusedMultiplyAdd(a.Value, b.Value, c.Value));
    public static Scalar Less(Scalar a, Scalar b) => Mask(a.Value < b.Value);
    public static Scalar Equal(Scalar a, Scalar b) => Mask(a.Value == b.Value);
    public static Scalar Select(Scalar mask, Scalar ifTrue, Scalar ifFalse) => FromBits(Bits(mask) & Bits(ifTrue) | ~Bits(mask) & Bits(ifFalse));
    public static bool Any(Scalar mask) => Bits(mask) != 0;
    public static Scalar operator &(Scalar a, Scalar b) => FromBits(Bits(a) & Bits(b));
    public static Scalar operator |(Scalar a, Scalar b) => FromBits(Bits(a) | Bits(b));
    public static Scalar operator ^(Scalar a, Scalar b) => FromBits(Bits(a) ^ Bits(b));
    public static Scalar IntAdd(Scalar a, Scalar b) => FromBits(Bits(a) + Bits(b));
    public static Scalar ShiftLeft(Scalar a, int bits) => FromBits(Bits(a) << bits);
    public static Scalar ShiftRightLogical(Scalar a, int bits) => FromBits(Bits(a) >> bits);
    public static double Get(Scalar v, int i) => v.Value;
    public static Scalar With(Scalar v, int i, double x) => new(x);
    public static Scalar RoundToSingle(Scalar a) => new((float)a.Value);
}

/// <summary>Two lanes (SSE2 on x64, AdvSimd on Arm64).</summary>
internal readonly struct Lanes128(Vector128<double> v) : ILanes<Lanes128>
{
    readonly Vector128<double> v = v;
    static Lanes128 U(Vector128<ulong> b) => new(b.AsDouble());
    static Vector128<ulong> B(Lanes128 a) => a.v.AsUInt64();

    public static int Count => Vector128<double>.Count;
    public static Lanes128 Load(ReadOnlySpan<double> x, int i) => new(Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(x), (nuint)i));
    public static void Store(Lanes128 a, Span<double> y, int i) => a.v.StoreUnsafe(ref MemoryMarshal.GetReference(y), (nuint)i);
    public static Lanes128 Of(double c) => new(Vector128.Create(c));
    public static Lanes128 OfBits(ulong bits) => U(Vector128.Create(bits));
    public static Lanes128 operator +(Lanes128 a, Lanes128 b) => new(a.v + b.v);
    public static Lanes128 operator -(Lanes128 a, Lanes128 b) => new(a.v - b.v);
    public static Lanes128 operator -(Lanes128 a) => new(-a.v);
    public static Lanes128 operator *(Lanes128 a, Lanes128 b) => new(a.v * b.v);
    public static Lanes128 operator /(Lanes128 a, Lanes128 b) => new(a.v / b.v);
    public static Lanes128 Fma(Lanes128 a, Lanes128 b, Lanes128 c) => new(Vector128.FusedMultiplyAdd(a.v, b.v, c.v));
    public static Lanes128 Less(Lanes128 a, Lanes128 b) => new(Vector128.LessThan(a.v, b.v));
    public static Lanes128 Equal(Lanes128 a, Lanes128 b) => new(Vector128.Equals(a.v, b.v));
    public static Lanes128 Select(Lanes128 mask, Lanes128 ifTrue, Lanes128 ifFalse) => new(Vector128.ConditionalSelect(mask.v, ifTrue.v, ifFalse.v));
    public static bool Any(Lanes128 mask) => mask.v.ExtractMostSignificantBits() != 0;
    public static Lanes128 operator &(Lanes128 a, Lanes128 b) => new(a.v & b.v);
    public static Lanes128 operator |(Lanes128 a, Lanes128 b) => new(a.v | b.v);
    public static Lanes128 operator ^(Lanes128 a, Lanes128 b) => new(a.v ^ b.v);
    public static Lanes128 IntAdd(Lanes128 a, Lanes128 b) => U(B(a) + B(b));
    public static Lanes128 ShiftLeft(Lanes128 a, int bits) => U(B(a) << bits);
    public static Lanes128 ShiftRightLogical(Lanes128 a, int bits) => U(B(a) >>> bits);
    public static double Get(Lanes128 a, int i) => a.v.GetElement(i);
    public static Lanes128 With(Lanes128 a, int i, double x) => new(a.v.WithElement(i, x));
    public static Lanes128 RoundToSingle(Lanes128 a) => new(Vector128.WidenLower(Vector128.Narrow(a.v, a.v)));
}

/// <summary>Four lanes (AVX2).</summary>
internal readonly struct Lanes256(Vector256<double> v) : ILanes<Lanes256>
{
    readonly Vector256<double> v = v;
    static Lanes256 U(Vector256<ulong> b) => new(b.AsDouble());
    static Vector256<ulong> B(Lanes256 a) => a.v.AsUInt64();

    public static int Count => Vector256<double>.Count;
    public static Lanes256 Load(ReadOnlySpan<double> x, int i) => new(Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(x), (nuint)i));
    public static void Store(Lanes256 a, Span<double> y, int i) => a.v.StoreUnsafe(ref MemoryMarshal.GetReference(y), (nuint)i);
    public static Lanes256 Of(double c) => new(Vector256.Create(c));
    public static Lanes256 OfBits(ulong bits) => U(Vector256.Create(bits));
    public static Lanes256 operator +(Lanes256 a, Lanes256 b) => new(a.v + b.v);
    public static Lanes256 operator -(Lanes256 a, Lanes256 b) => new(a.v - b.v);
    public static Lanes256 operator -(Lanes256 a) => new(-a.v);
    public static Lanes256 operator *(Lanes256 a, Lanes256 b) => new(a.v * b.v);
    public static Lanes256 operator /(Lanes256 a, Lanes256 b) => new(a.v / b.v);
    public static Lanes256 Fma(Lanes256 a, Lanes256 b, Lanes256 c) => new(Vector256.FusedMultiplyAdd(a.v, b.v, c.v));
    public static Lanes256 Less(Lanes256 a, Lanes256 b) => new(Vector256.LessThan(a.v, b.v));
    public static Lanes256 Equal(Lanes256 a, Lanes256 b) => new(Vector256.Equals(a.v, b.v));
    public static Lanes256 Select(Lanes256 mask, Lanes256 ifTrue, Lanes256 ifFalse) => new(Vector256.ConditionalSelect(mask.v, ifTrue.v, ifFalse.v));
    public static bool Any(Lanes256 mask) => mask.v.ExtractMostSignificantBits() != 0;
    public static Lanes256 operator &(Lanes256 a, Lanes256 b) => new(a.v & b.v);
    public static Lanes256 operator |(Lanes256 a, Lanes256 b) => new(a.v | b.v);
    public static Lanes256 operator ^(Lanes256 a, Lanes256 b) => new(a.v ^ b.v);
    public static Lanes256 IntAdd(Lanes256 a, Lanes256 b) => U(B(a) + B(b));
    public static Lanes256 ShiftLeft(Lanes256 a, int bits) => U(B(a) << bits);
    public static Lanes256 ShiftRightLogical(Lanes256 a, int bits) => U(B(a) >>> bits);
    public static double Get(Lanes256 a, int i) => a.v.GetElement(i);
    public static Lanes256 With(Lanes256 a, int i, double x) => new(a.v.WithElement(i, x));
    public static Lanes256 RoundToSingle(Lanes256 a) =>
        new(Avx.IsSupported ? Avx.ConvertToVector256Double(Avx.ConvertToVector128Single(a.v)) : Vector256.WidenLower(Vector256.Narrow(a.v, a.v)));
}

/// <summary>Eight lanes (AVX-512).</summary>
internal readonly struct Lanes512(Vector512<double> v) : ILanes<Lanes512>
{
    readonly Vector512<double> v = v;
    static Lanes512 U(Vector512<ulong> b) => new(b.AsDouble());
    static Vector512<ulong> B(Lanes512 a) => a.v.AsUInt64();

    public static int Count => Vector512<double>.Count;
    public static Lanes512 Load(ReadOnlySpan<double> x, int i) => new(Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(x), (nuint)i));
    public static void Store(Lanes512 a, Span<double> y, int i) => a.v.StoreUnsafe(ref MemoryMarshal.GetReference(y), (nuint)i);
    public static Lanes512 Of(double c) => new(Vector512.Create(c));
    public static Lanes512 OfBits(ulong bits) => U(Vector512.Create(bits));
    public static Lanes512 operator +(Lanes512 a, Lanes512 b) => new(a.v + b.v);
    public static Lanes512 operator -(Lanes512 a, Lanes512 b) => new(a.v - b.v);
    public static Lanes512 operator -(Lanes512 a) => new(-a.v);
    public static Lanes512 operator *(Lanes512 a, Lanes512 b) => new(a.v * b.v);
    public static Lanes512 operator /(Lanes512 a, Lanes512 b) => new(a.v / b.v);
    public static Lanes512 Fma(Lanes512 a, Lanes512 b, Lanes512 c) => new(Vector512.FusedMultiplyAdd(a.v, b.v, c.v));
    public static Lanes512 Less(Lanes512 a, Lanes512 b) => new(Vector512.LessThan(a.v, b.v));
    public static Lanes512 Equal(Lanes512 a, Lanes512 b) => new(Vector512.Equals(a.v, b.v));
    public static Lanes512 Select(Lanes512 mask, Lanes512 ifTrue, Lanes512 ifFalse) => new(Vector512.ConditionalSelect(mask.v, ifTrue.v, ifFalse.v));
    public static bool Any(Lanes512 mask) => mask.v.ExtractMostSignificantBits() != 0;
    public static Lanes512 operator &(Lanes512 a, Lanes512 b) => new(a.v & b.v);
    public static Lanes512 operator |(Lanes512 a, Lanes512 b) => new(a.v | b.v);
    public static Lanes512 operator ^(Lanes512 a, Lanes512 b) => new(a.v ^ b.v);
    public static Lanes512 IntAdd(Lanes512 a, Lanes512 b) => U(B(a) + B(b));
    public static Lanes512 ShiftLeft(Lanes512 a, int bits) => U(B(a) << bits);
    public static Lanes512 ShiftRightLogical(Lanes512 a, int bits) => U(B(a) >>> bits);
    public static double Get(Lanes512 a, int i) => a.v.GetElement(i);
    public static Lanes512 With(Lanes512 a, int i, double x) => new(a.v.WithElement(i, x));
    public static Lanes512 RoundToSingle(Lanes512 a) =>
        new(Avx512F.IsSupported ? Avx512F.ConvertToVector512Double(Avx512F.ConvertToVector256Single(a.v)) : Vector512.WidenLower(Vector512.Narrow(a.v, a.v)));
}
