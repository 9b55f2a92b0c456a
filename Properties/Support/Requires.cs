using Xunit;

namespace AutoDiff.Functional.Properties.Support;

/// <summary>What a test needs from the machine, decided once when the tests are discovered. A test whose need is not
/// met is reported as skipped, with the reason, in the test output and in the summary's count: never a silent pass.
/// CI (.ci/run) installs OpenBLAS and Graphviz, so there these tests run. Only facts: a skipped FsCheck
/// <c>[Property]</c> shows [SKIP] in xunit's log but is not counted by the test runner, so a property that needs the
/// machine is a fact that runs <c>Check.One</c>.</summary>
public static class Requires
{
    /// <summary>Null when OpenBLAS is loaded, else why not (<c>AUTODIFF_BLAS=managed</c>, or the library missing).</summary>
    public static string? OpenBlas => Blas.IsNative ? null : $"OpenBLAS is not loaded ({Blas.Backend})";

    /// <summary>Null when Graphviz's <c>dot</c> is on the PATH, else what to install.</summary>
    public static string? Graphviz =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(d => File.Exists(Path.Combine(d, "dot")) || File.Exists(Path.Combine(d, "dot.exe")))
            ? null : "Graphviz's 'dot' is not on the PATH (apt-get install graphviz)";

    /// <summary>Null when <paramref name="variable"/> is set, else how to set it.</summary>
    public static string? Variable(string variable, string example) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } ? null : $"runs only when {variable} is set, e.g. {variable}={example}";
}

/// <summary>A fact that needs OpenBLAS; skipped with the reason when it is not loaded.</summary>
public sealed class OpenBlasFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when OpenBLAS is not loaded.</summary>
    public OpenBlasFactAttribute() => Skip = Requires.OpenBlas;
}

/// <summary>A fact that needs Graphviz; skipped with the reason when <c>dot</c> is not on the PATH.</summary>
public sealed class GraphvizFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when Graphviz is missing.</summary>
    public GraphvizFactAttribute() => Skip = Requires.Graphviz;
}

/// <summary>A fact that runs only when an environment variable is set (a long run); skipped with how to run it.</summary>
public sealed class WhenSetFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> unless <paramref name="variable"/> is set.</summary>
    public WhenSetFactAttribute(string variable, string example) => Skip = Requires.Variable(variable, example);
}
