using System.Text.RegularExpressions;
using Xunit;

namespace AutoDiff.Functional.Distributed.Tests;

/// <summary>ERRORS.md's table of the distributed recommender's messages says what the tests assert: each row's fixed
/// text (its parts between the "…" holes) is in the test it names (or, for a row no test can reach in bounded time, in
/// the source the row names as raising it), and each named test exists.</summary>
public sealed partial class ErrorsTableTests
{
    const string Section = "## The distributed recommender";

    [GeneratedRegex(@"^\| [^|]+ \| [^|]+ \| `(?<message>[^`]+)` \| (?<test>.+) \|$", RegexOptions.Multiline)]
    private static partial Regex Row();

    static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AutoDiff.Functional.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no AutoDiff.Functional.sln above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void Each_row_shows_what_its_test_asserts()
    {
        var root = Root();
        var text = File.ReadAllText(Path.Combine(root, "Properties/Reliability/ERRORS.md"));
        int start = text.IndexOf(Section, StringComparison.Ordinal);
        Assert.True(start >= 0, $"ERRORS.md has no section '{Section}'");
        int end = text.IndexOf("\n## ", start + Section.Length, StringComparison.Ordinal);
        var rows = Row().Matches(text[start..end]);
        Assert.True(rows.Count >= 8, $"only {rows.Count} rows in ERRORS.md's distributed table");
        var tests = Directory.EnumerateFiles(Path.Combine(root, "DistributedTests"), "*.cs").Select(File.ReadAllText).ToArray();
        var methods = typeof(ErrorsTableTests).Assembly.GetTypes().SelectMany(t => t.GetMethods()).Select(m => m.Name).ToHashSet();
        foreach (Match row in rows)
        {
            var message = row.Groups["message"].Value;
            var test = Regex.Match(row.Groups["test"].Value, "^`(\\w+)`$") is { Success: true } named ? named.Groups[1].Value : null;
            string where;
            if (test is null)
            {
                // A row no test reaches names the source that raises it: "… checked against `Distributed/X.cs`".
                var source = Regex.Match(row.Groups["test"].Value, "checked against `(?<file>[^`]+)`");
                Assert.True(source.Success, $"ERRORS.md: the row of `{message}` names neither a test nor the source checked against");
                where = File.ReadAllText(Path.Combine(root, source.Groups["file"].Value));
            }
            else
            {
                Assert.Contains(test, methods);
                where = tests.Single(t => t.Contains($" {test}()", StringComparison.Ordinal));
            }
            foreach (var part in message.Split('…').Where(p => p.Length > 0))
                Assert.True(where.Contains(part, StringComparison.Ordinal), $"ERRORS.md: '{part}' of `{message}` is not in {(test is null ? "the source it names" : $"the file of {test}")}");
        }
    }
}
