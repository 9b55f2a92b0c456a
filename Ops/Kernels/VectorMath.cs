using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AutoDiff.Functional.Ops.Kernels;

/// <summary>Float64 transcendental kernels over arrays, vectorised and with the same bits everywhere: each function is
/// one fixed sequence of IEEE additions, multiplications, divisions and fused multiply-adds (range reduction and
/// polynomial written out), written once over <see cref="ILanes{T}"/> and run at the machine's vector width, with the
/// tail of the array in <see cref="Scalar"/> lanes. Every one of those operations is rounded once, so a result does not
/// depend on the width (128, 256 or 512 bits, or one lane), the element's position, the thread or the JIT tier.
/// Accuracy against a high-precision reference (Properties/Kernels/KernelAccuracyTests.cs): see docs/BENCHMARKS.md.</summary>
/// <remarks>The output may be the input's own storage in every function.</remarks>
internal static partial class VectorMath
{
    /// <summary>A kernel applied lane by lane.</summary>
    internal interface IKernel
    {
        static abstract T Of<T>(T x) where T : struct, ILanes<T>;
    }

    /// <summary>The widest width the runtime accelerates: 512 bits where it deems AVX-512 worth using (on this
    /// project's AVX-512 machine 1.6–2.5× faster than 256 bits), else 256, else 128, else one lane. Any choice gives
    /// the same bits.</summary>
    static void Map<F>(ReadOnlySpan<double> x, Span<double> y) where F : IKernel
    {
        if (Vector512.IsHardwareAccelerated) Map<F, Lanes512>(x, y);
        else if (Vector256.IsHardwareAccelerated) Map<F, Lanes256>(x, y);
        else if (Vector128.IsHardwareAccelerated) Map<F, Lanes128>(x, y);
        else Map<F, Scalar>(x, y);
    }

    /// <summary>The kernel over whole rows of <typeparamref name="T"/>, then the tail one lane at a time.</summary>
    /// <remarks>Never inlined, and compiled fully optimised once, without a profile: inlined into a caller's tier-1
    /// code, the kernel's large pieces (the trigonometric reduction, eˣ's split) exceeded the inliner's budget, ran as
    /// calls of their own and were recompiled from their profile into slower code, so a model ran 2.5× slower from its
    /// thirtieth call on (the regression at m = 10⁶: 6.8 → 17 ms). The scalar entry points below are kept whole for the
    /// same reason.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Map<F, T>(ReadOnlySpan<double> x, Span<double> y) where F : IKernel where T : struct, ILanes<T>
    {
        if (y.Length < x.Length) throw new InvalidOperationException($"internal: a kernel given {y.Length} outputs for {x.Length} inputs");
        int i = 0;
        for (; i <= x.Length - T.Count; i += T.Count) T.Store(F.Of(T.Load(x, i)), y, i);
        for (; i < x.Length; i++) y[i] = F.Of(new Scalar(x[i])).Value;
    }

    /// <summary>eˣ.</summary>
    public static void Exp(ReadOnlySpan<double> x, Span<double> y) => Map<ExpKernel>(x, y);
    /// <summary>eˣ of one number, the same bits as an array's element.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static double Exp(double x) => ExpKernel.Of(new Scalar(x)).Value;
    /// <summary>eˣ − 1.</summary>
    public static void Expm1(ReadOnlySpan<double> x, Span<double> y) => Map<Expm1Kernel>(x, y);
    /// <summary>ln x.</summary>
    public static void Log(ReadOnlySpan<double> x, Span<double> y) => Map<LogKernel>(x, y);
    /// <summary>ln x of one number, the same bits as an array's element.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static double Log(double x) => LogKernel.Of(new Scalar(x)).Value;
    /// <summary>ln(1 + x).</summary>
    public static void Log1p(ReadOnlySpan<double> x, Span<double> y) => Map<Log1pKernel>(x, y);
    /// <summary>σ(x) = 1/(1 + e⁻ˣ).</summary>
    public static void Sigmoid(ReadOnlySpan<double> x, Span<double> y) => Map<SigmoidKernel>(x, y);
    /// <summary>σ(x) of one number, the same bits as an array's element.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static double Sigmoid(double x) => SigmoidKernel.Of(new Scalar(x)).Value;
    /// <summary>tanh x.</summary>
    public static void Tanh(ReadOnlySpan<double> x, Span<double> y) => Map<TanhKernel>(x, y);
    /// <summary>tanh x of one number, the same bits as an array's element.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static double Tanh(double x) => TanhKernel.Of(new Scalar(x)).Value;
    /// <summary>ln(1 + eˣ).</summary>
    public static void Softplus(ReadOnlySpan<double> x, Span<double> y) => Map<SoftplusKernel>(x, y);
    /// <summary>ln(1 + eˣ) of one number, the same bits as an array's element.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static double Softplus(double x) => SoftplusKernel.Of(new Scalar(x)).Value;
    /// <summary>ln σ(x) = −ln(1 + e⁻ˣ).</summary>
    public static void LogSigmoid(ReadOnlySpan<double> x, Span<double> y) => Map<LogSigmoidKernel>(x, y);
    /// <summary>sin x.</summary>
    public static void Sin(ReadOnlySpan<double> x, Span<double> y) => Map<SinKernel>(x, y);
    /// <summary>sin x of one number, the same bits as an array's element.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static double Sin(double x) => SinKernel.Of(new Scalar(x)).Value;
    /// <summary>cos x.</summary>
    public static void Cos(ReadOnlySpan<double> x, Span<double> y) => Map<CosKernel>(x, y);
    /// <summary>cos x of one number, the same bits as an array's element.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static double Cos(double x) => CosKernel.Of(new Scalar(x)).Value;

    internal readonly struct ExpKernel : IKernel { public static T Of<T>(T x) where T : struct, ILanes<T> => Exp(x); }
    internal readonly struct Expm1Kernel : IKernel { public static T Of<T>(T x) where T : struct, ILanes<T> => Expm1(x); }
    internal readonly struct LogKernel : IKernel { public static T Of<T>(T x) where T : struct, ILanes<T> => Log(x); }
    internal readonly struct Log1pKernel : IKernel { public static T Of<T>(T x) where T : struct, ILanes<T> => Log1p(x); }
    internal readonly struct SigmoidKernel : IKernel { public static T Of<T>(T x) where T : struct, ILanes<T> => Sigmoid(x); }
    internal readonly struct TanhKernel : IKernel { public static T Of<T>(T x) where T : struct, ILanes<T> => Tanh(x); }
    internal readonly struct SoftplusKernel : IKernel { public static T Of<T>(T x) where T : struct, ILanes<T> => Softplus(x); }
    internal readonly struct LogSigmoidKernel : IKernel { public static T Of<T>(T x) where T : struct, ILanes<T> => LogSigmoid(x); }
    internal readonly struct SinKernel : IKernel { public static T Of<T>(T x) where T : struct, ILanes<T> => Sin(x); }
    internal readonly struct CosKernel : IKernel { public static T Of<T>(T x) where T : struct, ILanes<T> => Cos(x); }

    // Shared pieces.

    /// <summary>1.5·2⁵²: adding it rounds a number below 2⁵¹ in magnitude to an integer (ties to even), which then
    /// sits in the low bits of the sum's pattern (two's complement for negatives); subtracting it again gives that
    /// integer as a double.</summary>
    const double Shifter = 6755399441055744.0;
    const ulong SignBit = 0x8000_0000_0000_0000;

    /// <summary>2ᵏ for an integer-valued k in [−1022, 1023], built in the exponent field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T Pow2<T>(T k) where T : struct, ILanes<T> =>
        T.IntAdd(T.ShiftLeft(k + T.Of(Shifter), 52), T.OfBits(1023UL << 52));

    /// <summary>y·2ⁿ for an integer-valued n in [−1100, 1040] in two exact steps of 2^⌈n/2⌉-ish, so that only the last
    /// multiplication rounds (into the subnormals, or to ∞) and neither factor over- or underflows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T Scale<T>(T y, T n) where T : struct, ILanes<T>
    {
        var half = n * T.Of(0.5) + T.Of(Shifter) - T.Of(Shifter);
        return y * Pow2(half) * Pow2(n - half);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T Abs<T>(T x) where T : struct, ILanes<T> => x & T.OfBits(~SignBit);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T IsNaN<T>(T x) where T : struct, ILanes<T> => T.Equal(x, x) ^ T.OfBits(ulong.MaxValue);
    /// <summary>x clamped to [lo, hi]; NaN stays NaN (comparisons with it are false).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T Clamp<T>(T x, double lo, double hi) where T : struct, ILanes<T>
    {
        x = T.Select(T.Less(T.Of(hi), x), T.Of(hi), x);
        return T.Select(T.Less(x, T.Of(lo)), T.Of(lo), x);
    }
}
