using System.Text.Json.Nodes;
using AutoDiff.Functional.Models.GradBench;

namespace AutoDiff.Functional.GradBench;

/// <summary>saddle and particle: each function (ff, fr, rf, rr: the outer then the inner mode of AD) is one graph,
/// the nested descents being while loops, compiled once into a plan; a run evaluates it from the start given.</summary>
static partial class Evals
{
    static Prepared NestedFunction(string module, string function, JsonNode input)
    {
        var (outer, inner) = Modes(function);
        if (module == "saddle")
        {
            var start = X(Doubles(Field(input, "start")), out var at);
            return Compile([Saddle.Solve(start, outer, inner)], at, t => Json(t[0].Values));
        }
        var w0 = Node.Variable("w0", Shape.Scalar);
        var w = Real(Field(input, "w"));
        return Compile([Particle.Solve(w0, outer, inner)], Bindings.Empty.Bind(w0, w), t => JsonValue.Create(t[0].ToScalar()));
    }

    static (Differentiation Outer, Differentiation Inner) Modes(string function) => function switch
    {
        "ff" => (Differentiation.Forward, Differentiation.Forward),
        "fr" => (Differentiation.Forward, Differentiation.Reverse),
        "rf" => (Differentiation.Reverse, Differentiation.Forward),
        "rr" => (Differentiation.Reverse, Differentiation.Reverse),
        _ => throw new ProtocolException($"the field $.function is '{Clip(function)}', not ff, fr, rf or rr"),
    };
}
