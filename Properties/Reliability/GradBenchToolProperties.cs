using System.Text.Json.Nodes;
using AutoDiff.Functional.GradBench;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>A malformed protocol message: its text, the JSON path of the field changed (null for a change of the text
/// itself), and whether the field's kind changed (a list for a number, null for a string, a field removed).</summary>
public sealed record Mutated(string Text, string? Path, bool KindChanged, string What)
{
    /// <inheritdoc/>
    public override string ToString() => $"{What}: {(Text.Length <= 120 ? Text : Text[..120] + "…")}";
}

public static class GradBenchArbs
{
    /// <summary>Valid messages of every kind, small enough to evaluate in milliseconds.</summary>
    public static readonly string[] Templates =
    [
        """{"id":1,"kind":"start","eval":"hello"}""",
        """{"id":2,"kind":"define","module":"lse"}""",
        """{"id":3,"kind":"evaluate","module":"hello","function":"double","input":2.0}""",
        """{"id":4,"kind":"evaluate","module":"llsq","function":"gradient","input":{"x":[1,2,3],"n":4,"min_runs":1,"min_seconds":0}}""",
        """{"id":5,"kind":"evaluate","module":"kmeans","function":"cost","input":{"points":[[1,2],[3,4],[5,6]],"centroids":[[0,0],[1,1]]}}""",
        """{"id":6,"kind":"evaluate","module":"lse","function":"primal","input":{"x":[0.5,-1,2]}}""",
        """{"id":7,"kind":"analysis","of":3,"valid":true}""",
    ];

    static readonly Func<JsonNode?>[] Replacements =
    [
        () => null, () => "text", () => new JsonArray(), () => new JsonObject(), () => true, () => 1e300, () => -1, () => 3.5,
        () => 2147483648L, () => new JsonArray(1, "two", null), () => new JsonObject { ["id"] = 1 },
    ];

    static List<(JsonNode? Parent, string? Name, int Index, string Path)> Places(JsonNode root)
    {
        var places = new List<(JsonNode?, string?, int, string)>();
        var stack = new Stack<(JsonNode? Node, JsonNode? Parent, string? Name, int Index, string Path)>();
        stack.Push((root, null, null, -1, "$"));
        while (stack.Count > 0)
        {
            var (node, parent, name, index, path) = stack.Pop();
            if (parent is not null) places.Add((parent, name, index, path));
            if (node is JsonObject o) foreach (var (k, v) in o.ToList()) stack.Push((v, o, k, -1, $"{path}.{k}"));
            if (node is JsonArray a) for (int i = 0; i < a.Count; i++) stack.Push((a[i], a, null, i, $"{path}[{i}]"));
        }
        return places;
    }

    static Mutated Mutate(int template, int how, int place, int value, int at)
    {
        var text = Templates[template];
        switch (how % 6)
        {
            case 0: return new(text[..(at % text.Length)], null, false, $"cut after {at % text.Length} characters");
            case 1:
                int p = at % (text.Length + 1);
                char c = "{}[],:\"x\\\0\uFEFF"[value % 11];
                return new(text[..p] + c + text[p..], null, false, $"U+{(int)c:X4} inserted at {p}");
            case 2: return new(new[] { "null", "[]", "42", "\"start\"", "[" + text + "]", new string('[', 200) + new string(']', 200) }[value % 6], null, false, "not an object");
        }
        var root = JsonNode.Parse(text)!;
        var places = Places(root);
        var (parent, name, index, path) = places[place % places.Count];
        var old = name is not null ? parent![name] : parent![index];
        if (how % 6 == 3 && parent is JsonObject o)
        {
            o.Remove(name!);
            return new(root.ToJsonString(), path, true, $"{path} removed");
        }
        var replacement = Replacements[value % Replacements.Length]();
        if (name is not null) parent[name] = replacement; else parent[index] = replacement;
        bool kindChanged = (old?.GetValueKind(), replacement?.GetValueKind()) is var (a, b) && a != b
            && !(a is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False && b is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False);
        return new(root.ToJsonString(), path, kindChanged, $"{path} = {replacement?.ToJsonString() ?? "null"}");
    }

    public static Arbitrary<Mutated[]> Session() =>
        (from count in Gen.Choose(1, 6)
         from messages in Gen.ArrayOf(
             from template in Gen.Choose(0, Templates.Length - 1)
             from how in Gen.Choose(0, 1000)
             from place in Gen.Choose(0, 1000)
             from value in Gen.Choose(0, 1000)
             from at in Gen.Choose(0, 1000)
             select Mutate(template, how, place, value, at), count)
         select messages).ToArbitrary();
}

/// <summary>The GradBench tool fed sessions of random malformed messages (cut short, a character inserted, not an
/// object, a field removed or replaced by a value of another kind, nesting 200 deep), then one valid message: every
/// message gets exactly one answer, a JSON object carrying the message's id when it had one; a failure says
/// <c>"success": false</c>, names the message, and names the changed field by its path when its kind changed; and the
/// tool goes on, answering the last message correctly. EOF in the middle of a message ends the session cleanly.</summary>
[Properties(Arbitrary = [typeof(GradBenchArbs)], MaxTest = 100)]
public class GradBenchToolProperties
{
    const string Last = """{"id":"last","kind":"evaluate","module":"hello","function":"double","input":2.0}""";

    [Property]
    public Property Every_malformed_message_gets_an_answer_naming_it_and_the_session_goes_on(Mutated[] session)
    {
        var input = string.Join("\n", session.Select(m => m.Text.Replace("\n", " ")).Append(Last)) + "\n";
        var output = new StringWriter();
        Tool.Serve(new StringReader(input), output, TextWriter.Null);
        var answers = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l) as JsonObject).ToArray();
        var lines = input.Split('\n').Where(l => !string.IsNullOrWhiteSpace(l)).ToArray();
        var property = (answers.Length == lines.Length && answers.All(a => a is not null && a.ContainsKey("id")))
            .Label($"{answers.Length} answers for {lines.Length} messages");
        if (answers.Length != lines.Length) return property;
        for (int k = 0, answer = 0; k < session.Length; k++)
        {
            if (string.IsNullOrWhiteSpace(session[k].Text)) continue;   // a blank line is no message, but is counted
            var (m, a, number) = (session[k], answers[answer++]!, k + 1);
            JsonNode? id = null;
            try { id = (JsonNode.Parse(m.Text) as JsonObject)?["id"]; } catch (System.Text.Json.JsonException) { }
            bool failed = a["success"] is JsonValue s && s.GetValue<bool>() == false && a.ContainsKey("error");
            string error = failed ? a["error"]!.GetValue<string>() : "";
            property = property
                .And((JsonNode.DeepEquals(a["id"], id)).Label($"{m}: answered with id {a["id"]?.ToJsonString()}, sent {id?.ToJsonString()}"))
                .And((!failed || error.StartsWith($"message {number}", StringComparison.Ordinal)).Label($"{m}: '{error}' does not name message {number}"))
                .And((!failed || !m.KindChanged || error.Contains(m.Path!)).Label($"{m}: '{error}' does not name {m.Path}"))
                .And((failed || m.Path is not null || a.ContainsKey("tool") || a["success"] is not null || a.Count == 1).Label($"{m}: {a.ToJsonString()}"));
        }
        var last = answers[^1]!;
        return property.And((last["id"]?.GetValue<string>() == "last" && last["success"]?.GetValue<bool>() == true && last["output"]?.GetValue<double>() == 4)
            .Label($"the session did not go on: {last.ToJsonString()}"));
    }

    [Theory]
    [InlineData("""{"id":1,"kind":"evaluate","module":"ba","function":"objective","input":{"n":2000000000,"m":1,"p":1,"cam":[1],"x":[1],"w":1,"feat":[1]}}""",
        """message 1 (id 1): $.input.n is 2000000000; it must be positive, and 2000000000·11 elements must fit one array (2147483591)""")]
    [InlineData("""{"id":1,"kind":"evaluate","module":"llsq","function":"gradient","input":{"x":[1,null],"n":3}}""", "message 1 (id 1): $.input.x[1] is null, not a number")]
    [InlineData("""{"id":1,"kind":"evaluate","module":"llsq","function":"gradient","input":{"x":[1,2]}}""", "message 1 (id 1): the field $.input.n is missing")]
    [InlineData("""{"id":1,"kind":"evaluate","module":"gmm","function":"objective","input":{"alpha":[1],"mu":[[1],[2,3]]}}""", "message 1 (id 1): $.input.mu[1] has 2 entries, not 1 as row 0")]
    [InlineData("""{"id":1,"kind":"evaluate","module":"hello","function":"cube","input":2}""", "message 1 (id 1): the field $.function is 'cube': hello has no such function")]
    [InlineData("""{"id":1,"kind":"evaluate","module":"nope","function":"x","input":2}""", "message 1 (id 1): the field $.module is 'nope', not an eval this tool defines")]
    [InlineData("""{"kind":"start"}""", "message 1: the field $.id is missing")]
    [InlineData("""[1,2]""", "message 1: the message is a list of 2, not a JSON object")]
    [InlineData("""{"id":1,"kind":"evaluate","module":"hello","function":"double","input":{"min_runs":0}}""", "message 1 (id 1): the field $.input.min_runs is 0; at least 1 run is needed")]
    [InlineData("""{"id":1,"kind":"evaluate","module":"llsq","function":"primal","input":{"x":[1e308,1e308],"n":3}}""", "message 1 (id 1): the output holds ±∞ or NaN, which JSON cannot carry (the input drove the function beyond the doubles)")]
    public void Malformed_messages_are_named_exactly(string message, string error)
    {
        var answer = JsonNode.Parse(Tool.Answer(message, 1, TextWriter.Null))!;
        Assert.Equal(error, answer["error"]?.GetValue<string>());
        Assert.False(answer["success"]!.GetValue<bool>());
    }

    [Fact]
    public void EOF_inside_a_message_ends_the_session_cleanly()
    {
        var output = new StringWriter();
        Tool.Serve(new StringReader("""{"id":0,"kind":"start"}""" + "\n" + """{"id":1,"kind":"eval"""), output, TextWriter.Null);
        var answers = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, answers.Length);
        Assert.StartsWith("""{"id":null,"success":false,"error":"message 2: not JSON""", answers[1]);
    }
}
