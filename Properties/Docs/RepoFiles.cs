namespace AutoDiff.Functional.Properties.Docs;

/// <summary>Finds the repository's files from the test binary, and compares code blocks ignoring indentation.</summary>
static class RepoFiles
{
    public static string Path(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "AutoDiff.Functional.sln")))
                return System.IO.Path.Combine(dir.FullName, name);
        throw new FileNotFoundException($"{name} not found above {AppContext.BaseDirectory}");
    }

    public static string Read(string name) => File.ReadAllText(Path(name));

    /// <summary>The inline code spans of a Markdown text, outside its fenced blocks.</summary>
    public static IReadOnlyList<string> CodeSpans(string markdown) =>
        [.. System.Text.RegularExpressions.Regex.Matches(
                System.Text.RegularExpressions.Regex.Replace(markdown, "```.*?```", "", System.Text.RegularExpressions.RegexOptions.Singleline),
                "`([^`\n]+)`")
            .Select(m => m.Groups[1].Value)];

    public static string Normalise(string code) =>
        string.Join("\n", code.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
}
