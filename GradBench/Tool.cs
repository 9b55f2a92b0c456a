using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AutoDiff.Functional.GradBench;

/// <summary>A message the tool cannot act on: its text names the field, by JSON path, and what is wrong with it.</summary>
public sealed class ProtocolException(string message) : Exception(message);

/// <summary>The GradBench protocol: one JSON message per line in, one answer per line out, logs elsewhere. It never dies
/// on input: a message that is not JSON, not an object, lacks a field or holds the wrong kind of value, or whose
/// evaluation fails, is answered with <c>"success": false</c> and an <c>"error"</c> naming the message (its number and
/// id) and the field; then the next message is read. The end of the input ends the session cleanly, even in the middle
/// of a message (that last fragment is answered as not JSON).</summary>
public static class Tool
{
    /// <summary>Answers every message of <paramref name="input"/> on <paramref name="output"/> until the input ends;
    /// exceptions go to <paramref name="log"/>.</summary>
    public static void Serve(TextReader input, TextWriter output, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(log);
        long number = 0;
        for (var line = input.ReadLine(); line is not null; line = input.ReadLine())
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;   // between messages: nothing to answer
            output.WriteLine(Answer(line, number, log));
            output.Flush();
            Release();
        }
    }

    /// <summary>A message's buffers go back to the system once its answer is out, when they are large: the eval checks
    /// the answer meanwhile and may need the memory. ba20 (29 million observations) left its objective's 5 GB behind
    /// for its Jacobian's 12 GB, and on a 23 GB machine the kernel's out-of-memory killer then ended this process, the
    /// largest, while the eval was checking the Jacobian.</summary>
    static void Release()
    {
        if (GC.GetTotalMemory(forceFullCollection: false) >= LargeHeap)
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    // Smaller heaps are left to the collector: a full collection after every message would cost more than it returns.
    const long LargeHeap = 1L << 30;

    /// <summary>The answer to message <paramref name="number"/>, <paramref name="line"/>, as one line of JSON: never
    /// throws.</summary>
    public static string Answer(string line, long number, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(log);
        JsonNode? id = null;
        try
        {
            JsonNode? parsed;
            try { parsed = JsonNode.Parse(line); }
            catch (JsonException e) { throw new ProtocolException($"not JSON ({e.Message})"); }
            if (parsed is not JsonObject message) throw new ProtocolException($"the message is {Evals.Kind(parsed)}, not a JSON object");
            id = Evals.Field(message, "id").DeepClone();
            var answer = new JsonObject { ["id"] = id.DeepClone() };
            switch (Evals.Text(Evals.Field(message, "kind")))
            {
                case "start":
                    answer["tool"] = "autodiff-functional";
                    break;
                case "define":
                    answer["success"] = Evals.Defines(Evals.Text(Evals.Field(message, "module")));
                    break;
                case "evaluate":
                    Evaluate(message, answer);
                    break;
                case "analysis":
                    break;
                case var kind:
                    throw new ProtocolException($"the field $.kind is '{Evals.Clip(kind)}', not start, define, evaluate or analysis");
            }
            try { return answer.ToJsonString(); }
            catch (ArgumentException) { throw new ProtocolException("the output holds ±∞ or NaN, which JSON cannot carry (the input drove the function beyond the doubles)"); }
        }
        catch (Exception e)   // whatever a message does, it gets an answer and the session goes on
        {
            log.WriteLine($"message {number}: {e}");
            string what = e is ProtocolException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            return new JsonObject
            {
                ["id"] = id?.DeepClone(),
                ["success"] = false,
                ["error"] = $"message {number}{(id is null ? "" : $" (id {Evals.Clip(id.ToJsonString())})")}: {what}",
            }.ToJsonString();
        }
    }

    static void Evaluate(JsonObject message, JsonObject answer)
    {
        var input = Evals.Field(message, "input");
        int minRuns = input is JsonObject o && o.ContainsKey("min_runs") ? Evals.Int(Evals.Field(o, "min_runs")) : 1;
        double minSeconds = input is JsonObject p && p.ContainsKey("min_seconds") ? Evals.Real(Evals.Field(p, "min_seconds")) : 0;
        if (minRuns < 1) throw new ProtocolException($"the field $.input.min_runs is {minRuns}; at least 1 run is needed");
        if (!(minSeconds is >= 0 and <= 86_400)) throw new ProtocolException($"the field $.input.min_seconds is {minSeconds}; it must be 0 to 86400");
        var clock = Stopwatch.StartNew();
        var module = Evals.Text(Evals.Field(message, "module"));
        if (!Evals.Defines(module)) throw new ProtocolException($"the field $.module is '{Evals.Clip(module)}', not an eval this tool defines");
        var function = Evals.Prepare(module, Evals.Text(Evals.Field(message, "function")), input);
        var timings = new JsonArray { Timing("prepare", clock.Elapsed) };
        object? result = null;
        var total = TimeSpan.Zero;
        for (int run = 0; run < minRuns || total.TotalSeconds < minSeconds; run++)
        {
            clock.Restart();
            result = function.Run();
            var elapsed = clock.Elapsed;
            total += elapsed;
            timings.Add(Timing("evaluate", elapsed));
        }
        answer["success"] = true;
        answer["output"] = function.Output(result!);
        answer["timings"] = timings;
    }

    static JsonObject Timing(string name, TimeSpan elapsed) =>
        new() { ["name"] = name, ["nanoseconds"] = (long)(elapsed.Ticks * (1_000_000_000.0 / TimeSpan.TicksPerSecond)) };
}
