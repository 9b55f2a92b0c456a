using System.Text.Json.Nodes;
using AutoDiff.Functional.Models.GradBench;

namespace AutoDiff.Functional.GradBench;

static partial class Evals
{
    static Prepared LstmFunction(JsonNode input, bool gradient)
    {
        var (main, extra) = (Matrix(input["main_params"]), Matrix(input["extra_params"]));
        var (p, q) = (Node.Variable("main", main.Shape), Node.Variable("extra", extra.Shape));
        var at = Bindings.Empty.Bind(p, main).Bind(q, extra);
        var loss = Lstm.Loss(p, q, Matrix(input["state"]), Matrix(input["sequence"]));
        // The gradient rows adjacent: each matrix row-major, main then extra.
        return gradient
            ? Compile(Reverse.Grad(loss, [p, q]), at, t => Json([.. RowMajor(t[0]), .. RowMajor(t[1])]))
            : Compile([loss], at, t => JsonValue.Create(t[0].ToScalar()));
    }

    static Prepared BaFunction(JsonNode input, bool jacobian) => throw new ArgumentException("ba: not yet");

    static double[] RowMajor(Tensor matrix)
    {
        int m = matrix.Shape[0], n = matrix.Shape[1];
        var values = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) values[i * n + j] = matrix[i, j];
        return values;
    }
}
