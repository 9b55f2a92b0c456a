using System.Text.Json.Nodes;
using AutoDiff.Functional.Models.GradBench;

namespace AutoDiff.Functional.GradBench;

static partial class Evals
{
    // ht: the residuals, or their dense Jacobian (the pose's 26 tangents pushed through the skinning as one stack).
    static Prepared HtFunction(JsonNode input, bool jacobian)
    {
        var data = Field(input, "data");
        var model = Field(data, "model");
        var hand = new HtData(
            new HtModel(Ints(Field(model, "parents")), Transforms(Field(model, "base_relatives")), Transforms(Field(model, "inverse_base_absolutes")),
                Jagged(Field(model, "base_positions")), Jagged(Field(model, "weights")), [.. List(Field(model, "triangles")).Select(Ints)],
                Bool(Field(model, "is_mirrored"))),
            Ints(Field(data, "correspondences")), Jagged(Field(data, "points")));
        var theta = X(Doubles(Field(input, "theta")), out var at);
        var barycentric = List(Field(input, "us"));
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

    static int[] Ints(JsonNode? list)
    {
        var a = List(list);
        return [.. a.Select((v, i) => Int(v, a, i))];
    }

    static double[][] Jagged(JsonNode? rows) => [.. List(rows).Select(Doubles)];

    static double[][][] Transforms(JsonNode? list) => [.. List(list).Select(Jagged)];
}
