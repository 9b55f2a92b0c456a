using System.Diagnostics;

namespace AutoDiff.Functional;

/// <summary>A node could not be built because its inputs' shapes do not fit its op.
/// The message names the op and the shapes, e.g. <c>MatMul: (3×4)·(5×2): inner dimensions 4 and 5 differ</c>;
/// <see cref="CallerLocation"/> says which line of the caller's code tried to build it.</summary>
public sealed class ShapeException : ArgumentException
{
    /// <summary>A shape error with <paramref name="message"/>; the caller's location is captured now.</summary>
    public ShapeException(string message) : base(message ?? throw new ArgumentNullException(nameof(message))) => CallerLocation = FindCaller();

    /// <summary>"File.cs:line N" of the first frame outside this library (the Graph and Ops assemblies) that has
    /// source information, or <c>null</c> when no such frame has it (no PDB, or called from the library only).</summary>
    public string? CallerLocation { get; }

    /// <summary>Set by <see cref="Shape"/> when a shape has more elements than an array holds, so that
    /// <see cref="Node.Apply(Op, ReadOnlySpan{Node})"/> can say which op derived it from which shapes.</summary>
    internal bool TooLarge { get; init; }

    /// <summary>The usual text, with the caller's location after the message.</summary>
    public override string ToString()
    {
        var text = base.ToString();
        if (CallerLocation is null) return text;
        int end = text.IndexOf(Message, StringComparison.Ordinal) is var k and >= 0 ? k + Message.Length : text.Length;
        return text.Insert(end, $" (at {CallerLocation})");
    }

    // Only on the error path: a stack walk with file information costs a PDB read, so it is never done for valid graphs.
    static string? FindCaller()
    {
        var library = new[] { typeof(ShapeException).Assembly.GetName().Name, "AutoDiff.Functional.Ops" };
        foreach (var frame in new StackTrace(1, fNeedFileInfo: true).GetFrames())
        {
            var assembly = frame.GetMethod()?.DeclaringType?.Assembly.GetName().Name;
            if (assembly is null || library.Contains(assembly)) continue;
            if (frame.GetFileName() is { Length: > 0 } file && frame.GetFileLineNumber() > 0)
                return $"{Path.GetFileName(file)}:line {frame.GetFileLineNumber()}";
        }
        return null;
    }
}

/// <summary>A graph could not be evaluated with the given bindings (unbound variable, wrong shape, ...).</summary>
public sealed class BindingException(string message) : ArgumentException(message ?? throw new ArgumentNullException(nameof(message)));
