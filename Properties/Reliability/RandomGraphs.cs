using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>A variable of a random graph: its shape (rank 0–2, dims 1–4) and a pool of 16 values in [−1.5, 1.5];
/// the binding takes the first <c>Size</c> of them, so shrinking the shape keeps the values.</summary>
public sealed record VariableSpec(int Rank, int Rows, int Columns, double[] Pool)
{
    /// <summary>The variable's shape.</summary>
    public Shape Shape => Rank switch { 0 => Shape.Scalar, 1 => Shape.Vector(Rows), _ => Shape.Matrix(Rows, Columns) };

    /// <summary>The bound value, column-major.</summary>
    public Tensor Value => Tensor.FromColumnMajor(Shape, Pool[..Shape.Size]);
}

/// <summary>What a step does; its operands and variant come from the step's numbers, taken modulo what is
/// available, so every recipe (and every shrunk recipe) builds a well-typed graph.</summary>
public enum StepKind { Unary, Binary, MatMul, Reduce, Select, Broadcast, Reshape, Transpose, Special, Piecewise, LinearAlgebra, Indexing, Loop, Custom }

/// <summary>One step of a recipe: a kind, two operand choices and a variant number.</summary>
public sealed record Step(StepKind Kind, int A, int B, int P);

/// <summary>A random graph as a rebuildable recipe: variables and a list of steps. <see cref="ToString"/> prints
/// the graph actually built, one node per line with its shape, so a counterexample reads as a small program.</summary>
public sealed record GraphRecipe(VariableSpec[] Variables, Step[] Steps)
{
    /// <summary>Builds the graph (fresh nodes on every call).</summary>
    public BuiltGraph Build() => new GraphBuilder(this, freeze: false).Run();

    /// <summary>The same graph with every <c>StopGradient(n)</c> replaced by a constant of n's value at the bound inputs:
    /// the function whose finite differences the derivatives of <see cref="Build"/> must match (same values, same
    /// variable names, fresh nodes).</summary>
    public BuiltGraph BuildFrozen() => new GraphBuilder(this, freeze: true).Run();

    /// <inheritdoc/>
    public override string ToString() => Environment.NewLine + Build().Listing;
}

/// <summary>A built random graph: its scalar output (the sum of <paramref name="Terms"/>, the scalar or summed nodes no
/// step read), variables, their values and a readable listing.</summary>
public sealed record BuiltGraph(Node Output, Node[] Terms, Node[] Variables, Bindings Bindings, string Listing, int NodeCount);

/// <summary>Interprets a recipe. Every node carries an interval [Lo, Hi] containing all of its elements for every
/// input in [−1.5, 1.5]; the builder uses it to keep each op inside its domain by construction: Log, Sqrt, negative or
/// fractional Pow and the denominator of Div only see something made positive (≥ ~0.05); Exp only sees something
/// ≤ 3; products and squares only see something ≤ 10 in magnitude (else it is squashed with Tanh first).</summary>
sealed partial class GraphBuilder(GraphRecipe recipe, bool freeze)
{
    const int MaxNodes = 40;
    static readonly double[] Exponents = [2, 3, -1, 0.5, 1.5, -0.5, 2.5];

    readonly List<Node> nodes = [];
    readonly List<(double Lo, double Hi)> bounds = [];
    readonly List<string> names = [];
    readonly List<bool> used = [];
    readonly StringBuilder listing = new();
    Bindings bindings = Bindings.Empty;

    public BuiltGraph Run()
    {
        var variables = new Node[recipe.Variables.Length];
        for (int v = 0; v < variables.Length; v++)
        {
            var spec = recipe.Variables[v];
            variables[v] = Node.Variable($"x{v}", spec.Shape);
            bindings = bindings.Bind(variables[v], spec.Value);
            nodes.Add(variables[v]);
            bounds.Add((-1.5, 1.5));
            names.Add($"x{v}");
            used.Add(false);
            listing.AppendLine(CultureInfo.InvariantCulture,
                $"x{v} {spec.Shape} = [{string.Join(", ", spec.Value.Values.ToArray().Select(F))}]");
        }
        foreach (var step in recipe.Steps)
        {
            if (nodes.Count >= MaxNodes) break;
            Apply(step);
        }

        var dangling = Enumerable.Range(0, nodes.Count).Where(i => !used[i]).ToList();
        Node output = null!;
        var terms = new List<Node>();
        var text = new List<string>();
        foreach (var i in dangling)
        {
            var term = nodes[i].Shape.IsScalar ? nodes[i] : nodes[i].Sum();
            terms.Add(term);
            text.Add(nodes[i].Shape.IsScalar ? names[i] : $"Sum({names[i]})");
            output = output is null ? term : output + term;
        }
        listing.Append(CultureInfo.InvariantCulture, $"out = {string.Join(" + ", text)}");
        return new(output, [.. terms], variables, bindings, listing.ToString(), nodes.Count);
    }

    static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    Shape S(int i) => nodes[i].Shape;
    double Mag(int i) => Math.Max(Math.Abs(bounds[i].Lo), Math.Abs(bounds[i].Hi));

    int Emit(Node node, (double Lo, double Hi) bound, string expression, params int[] operands)
    {
        foreach (var k in operands) used[k] = true;
        nodes.Add(node);
        bounds.Add(bound);
        var name = $"n{nodes.Count - 1}";
        names.Add(name);
        used.Add(false);
        listing.AppendLine(CultureInfo.InvariantCulture, $"{name} {node.Shape} = {expression}");
        return nodes.Count - 1;
    }

    string N(int i) => names[i];

    // Recent nodes half the time, so chains grow deep; any node otherwise, so subgraphs are shared.
    int Pick(int choice) => choice % 2 == 0
        ? nodes.Count - 1 - (choice / 2 % Math.Min(nodes.Count, 4))
        : choice / 2 % nodes.Count;

    // ---- domain keepers ------------------------------------------------------------------------------------

    int Squash(int i, double limit) => Mag(i) <= limit ? i
        : Emit(nodes[i].Tanh(), (Math.Tanh(bounds[i].Lo), Math.Tanh(bounds[i].Hi)), $"Tanh({N(i)})", i);

    int Positive(int i, int p)
    {
        if (bounds[i].Lo >= 0.05 && bounds[i].Hi <= 50) return i;
        switch (p % 3)
        {
            case 0:
                {
                    int s = Squash(i, 3);
                    return Emit(nodes[s].Exp(), (Math.Exp(bounds[s].Lo), Math.Exp(bounds[s].Hi)), $"Exp({N(s)})", s);
                }
            case 1:
                {
                    int s = Squash(i, 10);
                    var (lo, hi) = SquareBound(bounds[s]);
                    return Emit(nodes[s].Square() + 0.5, (lo + 0.5, hi + 0.5), $"Square({N(s)}) + 0.5", s);
                }
            default:
                {
                    int s = Squash(i, 3);
                    return Emit(nodes[s].Sigmoid(), (Sigma(bounds[s].Lo), Sigma(bounds[s].Hi)), $"Sigmoid({N(s)})", s);
                }
        }
    }

    static double Sigma(double x) => 1 / (1 + Math.Exp(-x));

    static (double, double) SquareBound((double Lo, double Hi) b) =>
        b.Lo >= 0 ? (b.Lo * b.Lo, b.Hi * b.Hi)
        : b.Hi <= 0 ? (b.Hi * b.Hi, b.Lo * b.Lo)
        : (0, Math.Max(b.Lo * b.Lo, b.Hi * b.Hi));

    static (double, double) Product((double Lo, double Hi) a, (double Lo, double Hi) b)
    {
        double[] c = [a.Lo * b.Lo, a.Lo * b.Hi, a.Hi * b.Lo, a.Hi * b.Hi];
        return (c.Min(), c.Max());
    }

    static (double, double) Scaled((double Lo, double Hi) b, int n) => (Math.Min(b.Lo * n, b.Lo), Math.Max(b.Hi * n, b.Hi));

    // ---- shape adapters ------------------------------------------------------------------------------------

    /// <summary>Node i made into <paramref name="target"/>, through the structural ops.</summary>
    int Adapt(int i, Shape target, int p)
    {
        var s = S(i);
        if (s == target) return i;
        if (s.IsScalar) return Emit(nodes[i].Fill(target), bounds[i], $"Fill{target}({N(i)})", i);
        if (s.Size == target.Size)
        {
            if (s.Rank == 2 && target.Rank == 2 && target[0] == s[1] && target[1] == s[0] && p % 2 == 0)
                return Emit(nodes[i].T(), bounds[i], $"Transpose({N(i)})", i);
            return Emit(nodes[i].Reshape(target), bounds[i], $"Reshape{target}({N(i)})", i);
        }
        if (s.Rank == 1 && target.Rank == 2)
        {
            if (target[1] == s[0]) return Emit(nodes[i].BroadcastRows(target[0]), bounds[i], $"BroadcastRows({N(i)}, {target[0]})", i);
            if (target[0] == s[0]) return Emit(nodes[i].BroadcastColumns(target[1]), bounds[i], $"BroadcastColumns({N(i)}, {target[1]})", i);
        }
        if (s.Rank == 2 && target.Rank == 1)
        {
            if (target[0] == s[1]) return ReduceAxis(i, 0, p);
            if (target[0] == s[0]) return ReduceAxis(i, 1, p);
        }
        if (s.Rank == 2 && target.Rank == 2)
        {
            if (target[0] == s[0]) return Adapt(ReduceAxis(i, 1, p), target, p / 7);
            if (target[1] == s[1]) return Adapt(ReduceAxis(i, 0, p), target, p / 7);
        }
        var scalar = ReduceAll(i, p);
        return target.IsScalar ? scalar : Adapt(scalar, target, p / 3);
    }

    /// <summary>A reduction (or a selection) along an axis of a matrix: Sum, Mean, LogSumExp, Row or Column.</summary>
    int ReduceAxis(int i, int axis, int p)
    {
        var (lo, hi) = bounds[i];
        int n = S(i)[axis];
        switch (p % 4)
        {
            case 0: return Emit(nodes[i].Sum(axis), Scaled(bounds[i], n), $"Sum({N(i)}, axis {axis})", i);
            case 1: return Emit(nodes[i].Mean(axis), bounds[i], $"Mean({N(i)}, axis {axis})", i);
            case 2: return Emit(nodes[i].LogSumExp(axis), (lo, hi + Math.Log(n)), $"LogSumExp({N(i)}, axis {axis})", i);
            default:
                int k = p / 4 % n;
                return axis == 0
                    ? Emit(nodes[i].Row(k), bounds[i], $"Row({N(i)}, {k})", i)
                    : Emit(nodes[i].Column(k), bounds[i], $"Column({N(i)}, {k})", i);
        }
    }

    int ReduceAll(int i, int p) => (p % 3) switch
    {
        0 => Emit(nodes[i].Sum(), Scaled(bounds[i], S(i).Size), $"Sum({N(i)})", i),
        1 => Emit(nodes[i].Mean(), bounds[i], $"Mean({N(i)})", i),
        _ => S(i).Rank == 1
            ? Emit(nodes[i].At(p / 3 % S(i)[0]), bounds[i], $"At({N(i)}, {p / 3 % S(i)[0]})", i)
            : Emit(nodes[i].Mean(), bounds[i], $"Mean({N(i)})", i),
    };

    /// <summary>Node i as a matrix: a scalar filled, a vector reshaped or broadcast.</summary>
    int AsMatrix(int i, int p)
    {
        var s = S(i);
        int count = 1 + p / 4 % 4;
        return s.Rank switch
        {
            2 => i,
            0 => Adapt(i, Shape.Matrix(count, 1 + p / 16 % 4), p),
            _ => (p % 4) switch
            {
                0 => Adapt(i, Shape.Matrix(s[0], 1), p),
                1 => Adapt(i, Shape.Matrix(1, s[0]), p),
                2 => Emit(nodes[i].BroadcastRows(count), bounds[i], $"BroadcastRows({N(i)}, {count})", i),
                _ => Emit(nodes[i].BroadcastColumns(count), bounds[i], $"BroadcastColumns({N(i)}, {count})", i),
            },
        };
    }

    // ---- steps ---------------------------------------------------------------------------------------------

    void Apply(Step step)
    {
        int a = Pick(step.A), p = step.P;
        switch (step.Kind)
        {
            case StepKind.Unary: Unary(a, p); break;
            case StepKind.Binary: Binary(a, Pick(step.B), p); break;
            case StepKind.MatMul: MatMul(a, Pick(step.B), p); break;
            case StepKind.Reduce: Reduce(a, p); break;
            case StepKind.Select: Select(a, p); break;
            case StepKind.Broadcast: Broadcast(a, p); break;
            case StepKind.Reshape: Reshape(a, p); break;
            case StepKind.Transpose: Transpose(a, p); break;
            case StepKind.Special: Special(a, p); break;
            case StepKind.Piecewise: Piecewise(a, Pick(step.B), p); break;
            case StepKind.LinearAlgebra: LinearAlgebraStep(a, Pick(step.B), p); break;
            case StepKind.Indexing: IndexingStep(a, Pick(step.B), p); break;
            case StepKind.Loop: LoopStep(a, Pick(step.B), p); break;
            case StepKind.Custom: CustomStep(a, Pick(step.B), p); break;
        }
    }

    void Unary(int i, int p)
    {
        switch (p % 10)
        {
            case 0:
                {
                    int s = Squash(i, 3);
                    Emit(nodes[s].Exp(), (Math.Exp(bounds[s].Lo), Math.Exp(bounds[s].Hi)), $"Exp({N(s)})", s);
                    break;
                }
            case 1:
                {
                    int s = Positive(i, p / 10);
                    Emit(nodes[s].Log(), (Math.Log(bounds[s].Lo), Math.Log(bounds[s].Hi)), $"Log({N(s)})", s);
                    break;
                }
            // Sine and cosine of at most 10: of a large argument they oscillate faster than any difference step resolves.
            case 2: { int s = Squash(i, 10); Emit(nodes[s].Sin(), (-1, 1), $"Sin({N(s)})", s); break; }
            case 3: { int s = Squash(i, 10); Emit(nodes[s].Cos(), (-1, 1), $"Cos({N(s)})", s); break; }
            case 4:
                {
                    int s = Positive(i, p / 10);
                    Emit(nodes[s].Sqrt(), (Math.Sqrt(bounds[s].Lo), Math.Sqrt(bounds[s].Hi)), $"Sqrt({N(s)})", s);
                    break;
                }
            case 5:
                {
                    int s = Squash(i, 10);
                    Emit(nodes[s].Square(), SquareBound(bounds[s]), $"Square({N(s)})", s);
                    break;
                }
            case 6:
                {
                    double e = Exponents[p / 10 % Exponents.Length];
                    bool anySign = e is 2 or 3;
                    int s = anySign ? Squash(i, 4) : Positive(Squash(i, 3), p / 70);
                    var (lo, hi) = bounds[s];
                    var bound = e == 2 ? SquareBound(bounds[s])
                        : e > 0 ? (Math.Pow(lo, e), Math.Pow(hi, e)) : (Math.Pow(hi, e), Math.Pow(lo, e));
                    Emit(nodes[s].Pow(e), bound, $"Pow({N(s)}, {F(e)})", s);
                    break;
                }
            case 7: Emit(nodes[i].Sigmoid(), (Sigma(bounds[i].Lo), Sigma(bounds[i].Hi)), $"Sigmoid({N(i)})", i); break;
            case 8: Emit(nodes[i].Tanh(), (Math.Tanh(bounds[i].Lo), Math.Tanh(bounds[i].Hi)), $"Tanh({N(i)})", i); break;
            default: Emit(-nodes[i], (-bounds[i].Hi, -bounds[i].Lo), $"-{N(i)}", i); break;
        }
    }

    void Binary(int a, int b, int p)
    {
        int op = p % 4, variant = p / 4;
        // A scalar constant on the right a fifth of the time: the implicit scalar broadcast with a double.
        if (variant % 5 == 0)
        {
            double c = 0.5 + variant / 5 % 7 * 0.25;
            switch (op)
            {
                case 0: Emit(nodes[a] + c, (bounds[a].Lo + c, bounds[a].Hi + c), $"{N(a)} + {F(c)}", a); return;
                case 1: Emit(c - nodes[a], (c - bounds[a].Hi, c - bounds[a].Lo), $"{F(c)} - {N(a)}", a); return;
                case 2: Emit(c * nodes[a], (c * bounds[a].Lo, c * bounds[a].Hi), $"{F(c)} * {N(a)}", a); return;
                default: Emit(nodes[a] / c, (bounds[a].Lo / c, bounds[a].Hi / c), $"{N(a)} / {F(c)}", a); return;
            }
        }
        if (op == 2) { a = Squash(a, 10); b = Squash(b, 10); }
        if (op == 3) b = Positive(b, variant / 5);
        // Equal shapes, or a scalar on either side (implicit broadcast), or b adapted to a's shape.
        if (S(a) != S(b) && !S(a).IsScalar && !S(b).IsScalar) b = Adapt(b, S(a), variant / 5);
        var (x, y) = (bounds[a], bounds[b]);
        switch (op)
        {
            case 0: Emit(nodes[a] + nodes[b], (x.Lo + y.Lo, x.Hi + y.Hi), $"{N(a)} + {N(b)}", a, b); break;
            case 1: Emit(nodes[a] - nodes[b], (x.Lo - y.Hi, x.Hi - y.Lo), $"{N(a)} - {N(b)}", a, b); break;
            case 2: Emit(nodes[a] * nodes[b], Product(x, y), $"{N(a)} * {N(b)}", a, b); break;
            default: Emit(nodes[a] / nodes[b], Product(x, (1 / y.Hi, 1 / y.Lo)), $"{N(a)} / {N(b)}", a, b); break;
        }
    }

    void MatMul(int a, int b, int p)
    {
        bool ta = (p & 1) != 0, tb = (p & 2) != 0, vectorRight = (p & 4) != 0;
        int pDim = 1 + (p >> 3) % 4;
        a = AsMatrix(Squash(a, 10), p >> 5);
        b = Squash(b, 10);
        int k = ta ? S(a)[0] : S(a)[1];
        bool fits = S(b).Rank == 1 ? S(b)[0] == k : S(b).Rank == 2 && (tb ? S(b)[1] : S(b)[0]) == k;
        if (!fits)
        {
            var target = vectorRight ? Shape.Vector(k) : tb ? Shape.Matrix(pDim, k) : Shape.Matrix(k, pDim);
            b = Adapt(b, target, p >> 7);
        }
        tb &= S(b).Rank == 2;
        Node left = ta ? nodes[a].T() : nodes[a], right = tb ? nodes[b].T() : nodes[b];
        Emit(left.MatMul(right), Scaled(Product(bounds[a], bounds[b]), k),
            $"MatMul({N(a)}{(ta ? "ᵀ" : "")}, {N(b)}{(tb ? "ᵀ" : "")})", a, b);
    }

    void Reduce(int i, int p)
    {
        var s = S(i);
        if (s.Rank == 0 || p % 2 == 0) { ReduceAll(i, p / 2); return; }
        int axis = p / 2 % s.Rank;
        if (s.Rank == 1)
        {
            var (lo, hi) = bounds[i];
            switch (p / 4 % 3)
            {
                case 0: Emit(nodes[i].Sum(0), Scaled(bounds[i], s[0]), $"Sum({N(i)}, axis 0)", i); break;
                case 1: Emit(nodes[i].Mean(0), bounds[i], $"Mean({N(i)}, axis 0)", i); break;
                default: Emit(nodes[i].LogSumExp(0), (lo, hi + Math.Log(s[0])), $"LogSumExp({N(i)}, axis 0)", i); break;
            }
            return;
        }
        ReduceAxis(i, axis, p / 4 % 3);
    }

    void Select(int i, int p)
    {
        var s = S(i);
        if (s.Rank == 0) i = Adapt(i, Shape.Vector(1 + p % 4), p);
        s = S(i);
        if (s.Rank == 1)
        {
            int k = p / 4 % s[0];
            Emit(nodes[i].At(k), bounds[i], $"At({N(i)}, {k})", i);
            return;
        }
        int r = p / 4 % s[0], c = p / 16 % s[1];
        switch (p % 4)
        {
            case 0: Emit(nodes[i].At(r, c), bounds[i], $"At({N(i)}, {r}, {c})", i); break;
            case 1: Emit(nodes[i].Row(r), bounds[i], $"Row({N(i)}, {r})", i); break;
            case 2: Emit(nodes[i].Column(c), bounds[i], $"Column({N(i)}, {c})", i); break;
            default:
                var labels = Enumerable.Range(0, s[0]).Select(row => (p / 4 + 3 * row) % s[1]).ToArray();
                Emit(nodes[i].PickPerRow(labels), bounds[i], $"PickPerRow({N(i)}, [{string.Join(", ", labels)}])", i);
                break;
        }
    }

    void Broadcast(int i, int p)
    {
        var s = S(i);
        int count = 1 + p / 3 % 4;
        if (s.Rank == 2) i = ReduceAxis(i, p % 2, p / 2);
        s = S(i);
        if (s.Rank == 0)
        {
            var target = (p / 12 % 3) switch { 0 => Shape.Vector(count), 1 => Shape.Matrix(count, 1 + p / 36 % 4), _ => Shape.Scalar };
            if (target.IsScalar) target = Shape.Matrix(1, count);
            Emit(nodes[i].Fill(target), bounds[i], $"Fill{target}({N(i)})", i);
            return;
        }
        if (p % 3 == 0) Emit(nodes[i].BroadcastRows(count), bounds[i], $"BroadcastRows({N(i)}, {count})", i);
        else if (p % 3 == 1) Emit(nodes[i].BroadcastColumns(count), bounds[i], $"BroadcastColumns({N(i)}, {count})", i);
        else Emit(nodes[i].Sum().Fill(Shape.Matrix(count, s[0])), Scaled(bounds[i], s[0]), $"Fill(Sum({N(i)}), ({count}×{s[0]}))", i);
    }

    void Reshape(int i, int p)
    {
        int size = S(i).Size;
        var targets = new List<Shape> { Shape.Vector(size) };
        if (size == 1) targets.Add(Shape.Scalar);
        for (int d = 1; d <= size; d++)
            if (size % d == 0) targets.Add(Shape.Matrix(d, size / d));
        targets.RemoveAll(t => t == S(i));
        if (targets.Count == 0) { Transpose(i, p); return; }
        var target = targets[p % targets.Count];
        Emit(nodes[i].Reshape(target), bounds[i], $"Reshape{target}({N(i)})", i);
    }

    void Transpose(int i, int p)
    {
        if (S(i).Rank != 2) i = Adapt(i, p % 2 == 0 ? Shape.Matrix(S(i).Size, 1) : Shape.Matrix(1, S(i).Size), p / 2);
        Emit(nodes[i].T(), bounds[i], $"Transpose({N(i)})", i);
    }
}

/// <summary>The FsCheck generator and shrinker of <see cref="GraphRecipe"/>s.</summary>
public static class RandomGraphs
{
    static readonly Gen<double> Value = Gen.Choose(-150, 150).Select(k => k / 100.0);

    static readonly Gen<VariableSpec> Variable =
        from rank in Gen.Frequency((1, Gen.Constant(0)), (2, Gen.Constant(1)), (3, Gen.Constant(2)))
        from rows in Gen.Choose(1, 4)
        from columns in Gen.Choose(1, 4)
        from pool in Gen.ArrayOf(Value, 16)
        select new VariableSpec(rank, rows, columns, pool);

    static readonly Gen<StepKind> Kind = Gen.Frequency(
        (5, Gen.Constant(StepKind.Unary)), (5, Gen.Constant(StepKind.Binary)), (2, Gen.Constant(StepKind.MatMul)),
        (2, Gen.Constant(StepKind.Reduce)), (1, Gen.Constant(StepKind.Select)), (1, Gen.Constant(StepKind.Broadcast)),
        (1, Gen.Constant(StepKind.Reshape)), (1, Gen.Constant(StepKind.Transpose)),
        (3, Gen.Constant(StepKind.Special)), (3, Gen.Constant(StepKind.Piecewise)), (2, Gen.Constant(StepKind.LinearAlgebra)),
        (3, Gen.Constant(StepKind.Indexing)), (1, Gen.Constant(StepKind.Loop)), (2, Gen.Constant(StepKind.Custom)));

    static readonly Gen<Step> StepGen =
        from kind in Kind
        from a in Gen.Choose(0, 9999)
        from b in Gen.Choose(0, 9999)
        from p in Gen.Choose(0, 9999)
        select new Step(kind, a, b, p);

    /// <summary>1–3 variables and 1–25 steps (the builder stops at 40 nodes).</summary>
    public static readonly Gen<GraphRecipe> Recipe =
        from count in Gen.Choose(1, 3)
        from variables in Gen.ArrayOf(Variable, count)
        from steps in Gen.Choose(1, 25)
        from list in Gen.ArrayOf(StepGen, steps)
        select new GraphRecipe(variables, list);

    /// <summary>Smaller recipes: fewer steps, fewer variables, smaller shapes, simpler values.</summary>
    public static IEnumerable<GraphRecipe> Shrink(GraphRecipe g)
    {
        if (g.Steps.Length > 1)
        {
            yield return g with { Steps = g.Steps[..(g.Steps.Length / 2)] };
            for (int k = g.Steps.Length - 1; k >= 0; k--)
                yield return g with { Steps = [.. g.Steps[..k], .. g.Steps[(k + 1)..]] };
        }
        if (g.Variables.Length > 1)
            for (int v = 0; v < g.Variables.Length; v++)
                yield return g with { Variables = [.. g.Variables[..v], .. g.Variables[(v + 1)..]] };
        for (int v = 0; v < g.Variables.Length; v++)
        {
            var spec = g.Variables[v];
            if (spec.Rank > 0) yield return Replace(g, v, spec with { Rank = spec.Rank - 1 });
            if (spec.Rows > 1) yield return Replace(g, v, spec with { Rows = spec.Rows - 1 });
            if (spec.Rank == 2 && spec.Columns > 1) yield return Replace(g, v, spec with { Columns = spec.Columns - 1 });
            var rounded = spec.Pool.Select(x => Math.Round(x * 2) / 2).ToArray();
            if (!rounded.SequenceEqual(spec.Pool)) yield return Replace(g, v, spec with { Pool = rounded });
        }
    }

    static GraphRecipe Replace(GraphRecipe g, int v, VariableSpec spec)
    {
        var variables = (VariableSpec[])g.Variables.Clone();
        variables[v] = spec;
        return g with { Variables = variables };
    }

    /// <summary>The arbitrary for <c>[Properties(Arbitrary = ...)]</c>.</summary>
    public static Arbitrary<GraphRecipe> GraphRecipe() => Arb.From(Recipe, Shrink);
}
