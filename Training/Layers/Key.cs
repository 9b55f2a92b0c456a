namespace AutoDiff.Functional.Training;

/// <summary>An explicit random key, JAX's <c>PRNGKey</c>: every random draw of a layer (its initial parameters, a
/// dropout mask) comes from a key passed in, never from a global source, so the same key gives the same bits on every
/// machine and run. A key is a value: <see cref="Split"/> and <see cref="Fold(long)"/> derive independent child keys without
/// changing it.</summary>
/// <remarks>The bits come from SplitMix64 (Steele, Lea and Flood 2014), written here so that no library's choice of
/// generator can change them; children are the parent's state mixed with their index.</remarks>
public readonly struct Key : IEquatable<Key>
{
    readonly ulong state;
    Key(ulong state) => this.state = state;

    /// <summary>The key's state, written into a dropout mask's variable name so the mask can be drawn again from it.</summary>
    internal ulong State => state;
    internal static Key FromState(ulong state) => new(state);

    /// <summary>The key of <paramref name="seed"/>.</summary>
    public static Key Of(long seed) => new(Mix(unchecked((ulong)seed) ^ 0x6A09E667F3BCC909UL));

    /// <summary>The child key number <paramref name="index"/>: distinct indices give independent keys.</summary>
    public Key Fold(long index) => new(Mix(state ^ Mix(unchecked((ulong)index) + 0x9E3779B97F4A7C15UL)));

    /// <summary>The child key of <paramref name="name"/> (a layer's path in its model), by a hash of its characters
    /// that does not change between runs (unlike <see cref="string.GetHashCode()"/>).</summary>
    public Key Fold(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ulong h = 0xCBF29CE484222325UL;   // FNV-1a over UTF-16 code units
        foreach (char c in name) h = (h ^ c) * 0x100000001B3UL;
        return Fold(unchecked((long)h));
    }

    /// <summary><paramref name="count"/> independent child keys.</summary>
    public Key[] Split(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var keys = new Key[count];
        for (int i = 0; i < count; i++) keys[i] = Fold(i);
        return keys;
    }

    /// <summary><paramref name="count"/> numbers uniform on [0, 1), each with 53 random bits.</summary>
    public double[] Uniform(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var u = new double[count];
        ulong s = state;
        for (int i = 0; i < count; i++) u[i] = (Next(ref s) >> 11) * (1.0 / (1UL << 53));
        return u;
    }

    /// <summary><paramref name="count"/> standard normal numbers, by Box–Muller from pairs of uniforms on (0, 1].</summary>
    public double[] Normal(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var z = new double[count];
        ulong s = state;
        for (int i = 0; i < count; i += 2)
        {
            double u1 = ((Next(ref s) >> 11) + 1) * (1.0 / (1UL << 53)), u2 = (Next(ref s) >> 11) * (1.0 / (1UL << 53));
            double r = Math.Sqrt(-2 * Math.Log(u1)), angle = 2 * Math.PI * u2;
            z[i] = r * Math.Cos(angle);
            if (i + 1 < count) z[i + 1] = r * Math.Sin(angle);
        }
        return z;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Key({state:X16})";

    /// <summary>True when both keys draw the same numbers.</summary>
    public bool Equals(Key other) => state == other.state;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Key other && Equals(other);
    /// <inheritdoc/>
    public override int GetHashCode() => state.GetHashCode();
    /// <summary>Equal keys.</summary>
    public static bool operator ==(Key a, Key b) => a.Equals(b);
    /// <summary>Different keys.</summary>
    public static bool operator !=(Key a, Key b) => !a.Equals(b);

    static ulong Next(ref ulong s) => Mix(s += 0x9E3779B97F4A7C15UL);

    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
