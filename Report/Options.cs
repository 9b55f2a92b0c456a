using System.Globalization;

namespace AutoDiff.Functional.Report;

/// <summary>The report's command line, checked whole before anything runs: every argument is a known flag or the value
/// of a known option. An unknown option (a misspelt <c>--lamda</c>), an option given twice, a missing value, and a
/// number that is not finite, not positive or not in invariant culture are <see cref="ArgumentException"/>s naming the
/// option, never ignored and never left to fail later.</summary>
public sealed class Options
{
    /// <summary>Options that stand alone.</summary>
    public static readonly IReadOnlyList<string> Flags = ["--full", "--d8000", "--targets", "--recommender"];
    /// <summary>Options followed by a value (<c>--pictures</c>'s may be left out).</summary>
    public static readonly IReadOnlyList<string> Valued = ["--out", "--pictures", "--users", "--items", "--ratings", "--rank", "--epochs", "--rate", "--lambda", "--method"];

    readonly Dictionary<string, string?> given;

    Options(Dictionary<string, string?> given) => this.given = given;

    /// <summary>The options in <paramref name="args"/>.</summary>
    /// <exception cref="ArgumentException">An argument is not a known option or its value; the message names it.</exception>
    public static Options Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var given = new Dictionary<string, string?>();
        for (int i = 0; i < args.Length; i++)
        {
            var name = args[i] ?? throw new ArgumentException($"argument {i + 1} is null");
            bool flag = Flags.Contains(name), valued = Valued.Contains(name);
            if (!flag && !valued)
                throw new ArgumentException(name.StartsWith("--", StringComparison.Ordinal)
                    ? $"unknown option '{name}'{Nearest(name)}; the options are {string.Join(", ", Flags.Concat(Valued))}"
                    : $"'{name}' (argument {i + 1}) is not an option, nor the value of one");
            if (given.ContainsKey(name)) throw new ArgumentException($"{name} is given twice");
            string? value = null;
            if (valued)
            {
                if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) value = args[++i];
                else if (name != "--pictures") throw new ArgumentException($"{name} needs a value");
            }
            given[name] = value;
        }
        return new(given);
    }

    /// <summary>Whether <paramref name="name"/> was given.</summary>
    public bool Has(string name) => given.ContainsKey(name);

    /// <summary>The value given to <paramref name="name"/>, or null.</summary>
    public string? Text(string name) => given.GetValueOrDefault(name);

    /// <summary>A positive whole number, or <paramref name="fallback"/> when the option is absent.</summary>
    public int Count(string name, int fallback) => Text(name) is not { } t ? fallback
        : int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v
        : throw new ArgumentException($"{name} {t}: a positive whole number is needed");

    /// <summary>A finite number (positive, or ≥ 0 when <paramref name="zeroAllowed"/>), or <paramref name="fallback"/>.</summary>
    public double Real(string name, double fallback, bool zeroAllowed = false) => Text(name) is not { } t ? fallback
        : double.TryParse(t, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var v)
          && double.IsFinite(v) && (v > 0 || zeroAllowed && v == 0) ? v
        : throw new ArgumentException($"{name} {t}: a finite {(zeroAllowed ? "number ≥ 0" : "positive number")} is needed (a point before decimals)");

    /// <summary>One of <paramref name="allowed"/>, or <paramref name="fallback"/> when the option is absent.</summary>
    public string Choice(string name, string fallback, params string[] allowed) => Text(name) is not { } t ? fallback
        : allowed.Contains(t) ? t
        : throw new ArgumentException($"{name} {t}: one of {string.Join(", ", allowed)} is needed");

    /// <summary>", did you mean --x?" for the known option nearest <paramref name="name"/> (at most two edits away).</summary>
    static string Nearest(string name)
    {
        var best = Flags.Concat(Valued).MinBy(o => Distance(o, name))!;
        return Distance(best, name) <= 2 ? $" (did you mean {best}?)" : "";
    }

    static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int up = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = up;
            }
        }
        return row[b.Length];
    }
}
