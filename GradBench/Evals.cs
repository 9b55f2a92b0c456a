using System.Text.Json.Nodes;
using AutoDiff.Functional.Models.GradBench;

namespace AutoDiff.Functional.GradBench;

/// <summary>A function ready to run: everything built and compiled, so <see cref="Run"/> is the timed work alone.</summary>
sealed record Prepared(Func<object> Run, Func<object, JsonNode> Output);

/// <summary>The evals this tool answers: for each, the graph of its objective, compiled once per input into a plan
/// holding the primal or the primal with its derivative.</summary>
static partial class Evals
{
    static readonly HashSet<string> Modules = ["hello", "llsq", "lse", "det", "ode", "kmeans", "gmm", "lstm", "ba", "ht", "saddle", "particle"];

    public static bool Defines(string module) => Modules.Contains(module);

    public static Prepared Prepare(string module, string function, JsonNode input) => (module, function) switch
    {
        ("hello", "square") => Scalar(input, x => x.Square(), gradient: false),
        ("hello", "double") => Scalar(input, x => x.Square(), gradient: true),
        ("llsq", _) => Vector(Doubles(input["x"]), x => Llsq.Objective(x, (int)input["n"]!), Gradient(function)),
        ("lse", _) => Vector(Doubles(input["x"]), Lse.Objective, Gradient(function)),
        ("det", _) => Vector(Doubles(input["A"]), a => Det.Objective(a, (int)input["ell"]!), Gradient(function)),
        ("ode", "primal") => Compile([Ode.FinalState(X(Doubles(input["x"]), out var at), (int)input["s"]!)], at, t => Json(t[0].Values)),
        ("ode", "gradient") => OdeGradient(Doubles(input["x"]), (int)input["s"]!),
        ("kmeans", "cost" or "dir") => KMeansFunction(input, function == "dir"),
        ("gmm", "objective" or "jacobian") => GmmFunction(input, function == "jacobian"),
        ("lstm", "objective" or "jacobian") => LstmFunction(input, function == "jacobian"),
        ("ba", "objective" or "jacobian") => BaFunction(input, function == "jacobian"),
        ("saddle" or "particle", _) => NestedFunction(module, function, input),
        ("ht", "objective" or "jacobian") => HtFunction(input, function == "jacobian"),
        _ => throw new ArgumentException($"{module} has no function '{function}'"),
    };

    static bool Gradient(string function) => function switch
    {
        "primal" => false,
        "gradient" => true,
        _ => throw new ArgumentException($"no function '{function}' (expected primal or gradient)"),
    };

    static Prepared Scalar(JsonNode input, Func<Node, Node> f, bool gradient)
    {
        var x = Node.Variable("x", Shape.Scalar);
        var y = f(x);
        var at = Bindings.Empty.Bind(x, (double)input!);
        return Compile(gradient ? Reverse.Grad(y, [x]) : [y], at, t => JsonValue.Create(t[0].ToScalar()));
    }

    // A scalar objective of one vector: its value, or its gradient by one reverse pass.
    static Prepared Vector(double[] values, Func<Node, Node> objective, bool gradient)
    {
        var y = objective(X(values, out var at));
        var x = at.Variables.Single();
        return gradient
            ? Compile(Reverse.Grad(y, [x]), at, t => Json(t[0].Values))
            : Compile([y], at, t => JsonValue.Create(t[0].ToScalar()));
    }

    static Prepared OdeGradient(double[] values, int steps)
    {
        var x = X(values, out var at);
        return Compile(Reverse.Grad(Ode.LastElement(Ode.FinalState(x, steps)), [x]), at, t => Json(t[0].Values));
    }

    static Prepared KMeansFunction(JsonNode input, bool direction)
    {
        var points = Matrix(input["points"]);
        var start = Matrix(input["centroids"]);
        var c = Node.Variable("C", start.Shape);
        var at = Bindings.Empty.Bind(c, start);
        var cost = KMeans.Cost(c, points);
        return direction
            ? Compile([KMeans.NewtonDirection(cost, c)], at, t => Rows(t[0]))
            : Compile([cost], at, t => JsonValue.Create(t[0].ToScalar()));
    }

    static Prepared GmmFunction(JsonNode input, bool gradient)
    {
        var alpha = Doubles(input["alpha"]);
        var (mu, q, l) = (Matrix(input["mu"]), Matrix(input["q"]), Matrix(input["l"], columns: (int)input["d"]! * ((int)input["d"]! - 1) / 2));
        var p = Gmm.Variables(alpha.Length, mu.Shape[1]);
        var at = Bindings.Empty.Bind(p.Alpha, Tensor.FromColumnMajor(p.Alpha.Shape, alpha)).Bind(p.Means, mu).Bind(p.LogDiagonals, q).Bind(p.Lower, l);
        var f = Gmm.LogPosterior(p, Matrix(input["x"]), (int)input["m"]!, (double)input["gamma"]!);
        return gradient
            ? Compile(Reverse.Grad(f, [p.Alpha, p.Means, p.LogDiagonals, p.Lower]), at, t => new JsonObject
            {
                ["alpha"] = Json(t[0].Values),
                ["mu"] = Rows(t[1]),
                ["q"] = Rows(t[2]),
                ["l"] = Rows(t[3]),
            })
            : Compile([f], at, t => JsonValue.Create(t[0].ToScalar()));
    }

    /// <summary>A matrix from a JSON list of rows (of <paramref name="columns"/> entries when the list may be empty).</summary>
    static Tensor Matrix(JsonNode? rows, int columns = -1)
    {
        var list = (rows ?? throw new ArgumentException("a field is missing")).AsArray();
        int m = list.Count, n = columns >= 0 ? columns : m == 0 ? 0 : list[0]!.AsArray().Count;
        var values = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            var row = list[i]!.AsArray();
            if (row.Count != n) throw new ArgumentException($"row {i} has {row.Count} entries, not {n}");
            for (int j = 0; j < n; j++) values[i + j * m] = (double)row[j]!;
        }
        return Tensor.FromColumnMajor(Shape.Matrix(m, n), values);
    }

    static JsonArray Rows(Tensor matrix)
    {
        var rows = new JsonArray();
        for (int i = 0; i < matrix.Shape[0]; i++)
        {
            var row = new JsonArray();
            for (int j = 0; j < matrix.Shape[1]; j++) row.Add(matrix[i, j]);
            rows.Add(row);
        }
        return rows;
    }

    static Node X(double[] values, out Bindings at)
    {
        var x = Node.Variable("x", Shape.Vector(values.Length));
        at = Bindings.Empty.Bind(x, Tensor.FromColumnMajor(x.Shape, values));
        return x;
    }

    static Prepared Compile(IReadOnlyList<Node> outputs, Bindings at, Func<Tensor[], JsonNode> output)
    {
        var plan = Plan.Compile(outputs);
        var workspace = plan.NewWorkspace();
        return new(() => plan.Run(at, workspace), r => output((Tensor[])r));
    }

    public static double[] Doubles(JsonNode? array) =>
        [.. (array ?? throw new ArgumentException("a field is missing")).AsArray().Select(v => (double)v!)];

    public static JsonArray Json(ReadOnlySpan<double> values)
    {
        var array = new JsonArray();
        foreach (var v in values) array.Add(v);
        return array;
    }
}
