namespace AutoDiff.Functional.Ops.Kernels;

/// <summary>Two rows of <typeparamref name="T"/> side by side, one row of twice the lanes: every operation is done on
/// each half, so a kernel over it gives the bits it gives over the halves. Reductions use it to keep a fixed number of
/// running sums (<see cref="VectorMath.SumLanes"/>) at every width: two 512-bit rows, four 256-bit ones, eight 128-bit
/// ones or sixteen single lanes.</summary>
internal readonly struct Twice<T>(T low, T high) : ILanes<Twice<T>> where T : struct, ILanes<T>
{
    readonly T low = low, high = high;

    public static int Count => 2 * T.Count;
    public static Twice<T> Load(ReadOnlySpan<double> x, int i) => new(T.Load(x, i), T.Load(x, i + T.Count));
    public static void Store(Twice<T> v, Span<double> y, int i)
    {
        T.Store(v.low, y, i);
        T.Store(v.high, y, i + T.Count);
    }
    public static Twice<T> Of(double c) => new(T.Of(c), T.Of(c));
    public static Twice<T> OfBits(ulong bits) => new(T.OfBits(bits), T.OfBits(bits));
    public static Twice<T> operator +(Twice<T> a, Twice<T> b) => new(a.low + b.low, a.high + b.high);
    public static Twice<T> operator -(Twice<T> a, Twice<T> b) => new(a.low - b.low, a.high - b.high);
    public static Twice<T> operator -(Twice<T> a) => new(-a.low, -a.high);
    public static Twice<T> operator *(Twice<T> a, Twice<T> b) => new(a.low * b.low, a.high * b.high);
    public static Twice<T> operator /(Twice<T> a, Twice<T> b) => new(a.low / b.low, a.high / b.high);
    public static Twice<T> Fma(Twice<T> a, Twice<T> b, Twice<T> c) => new(T.Fma(a.low, b.low, c.low), T.Fma(a.high, b.high, c.high));
    public static Twice<T> Less(Twice<T> a, Twice<T> b) => new(T.Less(a.low, b.low), T.Less(a.high, b.high));
    public static Twice<T> Equal(Twice<T> a, Twice<T> b) => new(T.Equal(a.low, b.low), T.Equal(a.high, b.high));
    public static Twice<T> Select(Twice<T> mask, Twice<T> ifTrue, Twice<T> ifFalse) =>
        new(T.Select(mask.low, ifTrue.low, ifFalse.low), T.Select(mask.high, ifTrue.high, ifFalse.high));
    public static bool Any(Twice<T> mask) => T.Any(mask.low) || T.Any(mask.high);
    public static Twice<T> operator &(Twice<T> a, Twice<T> b) => new(a.low & b.low, a.high & b.high);
    public static Twice<T> operator |(Twice<T> a, Twice<T> b) => new(a.low | b.low, a.high | b.high);
    public static Twice<T> operator ^(Twice<T> a, Twice<T> b) => new(a.low ^ b.low, a.high ^ b.high);
    public static Twice<T> IntAdd(Twice<T> a, Twice<T> b) => new(T.IntAdd(a.low, b.low), T.IntAdd(a.high, b.high));
    public static Twice<T> ShiftLeft(Twice<T> a, int bits) => new(T.ShiftLeft(a.low, bits), T.ShiftLeft(a.high, bits));
    public static Twice<T> ShiftRightLogical(Twice<T> a, int bits) => new(T.ShiftRightLogical(a.low, bits), T.ShiftRightLogical(a.high, bits));
    public static double Get(Twice<T> v, int i) => i < T.Count ? T.Get(v.low, i) : T.Get(v.high, i - T.Count);
    public static Twice<T> With(Twice<T> v, int i, double x) =>
        i < T.Count ? new(T.With(v.low, i, x), v.high) : new(v.low, T.With(v.high, i - T.Count, x));
    public static Twice<T> RoundToSingle(Twice<T> a) => new(T.RoundToSingle(a.low), T.RoundToSingle(a.high));
}
