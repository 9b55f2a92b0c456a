using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AutoDiff.Functional;
using AutoDiff.Functional.GradBench;

// A GradBench tool: one JSON message per line on stdin, one answer per line on stdout; logs go to stderr.
var stdout = Console.Out;
string? line;
while ((line = Console.ReadLine()) is not null)
{
    if (line.Length == 0) continue;
    var message = JsonNode.Parse(line)!.AsObject();
    var id = message["id"]!.DeepClone();
    var answer = new JsonObject { ["id"] = id };
    switch ((string?)message["kind"])
    {
        case "start":
            answer["tool"] = "autodiff-functional";
            break;
        case "define":
            answer["success"] = Evals.Defines((string)message["module"]!);
            break;
        case "evaluate":
            try
            {
                Evaluate(message, answer);
            }
            catch (Exception e) when (e is ArgumentException or ShapeException or InvalidOperationException or KeyNotFoundException)
            {
                Console.Error.WriteLine(e);
                answer["success"] = false;
                answer["error"] = e.Message;
            }
            break;
    }
    stdout.WriteLine(answer.ToJsonString());
    stdout.Flush();
}

static void Evaluate(JsonObject message, JsonObject answer)
{
    var input = message["input"]!;
    int minRuns = input is JsonObject o && o["min_runs"] is { } r ? (int)r : 1;
    double minSeconds = input is JsonObject p && p["min_seconds"] is { } s ? (double)s : 0;
    var clock = Stopwatch.StartNew();
    var function = Evals.Prepare((string)message["module"]!, (string)message["function"]!, input);
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
