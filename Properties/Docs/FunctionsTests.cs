using System.Reflection;
using System.Runtime.CompilerServices;
using Xunit;
using static AutoDiff.Functional.Functions;

namespace AutoDiff.Functional.Properties.Docs;

/// <summary>The README's <c>Sum(x)</c>: plain calls after <c>using static AutoDiff.Functional.Functions;</c>.</summary>
public class FunctionsTests
{
    [Fact]
    public void Plain_calls_compile_after_using_static_and_build_the_same_graph_as_the_extension_methods()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        var at = Bindings.Empty.Bind(x, Tensor.Vector(0.5, -1, 2));
        var plain = Sum(Square(Sin(x))) + Norm(Tanh(x)) + Sum(Softmax(MatMul(Exp(x).Reshape(Shape.Matrix(1, 3)), Node.Constant(Tensor.Matrix(new double[,] { { 1 }, { 2 }, { 3 } }))), 1));
        var dotted = x.Sin().Square().Sum() + x.Tanh().Norm() + x.Exp().Reshape(Shape.Matrix(1, 3)).MatMul(Node.Constant(Tensor.Matrix(new double[,] { { 1 }, { 2 }, { 3 } }))).Softmax(1).Sum();
        Assert.Equal(Evaluator.Evaluate(dotted, at).ToScalar(), Evaluator.Evaluate(plain, at).ToScalar());
    }

    [Fact]
    public void Every_function_is_an_extension_method_of_the_same_name_and_parameters()
    {
        var extensions = new[] { typeof(NodeMath), typeof(Composites) }
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.IsDefined(typeof(ExtensionAttribute)))
            .Select(Signature).ToHashSet();
        var functions = typeof(Functions).GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly);
        Assert.True(functions.Length >= 20);
        var unmatched = functions.Select(Signature).Where(s => !extensions.Contains(s)).ToList();
        Assert.True(unmatched.Count == 0, "no extension method for " + string.Join(", ", unmatched));
    }

    static string Signature(MethodInfo m) => $"{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})";
}
