using System.Text.Json.Nodes;
using AutoDiff.Functional.Models.GradBench;

namespace AutoDiff.Functional.GradBench;

static partial class Evals
{
    // ht: the residuals, or their dense Jacobian (the pose's 26 tangents pushed through the skinning as one stack).
    static Prepared HtFunction(JsonNode input, bool jacobian)
    {
        var data = input["data"] ?? throw new ArgumentException("a field is missing");
        var model = data["model"] ?? throw new ArgumentException("a field is missing");
        var hand = new HtData(
            new HtModel(Ints(model["parents"]), Transforms(model["base_relatives"]), Transforms(model["inverse_base_absolutes"]),
                Jagged(model["base_positions"]), Jagged(model["weights"]), [.. List(model["triangles"]).Select(Ints)],
                (bool)model["is_mirrored"]!),
            Ints(data["correspondences"]), Jagged(data["points"]));
        var theta = X(Doubles(input["theta"]), out var at);
        var barycentric = List(input["us"]);
        if (barycentric.Count == 0)
            return jacobian
                ? Compile([Ht.Jacobian(theta, hand)], at, t => Rows(t[0]))
                : Compile([Ht.Residuals(theta, hand)], at, t => Json(t[0].Values));
        var us = Node.Variable("u", Shape.Matrix(barycentric.Count, 2));
        at = at.Bind(us, Matrix(barycentric));
        return jacobian
            ? Compile([Ht.Jacobian(theta, us, hand)], at, t => Rows(t[0]))
            : Compile([Ht.Residuals(theta, us, hand)], at, t => Json(t[0].Values));
    }

    static JsonArray List(JsonNode? list) => (list ?? throw new ArgumentException("a field is missing")).AsArray();

    static int[] Ints(JsonNode? list) => [.. List(list).Select(v => (int)v!)];

    static double[][] Jagged(JsonNode? rows) => [.. List(rows).Select(Doubles)];

    static double[][][] Transforms(JsonNode? list) => [.. List(list).Select(Jagged)];
}
