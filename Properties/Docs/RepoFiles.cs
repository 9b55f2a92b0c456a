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

    public static string Normalise(string code) =>
        string.Join("\n", code.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
}
