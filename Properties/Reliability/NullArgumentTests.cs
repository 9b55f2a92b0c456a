using System.Reflection;
using AutoDiff.Functional.Models;
using AutoDiff.Functional.Training;
using LanguageExt.Common;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Double;
using MathNet.Numerics.Optimization;
using Xunit;
using Xunit.Abstractions;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>Every public constructor, method, operator and indexer of the Graph, Ops, Models, Training and Plotting assemblies,
/// found by reflection (so members added later are covered without a line here): for each reference-typed parameter
/// not annotated nullable, in turn, the call with null there (and sample values elsewhere) must throw an
/// <see cref="ArgumentNullException"/> naming that parameter; <c>Checked.*</c> must return a failed <c>Fin</c>
/// instead. A returned delegate (<c>Transforms.Grad(f)</c>) is then called the same way, with null for each of its
/// reference-typed parameters.</summary>
/// <remarks>Not enumerated, by design: the rules of an op (<c>InferShape</c>, <c>Forward</c>, <c>Jvp</c>, <c>Vjp</c>
/// and <c>IElementwise</c>/<c>IExpand</c>/<c>IReduce</c> kernels), which only interpreters call; <c>init</c> accessors;
/// members taking or returning spans (reflection cannot call them: <c>Node.Apply</c> is checked by hand below).</remarks>
public class NullArgumentTests(ITestOutputHelper output)
{
    static readonly Assembly[] Libraries =
        [typeof(Node).Assembly, typeof(NodeMath).Assembly, typeof(SoftmaxClassifier).Assembly, typeof(Fit).Assembly, typeof(Plotting.LossCurve).Assembly];

    static readonly Node X = Node.Variable("x", Shape.Vector(3));
    static readonly Tensor V = Tensor.Vector(1, 2, 3);
    static readonly Parameters P = Parameters.Of(("x", V));

    // One valid value per parameter type. A new public type used as a parameter needs a line here (the test says which).
    static readonly Dictionary<Type, Func<object>> Samples = new()
    {
        [typeof(string)] = () => "x",
        [typeof(TextReader)] = () => new StringReader("userId,movieId,rating,timestamp\n1,2,3.5,0\n"),
        [typeof(Node)] = () => X,
        [typeof(Shape)] = () => Shape.Vector(3),
        [typeof(Tensor)] = () => V,
        [typeof(Bindings)] = () => Bindings.Empty.Bind(X, V),
        [typeof(object)] = () => new object(),
        [typeof(Op)] = () => X.Sin().Op,
        [typeof(Functional.Ops.UnaryElementwise)] = () => X.Sin().Op,
        [typeof(Functional.Ops.BinaryElementwise)] = () => (X + X).Op,
        [typeof(LinearOp)] = () => Node.Variable("a", Shape.Matrix(2, 2)).T().Op,
        [typeof(Leaf)] = () => X.Op,
        [typeof(Variable)] = () => X.Op,
        [typeof(Constant)] = () => Node.Constant(1).Op,
        [typeof(Plan)] = () => Plan.Compile(X.Sum()),
        [typeof(Workspace)] = () => Plan.Compile(X.Sum()).NewWorkspace(),
        [typeof(Topology)] = () => Topology.Of([X.Sum()]),
        [typeof(DenseVector)] = () => DenseVector.OfArray([1, 2, 3]),
        [typeof(Vector<double>)] = () => DenseVector.OfArray([1, 2, 3]),
        [typeof(DenseMatrix)] = () => DenseMatrix.OfArray(new double[,] { { 1, 2 }, { 3, 4 } }),
        [typeof(Matrix<double>)] = () => DenseMatrix.OfArray(new double[,] { { 1, 2 }, { 3, 4 } }),
        [typeof(double[,])] = () => new double[,] { { 1, 2 }, { 3, 4 } },
        [typeof(float[,])] = () => new float[,] { { 1, 2 }, { 3, 4 } },
        [typeof(float[])] = () => new float[] { 1, 2, 3 },
        [typeof(MathNet.Numerics.LinearAlgebra.Single.DenseMatrix)] = () => MathNet.Numerics.LinearAlgebra.Single.DenseMatrix.OfArray(new float[,] { { 1, 2 }, { 3, 4 } }),
        [typeof(MathNet.Numerics.LinearAlgebra.Single.DenseVector)] = () => MathNet.Numerics.LinearAlgebra.Single.DenseVector.OfArray([1, 2, 3]),
        [typeof(Func<Node, Node>)] = () => (Func<Node, Node>)(x => x.Sin().Sum()),
        [typeof(Func<Node[], Node>)] = () => (Func<Node[], Node>)(xs => xs[0].Sin().Sum()),
        [typeof(Func<Node, Node, Node>)] = () => (Func<Node, Node, Node>)((a, b) => a * b),
        [typeof(Func<Node, bool>)] = () => (Func<Node, bool>)(z => z.DType.IsFloat()),
        // Functions on tensors made by Transforms.Grad (the identity, ∇½‖x‖²), so Vmap can trace them too.
        [typeof(Func<Tensor, Tensor>)] = () => Transforms.Grad(x => x.Square().Sum() / 2),
        [typeof(Func<Tensor[], Tensor[]>)] = () => Transforms.Grad(xs => xs[0].Square().Sum() / 2),
        [typeof(int?[])] = () => new int?[] { 0 },
        [typeof(Func<Node[], Node[]>)] = () => (Func<Node[], Node[]>)(xs => xs),
        [typeof(Func<Node, Node, (Node, Node)>)] = () => (Func<Node, Node, (Node, Node)>)((c, x) => (c * x, c)),
        [typeof(Func<Node[], Node[], (Node[], Node[])>)] = () => (Func<Node[], Node[], (Node[], Node[])>)((c, x) => (c, c)),
        [typeof(MultiOp)] = () => Loop.Repeat(2, [X, X], c => c)[0].Inputs[0].Op,
        [typeof(Output)] = () => Loop.Repeat(2, [X, X], c => c)[0].Op,
        [typeof(Checkpointing)] = () => Checkpointing.StoreAll,
        [typeof(LinearSolver)] = () => LinearSolver.Dense,
        [typeof(Func<int, Node>)] = () => (Func<int, Node>)(_ => Node.Variable("x", Shape.Vector(3)).Sum()),
        [typeof(Func<Action<FitStep>, int>)] = () => (Func<Action<FitStep>, int>)(_ => 0),
        [typeof(Parameters)] = () => P,
        [typeof(Dataset)] = () => Dataset.Of(("d", V)),
        [typeof(CsvColumn)] = () => CsvColumn.Vector("x"),
        [typeof(Func<Parameters, Dataset, double>)] = () => (Func<Parameters, Dataset, double>)((_, d) => d.Rows),
        [typeof(FitMetric)] = () => new FitMetric("rows", (_, d) => d.Rows),
        [typeof(FitHistory)] = () => new FitHistory(["m"], [new EpochRecord(0, 1, 0.5, null, [1.0])]),
        [typeof(IReadOnlyList<string>)] = () => new[] { "m" },
        [typeof(IReadOnlyList<EpochRecord>)] = () => new[] { new EpochRecord(0, 1, 0.5, null, [1.0]) },
        [typeof(FullBatchResult)] = () => new FullBatchResult(P, 0.5, 1, ExitCondition.Converged, [1.0, 0.5]),
        [typeof(Func<Action<FullBatchStep>, int>)] = () => (Func<Action<FullBatchStep>, int>)(_ => 0),
        [typeof(Schedule)] = () => Schedule.Constant(0.1),
        [typeof(Optimiser)] = () => new Sgd(0.1),
        [typeof(OptimiserState)] = () => new MomentumState(0, P),
        [typeof(Objective)] = () => Objective.Of(X.Sum(), "x"),
        [typeof(IUnconstrainedMinimizer)] = () => new BfgsMinimizer(1e-8, 1e-8, 1e-8),
        [typeof(FactorisationModel)] = () => MatrixFactorisation.Build(2, 2, 1, 0.1),
        [typeof(RegressionModel)] = () => NonlinearRegression.Build(3),
        [typeof(SigmoidNet)] = () => SigmoidNet.Random(2, 2, 2, 1),
        [typeof(AutoDiff.Functional.Models.GradBench.BaJacobian)] = () => new AutoDiff.Functional.Models.GradBench.BaJacobian(1, 1, [0], [0], Tensor.Matrix(new double[,] { { 0, 0 } })),
        [typeof(Exception)] = () => new InvalidOperationException("x"),
        [typeof(Layer)] = () => new Linear(3, 2),
        [typeof(Mlp)] = () => new Mlp([3, 2]),
        [typeof(Scope)] = () => Scope.Root(new Linear(3, 2), new Linear(3, 2).Init(Key.Of(1)), null),
        [typeof(Initialiser)] = () => Init.Zeros,
        [typeof(IReadOnlyDictionary<string, Node>)] = () => new Dictionary<string, Node> { ["kernel"] = Node.Variable("k", Shape.Matrix(3, 2)), ["bias"] = Node.Variable("c", Shape.Vector(2)) },
        [typeof(Stream)] = () => new MemoryStream(),
        [typeof(Func<double[], (double, double[])>)] = () => (Func<double[], (double, double[])>)(x => (0, new double[x.Length])),
    };

    static bool Skipped(MethodBase m) =>
        m.IsSpecialName && m.Name.StartsWith("set_", StringComparison.Ordinal) ||
        m.GetParameters().Any(p => p.ParameterType.IsByRefLike || p.ParameterType.IsPointer) ||
        m is MethodInfo { ReturnType: { IsByRefLike: true } } ||
        IsRule(m) || IsPlainRecordConstructor(m);

    // A positional record that only stores its arguments (a result such as FitResult, a model's node list) is data:
    // its constructor is skipped. A record that computes from them, as FactorisationGradient compiles a plan, is not.
    static bool IsPlainRecordConstructor(MethodBase m) =>
        m is ConstructorInfo c && c.DeclaringType!.GetMethod("<Clone>$") is not null &&
        c.DeclaringType.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly)
            .All(f => c.GetParameters().Any(p => f.Name == $"<{p.Name}>k__BackingField"));

    // The op contract's rules and kernels: called by interpreters only, never with null.
    static bool IsRule(MethodBase m) => m is MethodInfo mi &&
        (typeof(Op).IsAssignableFrom(mi.DeclaringType) && mi.GetBaseDefinition().DeclaringType == typeof(Op) && mi.IsAbstract | mi.IsVirtual && mi.Name is "InferShape" or "Forward" or "Jvp" or "Vjp" ||
         mi.DeclaringType!.GetInterfaces().Any(i => i.Namespace == typeof(Node).Namespace && i.Name is "IElementwise" or "IExpand" or "IReduce" &&
             i.GetMethods().Any(im => im.Name == mi.Name)));

    static readonly NullabilityInfoContext Nullability = new();

    static bool MayBeNull(ParameterInfo p) =>
        p.ParameterType.IsValueType || p.IsOut || Nullability.Create(p).WriteState == NullabilityState.Nullable;

    static IEnumerable<MethodBase> EntryPoints() =>
        from type in Libraries.SelectMany(a => a.GetExportedTypes())
        where !type.IsInterface && !typeof(Delegate).IsAssignableFrom(type) && !type.Name.Contains('<')
        from m in type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .OfType<MethodBase>()
        where !m.IsAbstract && !Skipped(m) && !(type.IsAbstract && m is ConstructorInfo)
        select m;

    object? Sample(Type type, List<string> missing)
    {
        if (Samples.TryGetValue(type, out var make)) return make();
        if (type == typeof(double)) return 0.5;
        if (type == typeof(int)) return 1;
        if (type == typeof(long)) return 1L;
        if (type.IsValueType) return Activator.CreateInstance(type);
        if (type.IsArray) return SampleArray(type.GetElementType()!, missing);
        if (type.IsGenericType && type.GetGenericTypeDefinition() is var g && (g == typeof(IReadOnlyList<>) || g == typeof(IEnumerable<>) || g == typeof(IList<>)))
            return SampleArray(type.GetGenericArguments()[0], missing);
        // A record or class of the libraries: its widest public constructor, from samples.
        if (Libraries.Contains(type.Assembly) && type.GetConstructors().MaxBy(c => c.GetParameters().Length) is { } ctor)
            return ctor.Invoke([.. ctor.GetParameters().Select(p => SampleFor(p, missing))]);
        missing.Add(type.ToString());
        return null;
    }

    object? SampleFor(ParameterInfo p, List<string> missing) =>
        p.IsOut ? null : p.HasDefaultValue ? p.DefaultValue : Sample(p.ParameterType, missing);

    Array SampleArray(Type element, List<string> missing)
    {
        var a = Array.CreateInstance(element, 1);
        a.SetValue(element == typeof(int) ? 0 : element == typeof(double) ? 1.0 : Sample(element, missing), 0);
        return a;
    }

    static MethodBase Closed(MethodBase m) =>
        m is MethodInfo { IsGenericMethodDefinition: true } g ? g.MakeGenericMethod([.. g.GetGenericArguments().Select(_ => typeof(int))]) : m;

    /// <summary>The exception a call throws (unwrapped), or null when it returns; its result in <paramref name="result"/>.</summary>
    static Exception? Call(MethodBase m, object? target, object?[] args, out object? result)
    {
        result = null;
        try
        {
            result = m is ConstructorInfo c ? c.Invoke(args) : m.Invoke(target, args);
            return null;
        }
        catch (TargetInvocationException e) { return e.InnerException; }
    }

    static string Describe(MethodBase m) =>
        $"{m.DeclaringType!.Name}.{(m is ConstructorInfo ? "ctor" : m.Name)}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})";

    [Fact]
    public void Every_public_entry_point_names_a_null_argument()
    {
        var allMissing = new List<string>();
        var failures = new List<string>();
        int entryPoints = 0, parameters = 0, delegates = 0, delegateParameters = 0;
        foreach (var method in EntryPoints().Select(Closed))
        {
            var missing = new List<string>();
            var target = method.IsStatic || method is ConstructorInfo ? null : Sample(method.DeclaringType!, missing);
            var ps = method.GetParameters();
            var valid = ps.Select(p => SampleFor(p, missing)).ToArray();
            allMissing.AddRange(missing);
            if (missing.Count > 0) continue;
            entryPoints++;
            for (int i = 0; i < ps.Length; i++)
            {
                if (MayBeNull(ps[i])) continue;
                parameters++;
                var args = (object?[])valid.Clone();
                args[i] = null;
                var thrown = Call(method, target, args, out var result);
                if (method.DeclaringType == typeof(Checked))
                {
                    if (thrown is not null || result?.GetType().GetProperty("IsFail")?.GetValue(result) is not true)
                        failures.Add($"{Describe(method)} with null {ps[i].Name}: {thrown?.GetType().Name ?? "a success"}, not a failed Fin");
                }
                else if (thrown is not ArgumentNullException { ParamName: var name } || name != ps[i].Name)
                    failures.Add($"{Describe(method)} with null {ps[i].Name}: {thrown?.GetType().Name ?? "no exception"} {(thrown as ArgumentException)?.ParamName} {thrown?.Message}");
            }
            // A returned function gets the same treatment.
            if (!typeof(Delegate).IsAssignableFrom(method is MethodInfo mi ? mi.ReturnType : null)) continue;
            if (Call(method, target, valid, out var made) is { } e)
            {
                failures.Add($"{Describe(method)} with sample arguments: {e.GetType().Name} {e.Message}");
                continue;
            }
            var f = (Delegate)made!;
            delegates++;
            var fps = f.Method.GetParameters();
            var fvalid = fps.Select(p => SampleFor(p, allMissing)).ToArray();
            for (int i = 0; i < fps.Length; i++)
            {
                if (MayBeNull(fps[i])) continue;
                delegateParameters++;
                var args = (object?[])fvalid.Clone();
                args[i] = null;
                Exception? thrown;
                try { f.DynamicInvoke(args); thrown = null; }
                catch (TargetInvocationException ex) { thrown = ex.InnerException; }
                if (thrown is not ArgumentNullException { ParamName: var name } || name != fps[i].Name)
                    failures.Add($"the function from {Describe(method)} with null {fps[i].Name}: {thrown?.GetType().Name ?? "no exception"} {thrown?.Message}");
            }
        }
        int plainRecords = Libraries.SelectMany(a => a.GetExportedTypes()).SelectMany(t => t.GetConstructors()).Count(IsPlainRecordConstructor);
        output.WriteLine($"{plainRecords} plain record constructors skipped; {entryPoints} entry points, {parameters} reference-typed parameters; {delegates} returned functions, {delegateParameters} parameters");
        Assert.True(allMissing.Count == 0, "no sample value for: " + string.Join(", ", allMissing.Distinct()));
        Assert.True(failures.Count == 0, $"{failures.Count} of {parameters + delegateParameters}:\n" + string.Join("\n", failures));
        Assert.True(entryPoints > 150, $"only {entryPoints} entry points found");
    }

    /// <summary>The old promise, by message and not only by type: a null operand names the op and its position, a null
    /// variable names the call (a NullReferenceException from inside the library broke it once).</summary>
    [Fact]
    public void A_null_operand_or_variable_is_named_by_the_op_or_the_call()
    {
        Node none = null!;
        var b = Bindings.Empty.Bind(X, V);
        Assert.Equal("Add: input 1 is null (Parameter 'b')", Assert.Throws<ArgumentNullException>(() => X + none).Message);
        Assert.Equal("Add: input 0 is null (Parameter 'a')", Assert.Throws<ArgumentNullException>(() => none + X).Message);
        Assert.StartsWith("Mul: input 1 is null", Assert.Throws<ArgumentNullException>(() => X * none).Message);
        Assert.StartsWith("Sin: input 0 is null", Assert.Throws<ArgumentNullException>(() => none.Sin()).Message);
        Assert.StartsWith("Expm1: input 0 is null", Assert.Throws<ArgumentNullException>(() => none.Expm1()).Message);
        Assert.Equal("Grad: a variable listed is null (Parameter 'wrt')", Assert.Throws<ArgumentNullException>(() => AD.ValueAndGrad(X.Sum(), b, none)).Message);
        Assert.Equal("Grad: a variable listed is null (Parameter 'wrt')", Assert.Throws<ArgumentNullException>(() => AD.Grad(X.Sum(), b, X, none)).Message);
    }

    [Fact]
    public void Node_Apply_names_a_null_op_or_input()
    {
        Assert.Equal("op", Assert.Throws<ArgumentNullException>(() => Node.Apply(null!, X)).ParamName);
        Assert.Equal("inputs", Assert.Throws<ArgumentNullException>(() => Node.Apply(new Functional.Ops.Sin(), [null!])).ParamName);
    }

    [Fact]
    public void Checked_never_throws_on_null()
    {
        Assert.True(Checked.Apply(null!, X).IsFail);
        Assert.True(Checked.Evaluate(null!, Bindings.Empty).IsFail);
        Assert.IsType<Error>(Checked.Bind(null!, X, V).Match(_ => null!, e => e), exactMatch: false);
    }
}
