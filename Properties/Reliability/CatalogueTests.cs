using System.Text.RegularExpressions;
using AutoDiff.Functional.Properties.Docs;
using Xunit;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>ERRORS.md stays whole: its last section lists every message the library's code can raise (each
/// <c>new …Exception("…")</c> and <c>ShapeError("…")</c> in Graph, Ops, Models, Training and Plotting), as the template written
/// in the source, and nothing else. A new message fails this test until it is catalogued; a removed one, until its
/// row goes.</summary>
public partial class CatalogueTests
{
    const string Section = "## Every message, by source";

    // The first string literal of an exception's construction (after nameof(...) and value arguments), interpolated or not.
    [GeneratedRegex("""(?:new (?<type>\w*Exception)|(?<type>ShapeError))\((?:[^"$;()]*(?:\([^()]*\))?[^"$;()]*?,\s*)?\$?"(?<text>(?:[^"\\]|\\.)*)["]""")]
    private static partial Regex Raise();

    /// <summary>The template as catalogued: cut before a hole that holds a string (its quotes end the literal), with
    /// "…" in its place.</summary>
    static string Template(string text)
    {
        int depth = 0, open = -1;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '{') { if (depth++ == 0) open = i; }
            else if (text[i] == '}') depth--;
        return depth > 0 ? text[..open] + "…" : text;
    }

    static HashSet<(string File, string Type, string Template)> InCode()
    {
        var root = Path.GetDirectoryName(RepoFiles.Path("AutoDiff.Functional.sln"))!;
        var found = new HashSet<(string, string, string)>();
        foreach (var project in new[] { "Graph", "Ops", "Models", "Training", "Plotting" })
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, project), "*.cs", SearchOption.AllDirectories)
                         .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")))
                foreach (Match m in Raise().Matches(File.ReadAllText(file)))
                {
                    var type = m.Groups["type"].Value == "ShapeError" ? "ShapeException" : m.Groups["type"].Value;
                    found.Add((Path.GetRelativePath(root, file).Replace('\\', '/'), type, Template(m.Groups["text"].Value)));
                }
        return found;
    }

    static HashSet<(string File, string Type, string Template)> InCatalogue()
    {
        var text = RepoFiles.Read("Properties/Reliability/ERRORS.md");
        int start = text.IndexOf(Section, StringComparison.Ordinal);
        Assert.True(start >= 0, $"ERRORS.md has no section '{Section}'");
        var rows = new HashSet<(string, string, string)>();
        foreach (Match m in Regex.Matches(text[start..], @"^\| `(?<file>[^`]+)` \| (?<type>\w+) \| `(?<template>.*)` \|$", RegexOptions.Multiline))
            rows.Add((m.Groups["file"].Value, m.Groups["type"].Value, m.Groups["template"].Value.Replace(@"\|", "|")));
        return rows;
    }

    [Fact]
    public void ERRORS_md_lists_every_message_the_code_raises_and_no_other()
    {
        var code = InCode();
        var catalogue = InCatalogue();
        Assert.True(code.Count > 100, $"only {code.Count} messages found: is the pattern still right?");
        var missing = code.Except(catalogue).Select(r => $"| `{r.File}` | {r.Type} | `{r.Template.Replace("|", @"\|")}` |");
        var stale = catalogue.Except(code).Select(r => $"{r.File}: {r.Template}");
        Assert.True(!missing.Any(), "not in ERRORS.md (add these rows):\n" + string.Join("\n", missing));
        Assert.True(!stale.Any(), "in ERRORS.md but no longer in the code:\n" + string.Join("\n", stale));
    }
}
