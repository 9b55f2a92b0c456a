using System.Globalization;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>The steps beyond the basic ops: special functions, piecewise ops, linear algebra, indexing, loops, custom
/// rules, stopped gradients and implicit solves. Each keeps its op inside its domain and away from its kinks by
/// construction, from the operand's interval, so every law can be checked with finite differences:
/// <list type="bullet">
/// <item>the gamma family reads softplus(·) + ½ ≥ 0.55, Log1p reads 0.9·tanh(·) ∈ (−0.9, 0.9);</item>
/// <item>a piecewise op reads its operand plus a constant that puts every element at least ¼ from the kink (|x|, relu,
/// masks, max of two operands), in a known region of a clamp, or makes one element of each line the maximum by ½;</item>
/// <item>a matrix factorised or inverted is AᵀA + nI (symmetric, eigenvalues in [n, n + n²]) or A + (n + 1)I
/// (diagonally dominant by 1, so ‖·⁻¹‖∞ ≤ 1), A squashed to |aᵢⱼ| ≤ 1;</item>
/// <item>loop bodies are contractions reading an outer node, while loops count their trips in a carry (a trip count
/// that changes with the inputs would be a jump), the implicit solve is the real root of y³ + y = θ.</item>
/// </list></summary>
sealed partial class GraphBuilder
{
    static double Value(Func<Node, Node> f, double x) => Evaluator.Evaluate(f(Node.Constant(x)), Bindings.Empty).ToScalar();

    /// <summary>f(node i) for a monotone f: its interval is f at the ends of i's.</summary>
    int Monotone(int i, Func<Node, Node> f, string name)
    {
        double a = Value(f, bounds[i].Lo), b = Value(f, bounds[i].Hi);
        return Emit(f(nodes[i]), (Math.Min(a, b), Math.Max(a, b)), $"{name}({N(i)})", i);
    }

    static Node ConstantNode(Shape shape, Func<int, double> element) =>
        Node.Constant(Tensor.FromColumnMajor(shape, [.. Enumerable.Range(0, shape.Size).Select(element)]));

    static string Text(Node constant) => constant.Shape.Size == 1
        ? F(Evaluator.Evaluate(constant, Bindings.Empty).ToScalar())
        : $"[{string.Join(", ", Evaluator.Evaluate(constant, Bindings.Empty).Values.ToArray().Select(F))}]";

    /// <summary>A sign per element, from the bits of p.</summary>
    static bool Up(int p, int k) => (((p >> (k % 11)) ^ k ^ (k >> 2)) & 1) == 1;

    /// <summary>Node i plus ±(M + ¼) per element (M its magnitude): every element at least ¼ from 0, of a sign fixed
    /// by p, so a kink at 0 (|x|, relu, a mask x &gt; 0) is never within a difference step.</summary>
    int Separated(int i, int p)
    {
        double shift = Mag(i) + 0.25;
        var c = ConstantNode(S(i), k => Up(p, k) ? shift : -shift);
        return Emit(nodes[i] + c, (bounds[i].Lo - shift, bounds[i].Hi + shift), $"{N(i)} + {Text(c)}", i);
    }

    // ---- special functions -------------------------------------------------------------------------------------

    void Special(int i, int p)
    {
        switch (p % 8)
        {
            case 0:
                {
                    int q = Squash(i, 3);
                    int s = Emit(nodes[q].Tanh() * 0.9, (-0.9, 0.9), $"0.9 * Tanh({N(q)})", q);
                    Monotone(s, x => x.Log1p(), "Log1p");
                    break;
                }
            case 1: Monotone(Squash(i, 3), x => x.Expm1(), "Expm1"); break;
            case 2: Monotone(i, x => x.LogSigmoid(), "LogSigmoid"); break;
            case 3: Monotone(i, x => x.Erf(), "Erf"); break;
            case 4: Monotone(i, x => x.Softplus(), "Softplus"); break;
            case 5:
                {
                    // ln Γ has its minimum at 1.4616…, inside the interval or not.
                    int s = GammaArgument(i);
                    var (lo, hi) = bounds[s];
                    double a = Value(x => x.LogGamma(), lo), b = Value(x => x.LogGamma(), hi);
                    double min = lo < 1.4616321449683622 && 1.4616321449683622 < hi ? -0.12148629053584961 : Math.Min(a, b);
                    Emit(nodes[s].LogGamma(), (min, Math.Max(a, b)), $"LogGamma({N(s)})", s);
                    break;
                }
            case 6: Monotone(GammaArgument(i), x => x.Digamma(), "Digamma"); break;
            default:
                {
                    int order = 1 + p / 8 % 6;
                    Monotone(GammaArgument(i), x => x.Polygamma(order), $"Polygamma[{order}]");
                    break;
                }
        }
    }

    /// <summary>softplus(x) + ½ ∈ [0.55, 3.6] for x squashed to [−3, 3]: the gamma family far from its poles.</summary>
    int GammaArgument(int i)
    {
        int s = Monotone(Squash(i, 3), x => x.Softplus(), "Softplus");
        return Emit(nodes[s] + 0.5, (bounds[s].Lo + 0.5, bounds[s].Hi + 0.5), $"{N(s)} + 0.5", s);
    }

    // ---- piecewise ---------------------------------------------------------------------------------------------

    void Piecewise(int i, int j, int p)
    {
        int variant = p / 8;
        switch (p % 8)
        {
            case 0:
                {
                    int s = Separated(i, variant);
                    Emit(nodes[s].Abs(), (0, Mag(s)), $"Abs({N(s)})", s);
                    break;
                }
            case 1:
                {
                    int s = Separated(i, variant);
                    Emit(nodes[s].Relu(), (0, Math.Max(0, bounds[s].Hi)), $"Relu({N(s)})", s);
                    break;
                }
            case 2:
                {
                    // x + c with c ∈ {−(2M + ½), 0, 2M + ½}, clamped to ±(M + ¼): below, inside and above, each by ¼.
                    double m = Mag(i), shift = 2 * m + 0.5, edge = m + 0.25;
                    var c = ConstantNode(S(i), k => ((variant + k) % 3) switch { 0 => 0, 1 => shift, _ => -shift });
                    Emit((nodes[i] + c).Clamp(-edge, edge), (-edge, edge), $"Clamp({N(i)} + {Text(c)}, ±{F(edge)})", i);
                    break;
                }
            case 3:
                {
                    // max (or min) of a and b + d, d = ±(|a| + |b| + ¼) per element: one side wins by ¼ everywhere.
                    int b = S(j) == S(i) || S(j).IsScalar ? j : Adapt(j, S(i), variant);
                    double shift = Mag(i) + Mag(b) + 0.25;
                    var d = ConstantNode(S(b), k => Up(variant, k) ? shift : -shift);
                    var bound = (Math.Min(bounds[i].Lo, bounds[b].Lo - shift), Math.Max(bounds[i].Hi, bounds[b].Hi + shift));
                    if (variant % 2 == 0) Emit(nodes[i].Max(nodes[b] + d), bound, $"Max({N(i)}, {N(b)} + {Text(d)})", i, b);
                    else Emit(nodes[i].Min(nodes[b] + d), bound, $"Min({N(i)}, {N(b)} + {Text(d)})", i, b);
                    break;
                }
            case 4:
                {
                    // One element of each line lifted above the others by ½: the maximum (or minimum) is never a tie.
                    int s = S(i).Rank == 0 ? Adapt(i, Shape.Vector(1 + variant % 4), variant) : i;
                    int axis = variant / 4 % S(s).Rank, n = S(s)[axis];
                    double step = 2 * Mag(s) + 0.5;
                    bool max = variant / 8 % 2 == 0;
                    var c = ConstantNode(S(s), k =>
                    {
                        int along = S(s).Rank == 1 ? k : axis == 0 ? k % S(s)[0] : k / S(s)[0];
                        int line = S(s).Rank == 1 ? 0 : axis == 0 ? k / S(s)[0] : k % S(s)[0];
                        return (max ? 1 : -1) * step * ((along + line + variant) % n);
                    });
                    var lifted = nodes[s] + c;
                    var bound = max ? (bounds[s].Lo, bounds[s].Hi + step * (n - 1)) : (bounds[s].Lo - step * (n - 1), bounds[s].Hi);
                    Emit(max ? lifted.Max(axis) : lifted.Min(axis), bound, $"{(max ? "Max" : "Min")}({N(s)} + {Text(c)}, axis {axis})", s);
                    break;
                }
            case 5:
                {
                    // Where(mask, a, b) with a mask that no difference step can flip: a comparison of separated values
                    // with 0, or x = x + e with e ∈ {0, 1} per element (x + 0 is x exactly).
                    int b = S(j) == S(i) || S(j).IsScalar ? j : Adapt(j, S(i), variant);
                    int s = Separated(i, variant / 5);
                    Node mask = (variant % 5) switch
                    {
                        0 => nodes[s].GreaterThan(0),
                        1 => nodes[s].GreaterOrEqual(0),
                        2 => nodes[s].LessThan(0),
                        3 => nodes[s].LessOrEqual(0),
                        _ => nodes[i].EqualTo(nodes[i] + ConstantNode(S(i), k => Up(variant, k) ? 1 : 0)),
                    };
                    string maskText = (variant % 5) switch { 0 => ">", 1 => "≥", 2 => "<", 3 => "≤", _ => "=" };
                    Emit(PiecewiseMath.Where(mask, nodes[i], nodes[b]),
                        (Math.Min(bounds[i].Lo, bounds[b].Lo), Math.Max(bounds[i].Hi, bounds[b].Hi)),
                        $"Where({N(s)} {maskText} 0, {N(i)}, {N(b)})", s, i, b);
                    break;
                }
            default:
                {
                    int s = S(i).Rank == 0 ? Adapt(i, Shape.Vector(2 + variant % 3), variant) : i;
                    int axis = variant / 3 % S(s).Rank, n = S(s)[axis];
                    if (p % 8 == 6) Emit(nodes[s].Softmax(axis), (0, 1), $"Softmax({N(s)}, axis {axis})", s);
                    else Emit(nodes[s].LogSoftmax(axis), (bounds[s].Lo - bounds[s].Hi - Math.Log(n), 0), $"LogSoftmax({N(s)}, axis {axis})", s);
                    break;
                }
        }
    }

    // ---- linear algebra ----------------------------------------------------------------------------------------

    /// <summary>An (n×n) matrix with |aᵢⱼ| ≤ 1 made from node i.</summary>
    int SquareMatrix(int i, int n, int p) => Squash(Adapt(Squash(i, 1), Shape.Matrix(n, n), p), 1);

    /// <summary>AᵀA + nI: symmetric positive definite, eigenvalues in [n, n + n²].</summary>
    int SymmetricPositiveDefinite(int a, int n)
    {
        var identity = ConstantNode(Shape.Matrix(n, n), k => k % (n + 1) == 0 ? n : 0);
        return Emit(nodes[a].T().MatMul(nodes[a]) + identity, (-n, 2.0 * n), $"{N(a)}ᵀ·{N(a)} + {n}I", a);
    }

    /// <summary>A + (n + 1)I: diagonally dominant by at least 1, so nonsingular with ‖·⁻¹‖∞ ≤ 1 and det &gt; 0.</summary>
    int DiagonallyDominant(int a, int n)
    {
        var identity = ConstantNode(Shape.Matrix(n, n), k => k % (n + 1) == 0 ? n + 1 : 0);
        return Emit(nodes[a] + identity, (-1, n + 2.0), $"{N(a)} + {n + 1}I", a);
    }

    /// <summary>A right-hand side with n rows: a vector or an (n×k) matrix, |bᵢⱼ| ≤ 10.</summary>
    int RightHandSide(int j, int n, int p) =>
        Adapt(Squash(j, 10), p % 2 == 0 ? Shape.Vector(n) : Shape.Matrix(n, 1 + p / 2 % 3), p / 6);

    void LinearAlgebraStep(int i, int j, int p)
    {
        int n = 1 + p / 8 % 4, variant = p / 32;
        int a = SquareMatrix(i, n, variant);
        switch (p % 8)
        {
            case 0:
                {
                    int spd = SymmetricPositiveDefinite(a, n);
                    double edge = Math.Sqrt(2.0 * n);   // |Lᵢⱼ| ≤ √Aᵢᵢ ≤ √(2n)
                    Emit(nodes[spd].Cholesky(), (-edge, edge), $"Cholesky({N(spd)})", spd);
                    break;
                }
            case 1:
                {
                    int spd = SymmetricPositiveDefinite(a, n);
                    Emit(nodes[spd].LogDet(), (n * Math.Log(n), n * Math.Log(n + n * n)), $"LogDet({N(spd)})", spd);
                    break;
                }
            case 2:
                {
                    int g = DiagonallyDominant(a, n);   // every |eigenvalue| in [1, 2n + 1], det > 0
                    if (variant % 2 == 0) Emit(nodes[g].LogDet(), (0, n * Math.Log(2 * n + 1)), $"LogDet({N(g)})", g);
                    else Emit(nodes[g].Det(), (1, Math.Pow(2 * n + 1, n)), $"Det({N(g)})", g);
                    break;
                }
            case 3:
                {
                    int g = DiagonallyDominant(a, n);
                    Emit(nodes[g].Inverse(), (-1, 1), $"Inverse({N(g)})", g);
                    break;
                }
            case 4:
                {
                    int g = variant % 2 == 0 ? DiagonallyDominant(a, n) : SymmetricPositiveDefinite(a, n);
                    int b = RightHandSide(j, n, variant / 2);
                    double edge = Mag(b) * (variant % 2 == 0 ? 1 : Math.Sqrt(S(b).Size));   // ‖G⁻¹‖∞ ≤ 1; ‖A⁻¹‖₂ ≤ 1/n
                    Emit(nodes[g].Solve(nodes[b]), (-edge, edge), $"Solve({N(g)}, {N(b)})", g, b);
                    break;
                }
            case 5:
                {
                    // L = chol(AᵀA + nI) has σ_min ≥ √n: op(L)⁻¹b is bounded by ‖b‖₂.
                    int spd = SymmetricPositiveDefinite(a, n);
                    double edge = Math.Sqrt(2.0 * n);
                    int l = Emit(nodes[spd].Cholesky(), (-edge, edge), $"Cholesky({N(spd)})", spd);
                    int b = RightHandSide(j, n, variant / 4);
                    bool lower = variant % 2 == 0, transpose = variant / 2 % 2 == 1;
                    var t = lower ? nodes[l] : nodes[l].T();
                    double x = Mag(b) * Math.Sqrt(S(b).Size);
                    Emit(t.TriangularSolve(nodes[b], lower, transpose), (-x, x),
                        $"TriangularSolve({N(l)}{(lower ? "" : "ᵀ")}, {N(b)}, lower: {lower}, transpose: {transpose})", l, b);
                    break;
                }
            default:
                {
                    var bound = (Math.Min(0, bounds[a].Lo), Math.Max(0, bounds[a].Hi));
                    if (p % 8 == 6) Emit(nodes[a].LowerTriangle(), bound, $"LowerTriangle({N(a)})", a);
                    else Emit(nodes[a].UpperTriangle(), bound, $"UpperTriangle({N(a)})", a);
                    break;
                }
        }
    }

    // ---- indexing ----------------------------------------------------------------------------------------------

    /// <summary>An interval widened to hold 0: the slices no index scatters into are zeros.</summary>
    static (double, double) WithZero((double Lo, double Hi) b) => (Math.Min(0, b.Lo), Math.Max(0, b.Hi));

    static int[] Indices(int count, int bound, int p) =>
        [.. Enumerable.Range(0, count).Select(k => (p / 3 + 5 * k + k * k) % bound)];

    static string List(int[] indices) => $"[{string.Join(", ", indices)}]";

    void IndexingStep(int i, int j, int p)
    {
        int variant = p / 14, k = 1 + variant % 4;
        var (lo, hi) = bounds[i];
        switch (p % 14)
        {
            case 12:
                {
                    // One entry per row by int32 labels (data, a constant here); its reverse rule puts them back (PutPerRow).
                    int s = AsMatrix(i, variant);
                    var labels = Indices(S(s)[0], S(s)[1], variant);
                    Emit(nodes[s].PickPerRow(Node.Constant(Tensor.Indices(labels))), bounds[s], $"PickPerRow({N(s)}, labels {List(labels)})", s);
                    break;
                }
            case 13:
                {
                    // Counts as numbers (ToFloat64 of int32 data) times a square matrix's diagonal by a repeated-index Einsum.
                    int n = 1 + variant % 3;
                    int s = Adapt(i, Shape.Matrix(n, n), variant / 3);
                    int[] counts = [.. Enumerable.Range(0, n).Select(q => 1 + (variant + q) % 2)];
                    Emit(Contractions.Einsum("ii->i", nodes[s]) * Node.Constant(Tensor.Indices(counts)).ToFloat64(),
                        (Math.Min(bounds[s].Lo, 2 * bounds[s].Lo), Math.Max(bounds[s].Hi, 2 * bounds[s].Hi)), $"Einsum(ii->i, {N(s)}) * {List(counts)}", s);
                    break;
                }
            case 0:
                {
                    int s = S(i).Rank == 0 ? AsMatrix(i, variant) : i;
                    var rows = Indices(k, S(s)[0], variant);
                    Emit(nodes[s].GatherRows(rows), bounds[s], $"GatherRows({N(s)}, {List(rows)})", s);
                    break;
                }
            case 1:
                {
                    int s = AsMatrix(i, variant);
                    var columns = Indices(k, S(s)[1], variant);
                    Emit(nodes[s].GatherColumns(columns), bounds[s], $"GatherColumns({N(s)}, {List(columns)})", s);
                    break;
                }
            case 2:
                {
                    var positions = Indices(k, S(i).Size, variant);
                    Emit(nodes[i].Gather(positions), bounds[i], $"Gather({N(i)}, {List(positions)})", i);
                    break;
                }
            case 3:
                {
                    // Slices of the updates along axis 0 (or 1) added into a larger tensor; repeated targets add up.
                    int s = S(i).Rank == 0 ? Adapt(i, Shape.Vector(k), variant) : i;
                    int axis = S(s).Rank == 2 ? variant / 4 % 2 : 0, count = S(s)[axis], size = 1 + variant / 8 % 5;
                    var indices = Indices(count, size, variant);
                    var target = S(s).Rank == 1 ? Shape.Vector(size) : axis == 0 ? Shape.Matrix(size, S(s)[1]) : Shape.Matrix(S(s)[0], size);
                    Emit(nodes[s].ScatterAdd(indices, target, axis), WithZero(Scaled(bounds[s], count)),
                        $"ScatterAdd({N(s)}, {List(indices)}, {target}, axis {axis})", s);
                    break;
                }
            case 4:
                {
                    int s = S(i).Rank == 0 ? Adapt(i, Shape.Vector(k), variant) : i;
                    int segments = 1 + variant / 4 % 4;
                    var ids = Indices(S(s)[0], segments, variant);
                    Emit(nodes[s].SegmentSum(ids, segments), WithZero(Scaled(bounds[s], S(s)[0])), $"SegmentSum({N(s)}, {List(ids)}, {segments})", s);
                    break;
                }
            case 5:
                {
                    int s = AsMatrix(i, variant);
                    bool rows = variant % 2 == 0;
                    int length = S(s)[rows ? 0 : 1], start = variant / 2 % length, count = 1 + variant / 8 % (length - start);
                    if (rows) Emit(nodes[s].Rows(start, count), bounds[s], $"Rows({N(s)}, {start}, {count})", s);
                    else Emit(nodes[s].Columns(start, count), bounds[s], $"Columns({N(s)}, {start}, {count})", s);
                    break;
                }
            case 6:
                {
                    int s = S(i).Rank == 1 ? i : Adapt(i, Shape.Vector(S(i).Size), variant);
                    int length = S(s)[0], start = variant % length, count = 1 + variant / 4 % (length - start);
                    Emit(nodes[s].Slice(start, count), bounds[s], $"Slice({N(s)}, {start}, {count})", s);
                    break;
                }
            case 7:
                {
                    // Vectors end to end, or matrices on top of one another (axis 0) or side by side (axis 1).
                    int s = S(i).Rank == 0 ? Adapt(i, Shape.Vector(k), variant) : i;
                    int axis = S(s).Rank == 2 ? variant % 2 : 0;
                    var shape = S(s).Rank == 1 ? Shape.Vector(k)
                        : axis == 0 ? Shape.Matrix(k, S(s)[1]) : Shape.Matrix(S(s)[0], k);
                    int b = Adapt(j, shape, variant / 2);
                    var bound = (Math.Min(bounds[s].Lo, bounds[b].Lo), Math.Max(bounds[s].Hi, bounds[b].Hi));
                    Emit(variant / 4 % 2 == 0 ? Indexing.Concat(axis, nodes[s], nodes[b]) : Indexing.Concat(axis, nodes[b], nodes[s], nodes[b]),
                        bound, $"Concat(axis {axis}, {N(s)}, {N(b)})", s, b);
                    break;
                }
            case 8:
                {
                    int s = S(i).Rank == 1 ? i : Adapt(i, Shape.Vector(k), variant);
                    int b = Adapt(j, S(s), variant / 2);
                    int axis = variant % 2;
                    var bound = (Math.Min(bounds[s].Lo, bounds[b].Lo), Math.Max(bounds[s].Hi, bounds[b].Hi));
                    Emit(Indexing.Stack(axis, nodes[s], nodes[b]), bound, $"Stack(axis {axis}, {N(s)}, {N(b)})", s, b);
                    break;
                }
            case 9:
                {
                    if (S(i).Rank == 2) Emit(nodes[i].Diag(), bounds[i], $"Diag({N(i)})", i);
                    else
                    {
                        int s = S(i).Rank == 1 ? i : Adapt(i, Shape.Vector(k), variant);
                        Emit(nodes[s].DiagMatrix(), (Math.Min(0, lo), Math.Max(0, hi)), $"DiagMatrix({N(s)})", s);
                    }
                    break;
                }
            case 10:
                {
                    int n = 1 + variant % 3;
                    bool diagonal = n == 1 || variant / 3 % 2 == 0;
                    int size = diagonal ? n * (n + 1) / 2 : n * (n - 1) / 2;
                    int s = Adapt(i, Shape.Vector(size), variant / 6);
                    Emit(nodes[s].LowerTriangular(n, diagonal), (Math.Min(0, bounds[s].Lo), Math.Max(0, bounds[s].Hi)),
                        $"LowerTriangular({N(s)}, {n}, {(diagonal ? "with" : "without")} diagonal)", s);
                    break;
                }
            default:
                {
                    int s = Squash(S(i).Rank == 1 ? i : Adapt(i, Shape.Vector(k), variant), 10);
                    if (variant % 2 == 0)
                    {
                        int b = Squash(Adapt(j, Shape.Vector(1 + variant / 2 % 4), variant / 8), 10);
                        Emit(nodes[s].Outer(nodes[b]), Product(bounds[s], bounds[b]), $"Outer({N(s)}, {N(b)})", s, b);
                    }
                    else
                    {
                        int b = Squash(Adapt(j, S(s), variant / 2), 10);
                        Emit(nodes[s].Dot(nodes[b]), Scaled(Product(bounds[s], bounds[b]), S(s)[0]), $"Dot({N(s)}, {N(b)})", s, b);
                    }
                    break;
                }
        }
    }

    // ---- loops -------------------------------------------------------------------------------------------------

    static Checkpointing Policy(int p) => (p % 4) switch
    {
        0 => Checkpointing.StoreAll,
        1 => Checkpointing.Sqrt,
        2 => Checkpointing.Binomial(1),
        _ => Checkpointing.Binomial(2),
    };

    /// <summary>A contraction c ← body(c, o) reading the outer node o: every carry stays in [−1, 1].</summary>
    static Node Body(int kind, Node c, Node o) => kind switch
    {
        0 => (c * 0.5 + o).Tanh(),
        1 => c * 0.5 + (o * c).Sin() * 0.5,
        _ => c * o.Sigmoid() * 0.9 + 0.1 * o.Cos(),
    };

    static readonly string[] BodyText = ["tanh(c/2 + o)", "c/2 + sin(o·c)/2", "0.9·c·σ(o) + 0.1·cos o"];

    void LoopStep(int i, int j, int p)
    {
        int steps = 1 + p / 4 % 5, kind = p / 20 % 3, variant = p / 60;
        var policy = Policy(variant);
        int c0 = Squash(i, 1);
        c0 = Emit(nodes[c0].Tanh(), (Math.Tanh(bounds[c0].Lo), Math.Tanh(bounds[c0].Hi)), $"Tanh({N(c0)})", c0);
        int o = Squash(S(j).IsScalar || S(j) == S(c0) ? j : Adapt(j, S(c0), variant / 4), 2);
        Node outer = nodes[o];
        string body = BodyText[kind];
        switch (p % 4)
        {
            case 0:
                Emit(Loop.Repeat(steps, nodes[c0], c => Body(kind, c, outer), policy), (-1, 1),
                    $"Repeat({steps}, {N(c0)}, c ↦ {body}, o = {N(o)}, {policy})", c0, o);
                break;
            case 1:
                Emit(Loop.Scan(steps, nodes[c0], c => Body(kind, c, outer), policy), (-1, 1),
                    $"Scan({steps}, {N(c0)}, c ↦ {body}, o = {N(o)}, {policy})", c0, o);
                break;
            case 2:
                {
                    // A counter carry decides the trip count: it is the same at every point near the inputs.
                    var counter = Node.Constant(0.0);
                    var final = Loop.While([counter, nodes[c0]], c => steps - 0.5 - c[0], c => [c[0] + 1, Body(kind, c[1], outer)], steps + 3, policy);
                    Emit(final[1], (-1, 1), $"While(k < {steps}, {N(c0)}, c ↦ {body}, o = {N(o)}, {policy})", c0, o);
                    break;
                }
            default:
                {
                    // Stopped by the step limit, its condition never false.
                    var final = Loop.While(nodes[c0], _ => Node.Constant(1.0), c => Body(kind, c, outer), steps, policy);
                    Emit(final, (-1, 1), $"While(true, at most {steps}, {N(c0)}, c ↦ {body}, o = {N(o)}, {policy})", c0, o);
                    break;
                }
        }
    }

    // ---- custom rules, stopped gradients, implicit solves ------------------------------------------------------

    /// <summary>softplus traced as log(1 + eˣ), with σ(x) stated as its derivative in neither, one or both modes.</summary>
    static Func<Node[], Node> StatedSoftplus(int rules) => CustomRule.Define("softplus", x => (x[0].Exp() + 1).Log(),
        jvp: rules % 2 == 1 ? (x, _, t) => t[0] * x[0].Sigmoid() : null,
        vjp: rules / 2 % 2 == 1 ? (x, _, ct) => [ct * x[0].Sigmoid()] : null);

    /// <summary>a·sin b with its partials sin b and a·cos b stated (reading the output y = a·sin b where it can).</summary>
    static Func<Node[], Node> StatedProduct(int rules) => CustomRule.Define("a·sin b", x => x[0] * x[1].Sin(),
        jvp: rules % 2 == 1 ? (x, _, t) => t[0] * x[1].Sin() + x[0] * x[1].Cos() * t[1] : null,
        vjp: rules / 2 % 2 == 1 ? (x, _, ct) => [ct * x[1].Sin(), ct * x[0] * x[1].Cos()] : null);

    /// <summary>The real root of y³ + y = θ per element, by Newton's method to the last bit (the function is monotone,
    /// its derivative 3y² + 1 ≥ 1).</summary>
    static Tensor CubicRoot(Tensor theta) => Tensor.FromColumnMajor(theta.Shape, [.. theta.Values.ToArray().Select(t =>
    {
        double y = Math.Cbrt(t);
        for (int k = 0; k < 100; k++)
        {
            double next = y - (y * y * y + y - t) / (3 * y * y + 1);
            if (next == y) break;
            y = next;
        }
        return y;
    })]);

    static double CubicRoot(double t) => CubicRoot(Tensor.Scalar(t)).ToScalar();

    void CustomStep(int i, int j, int p)
    {
        int rules = p / 4 % 4, variant = p / 16;
        switch (p % 4)
        {
            case 0:
                {
                    int s = Squash(i, 3);
                    double a = Math.Log(1 + Math.Exp(bounds[s].Lo)), b = Math.Log(1 + Math.Exp(bounds[s].Hi));
                    Emit(StatedSoftplus(rules)([nodes[s]]), (a, b), $"Custom softplus({N(s)}, rules {rules})", s);
                    break;
                }
            case 1:
                {
                    int a = Squash(i, 3);
                    int b = Squash(S(j) == S(a) ? j : Adapt(j, S(a), variant), 3);
                    double m = Mag(a);
                    Emit(StatedProduct(rules)([nodes[a], nodes[b]]), (-m, m), $"Custom a·sin b({N(a)}, {N(b)}, rules {rules})", a, b);
                    break;
                }
            case 2:
                {
                    // StopGradient: a constant to every derivative. The differences are taken of the frozen graph, in which
                    // the node is a constant of its value (see GraphRecipe.Build).
                    int s = Squash(i, 3);
                    var stopped = freeze
                        ? Node.Constant(Evaluator.Evaluate(nodes[s], bindings))
                        : nodes[s].StopGradient();
                    int b = S(j) == S(s) || S(j).IsScalar ? j : Adapt(j, S(s), variant);
                    b = Squash(b, 3);
                    Emit(stopped * nodes[b], Product(bounds[s], bounds[b]), $"StopGradient({N(s)}) * {N(b)}", s, b);
                    break;
                }
            default:
                {
                    int s = Squash(i, 10);
                    var linear = variant % 2 == 0 ? LinearSolver.Gmres : LinearSolver.Dense;
                    Emit(Implicit.Solve((y, t) => y.Pow(3) + y - t, CubicRoot, nodes[s], S(s), linear),
                        (CubicRoot(bounds[s].Lo), CubicRoot(bounds[s].Hi)), $"Implicit(y³ + y = {N(s)}, {(variant % 2 == 0 ? "GMRES" : "dense")})", s);
                    break;
                }
        }
    }
}
