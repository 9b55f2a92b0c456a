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
        ("llsq", _) => Vector(Doubles(Field(input, "x")), x => Llsq.Objective(x, Int(Field(input, "n"))), Gradient(function)),
        ("lse", _) => Vector(Doubles(Field(input, "x")), Lse.Objective, Gradient(function)),
        ("det", _) => Vector(Doubles(Field(input, "A")), a => Det.Objective(a, Int(Field(input, "ell"))), Gradient(function)),
        ("ode", "primal") => Compile([Ode.FinalState(X(Doubles(Field(input, "x")), out var at), Int(Field(input, "s")))], at, t => Json(t[0].Values)),
        ("ode", "gradient") => OdeGradient(Doubles(Field(input, "x")), Int(Field(input, "s"))),
        ("kmeans", "cost" or "dir") => KMeansFunction(input, function == "dir"),
        ("gmm", "objective" or "jacobian") => GmmFunction(input, function == "jacobian"),
        ("lstm", "objective" or "jacobian") => LstmFunction(input, function == "jacobian"),
        ("ba", "objective" or "jacobian") => BaFunction(input, function == "jacobian"),
        ("saddle" or "particle", _) => NestedFunction(module, function, input),
        ("ht", "objective" or "jacobian") => HtFunction(input, function == "jacobian"),
        _ => throw new ProtocolException($"the field $.function is '{Clip(function)}': {module} has no such function"),
    };

    static bool Gradient(string function) => function switch
    {
        "primal" => false,
        "gradient" => true,
        _ => throw new ProtocolException($"the field $.function is '{Clip(function)}', not primal or gradient"),
    };

    static Prepared Scalar(JsonNode input, Func<Node, Node> f, bool gradient)
    {
        var x = Node.Variable("x", Shape.Scalar);
        var y = f(x);
        var at = Bindings.Empty.Bind(x, Real(input));
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
        var points = Matrix(Field(input, "points"));
        var start = Matrix(Field(input, "centroids"));
        var c = Node.Variable("C", start.Shape);
        var at = Bindings.Empty.Bind(c, start);
        var cost = KMeans.Cost(c, points);
        return direction
            ? Compile([KMeans.NewtonDirection(cost, c)], at, t => Rows(t[0]))
            : Compile([cost], at, t => JsonValue.Create(t[0].ToScalar()));
    }

    static Prepared GmmFunction(JsonNode input, bool gradient)
    {
        var alpha = Doubles(Field(input, "alpha"));
        var (mu, q, l) = (Matrix(Field(input, "mu")), Matrix(Field(input, "q")), Matrix(Field(input, "l"), columns: Int(Field(input, "d")) * (Int(Field(input, "d")) - 1) / 2));
        var p = Gmm.Variables(alpha.Length, mu.Shape[1]);
        var at = Bindings.Empty.Bind(p.Alpha, Tensor.FromColumnMajor(p.Alpha.Shape, alpha)).Bind(p.Means, mu).Bind(p.LogDiagonals, q).Bind(p.Lower, l);
        var f = Gmm.LogPosterior(p, Matrix(Field(input, "x")), Int(Field(input, "m")), Real(Field(input, "gamma")));
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
        var list = List(rows);
        int m = list.Count, n = columns >= 0 ? columns : m == 0 ? 0 : List(list[0], list, 0).Count;
        var values = new double[Size(list, m, n)];
        for (int i = 0; i < m; i++)
        {
            var row = List(list[i], list, i);
            if (row.Count != n) throw new ProtocolException($"{row.GetPath()} has {row.Count} entries, not {n} as row 0");
            for (int j = 0; j < n; j++) values[i + j * m] = Real(row[j], row, j);
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
        // Outputs kept in the workspace: a timed run allocates nothing large (a fresh multi-megabyte output costs page
        // faults and whole-heap collections, with the eval's JSON input on the heap). The last run's are read at once.
        var workspace = plan.NewWorkspace(keepOutputs: true);
        // One run while preparing, untimed: the workspace's buffers are allocated and first touched (page faults of up
        // to hundreds of megabytes for kmeans' distance matrix) and every kernel JIT-compiled before the timed runs,
        // which then measure the computation (a workload that runs once for the eval's whole second measured them).
        plan.Run(at, workspace);
        return new(() => plan.Run(at, workspace), r => output((Tensor[])r));
    }

    public static double[] Doubles(JsonNode? array)
    {
        var a = List(array);
        return [.. a.Select((v, i) => Real(v, a, i))];
    }

    // ---- Reading a message: every failure is a ProtocolException naming the field by its JSON path ("$.input.x[3]"). ----

    /// <summary>The field <paramref name="name"/> of the object <paramref name="parent"/>.</summary>
    public static JsonNode Field(JsonNode? parent, string name) => parent is JsonObject o
        ? o[name] ?? throw new ProtocolException($"the field {o.GetPath()}.{name} is {(o.ContainsKey(name) ? "null" : "missing")}")
        : throw new ProtocolException($"{PathOf(parent)} is {Kind(parent)}, not an object with the field '{name}'");

    /// <summary>A number (<paramref name="list"/> and <paramref name="index"/> name a null element's place).</summary>
    public static double Real(JsonNode? node, JsonArray? list = null, int index = 0) =>
        node is JsonValue v && v.TryGetValue(out double d) ? d : throw Wrong(node, "a number", list, index);

    /// <summary>A whole number in the int range.</summary>
    public static int Int(JsonNode? node, JsonArray? list = null, int index = 0) =>
        node is JsonValue v && v.TryGetValue(out int i) ? i : throw Wrong(node, "a whole number from −2³¹ to 2³¹ − 1", list, index);

    /// <summary>true or false.</summary>
    public static bool Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue(out bool b) ? b : throw Wrong(node, "true or false", null, 0);

    /// <summary>A string.</summary>
    public static string Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : throw Wrong(node, "a string", null, 0);

    /// <summary>A list.</summary>
    public static JsonArray List(JsonNode? node, JsonArray? list = null, int index = 0) => node as JsonArray ?? throw Wrong(node, "a list", list, index);

    /// <summary>A positive count in <paramref name="parent"/>'s field <paramref name="name"/>, such that
    /// count·<paramref name="width"/> elements fit one array (checked in 64 bits).</summary>
    public static int Count(JsonNode parent, string name, int width)
    {
        var node = Field(parent, name);
        int count = Int(node);
        if (count <= 0 || (long)count * width > Array.MaxLength)
            throw new ProtocolException($"{node.GetPath()} is {count}; it must be positive, and {count}·{width} elements must fit one array ({Array.MaxLength})");
        return count;
    }

    /// <summary>m·n elements of <paramref name="list"/>'s matrix, checked in 64 bits.</summary>
    static int Size(JsonArray list, int m, int n) => (long)m * n <= Array.MaxLength ? m * n
        : throw new ProtocolException($"{list.GetPath()} is {m}×{n}: more elements than one array holds ({Array.MaxLength})");

    static ProtocolException Wrong(JsonNode? node, string expected, JsonArray? list, int index) =>
        new($"{(node is null && list is not null ? $"{list.GetPath()}[{index}]" : PathOf(node))} is {Kind(node)}, not {expected}");

    static string PathOf(JsonNode? node) => node?.GetPath() ?? "a value";

    /// <summary>What a JSON value is, for a message: "null", "a string", "the number 1.5", "a list", "an object".</summary>
    public static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray a => $"a list of {a.Count}",
        JsonObject => "an object",
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => $"the number {Clip(v.ToJsonString())}",
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => $"the string {Clip(v.ToJsonString())}",
        _ => Clip(node.ToJsonString()),
    };

    /// <summary>At most 40 characters of a value quoted in a message.</summary>
    public static string Clip(string text) => text.Length <= 40 ? text : $"{text[..40]}… ({text.Length} characters)";

    public static JsonArray Json(ReadOnlySpan<double> values)
    {
        var array = new JsonArray();
        foreach (var v in values) array.Add(v);
        return array;
    }
}
