using System.Text.Json.Nodes;
using AutoDiff.Functional.Models.GradBench;

namespace AutoDiff.Functional.GradBench;

static partial class Evals
{
    static Prepared LstmFunction(JsonNode input, bool gradient)
    {
        var (main, extra) = (Matrix(Field(input, "main_params")), Matrix(Field(input, "extra_params")));
        var (p, q) = (Node.Variable("main", main.Shape), Node.Variable("extra", extra.Shape));
        var at = Bindings.Empty.Bind(p, main).Bind(q, extra);
        var loss = Lstm.Loss(p, q, Matrix(Field(input, "state")), Matrix(Field(input, "sequence")));
        // The gradient rows adjacent: each matrix row-major, main then extra.
        return gradient
            ? Compile(Reverse.Grad(loss, [p, q]), at, t => Json([.. RowMajor(t[0]), .. RowMajor(t[1])]))
            : Compile([loss], at, t => JsonValue.Create(t[0].ToScalar()));
    }

    // The eval sends one camera, point, weight and feature, each to be repeated (n cameras, m points, p observations,
    // observation i of camera i mod n and point i mod m); every observation is computed, none is skipped as a repeat.
    static Prepared BaFunction(JsonNode input, bool jacobian)
    {
        // Sizes checked in 64 bits against one array's limit (p·2 features, n·11 camera and m·3 point parameters).
        int n = Count(input, "n", 11), m = Count(input, "m", 3), p = Count(input, "p", 2);
        var cameras = Repeated(Doubles(Field(input, "cam")), n);
        var points = Repeated(Doubles(Field(input, "x")), m);
        var weights = Tensor.FromColumnMajor(Shape.Vector(p), [.. Enumerable.Repeat(Real(Field(input, "w")), p)]);
        var features = Repeated(Doubles(Field(input, "feat")), p);
        int[] cameraOf = [.. Enumerable.Range(0, p).Select(i => i % n)], pointOf = [.. Enumerable.Range(0, p).Select(i => i % m)];
        var (c, x, w) = (Node.Variable("cams", cameras.Shape), Node.Variable("X", points.Shape), Node.Variable("w", weights.Shape));
        var at = Bindings.Empty.Bind(c, cameras).Bind(x, points).Bind(w, weights);
        if (!jacobian)
        {
            Node[] observed = [.. Enumerable.Range(0, Ba.CameraParameters).Select(j => c.Column(j).GatherRows(cameraOf)),
                .. Enumerable.Range(0, 3).Select(j => x.Column(j).GatherRows(pointOf))];
            var errors = Ba.ReprojectionErrors(observed[..Ba.CameraParameters], observed[Ba.CameraParameters..], w, Node.Constant(features));
            return Compile([.. errors, Ba.WeightErrors(w)], at, t => new JsonObject
            {
                ["reproj_error"] = new JsonObject { ["elements"] = Json([t[0][0], t[1][0]]), ["repeated"] = p },
                ["w_err"] = new JsonObject { ["element"] = t[2][0], ["repeated"] = p },
            });
        }
        var sparse = new BaJacobian(n, m, cameraOf, pointOf, features);
        sparse.Evaluate(cameras, points, weights);   // untimed, as in Compile: buffers allocated and kernels compiled
        return new(() => sparse.Evaluate(cameras, points, weights), r =>
        {
            var (rowStarts, columns, values) = ((int[], int[], double[]))r;
            // As the eval wants: the first 30 entries of each array and its last.
            return new JsonObject { ["rows"] = Ints(rowStarts), ["cols"] = Ints(columns), ["vals"] = Json([.. values[..30], values[^1]]) };
            static JsonArray Ints(int[] a) => [.. a[..30].Append(a[^1]).Select(v => (JsonNode)v)];
        });
    }

    // A matrix of `count` rows, each a copy of `row`.
    static Tensor Repeated(double[] row, int count)
    {
        var values = new double[count * row.Length];
        for (int j = 0; j < row.Length; j++) Array.Fill(values, row[j], j * count, count);
        return Tensor.FromColumnMajor(Shape.Matrix(count, row.Length), values);
    }

    static double[] RowMajor(Tensor matrix)
    {
        int m = matrix.Shape[0], n = matrix.Shape[1];
        var values = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) values[i * n + j] = matrix[i, j];
        return values;
    }
}
