namespace AutoDiff.Functional;

/// <summary>Int32 data bound at run time holds an index outside its bound. The message names the op, the position in
/// the index data, the index and the bound, e.g. <c>Take(axis 0): index 7 at position 2 is outside the 5 rows of
/// (5×3)</c>. Indices are never clamped.</summary>
public sealed class IndexException(string message) : ArgumentException(message ?? throw new ArgumentNullException(nameof(message)));
