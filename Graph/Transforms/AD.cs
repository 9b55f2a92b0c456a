using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional;

/// <summary>Numbers out of the transformations: values, gradients, Jacobian–vector products, Jacobians and
/// Hessian–vector products. Each call builds the derivative graph and evaluates it together with the primal, so
/// shared subexpressions are computed once per call.</summary>
public static class AD
{
    /// <summary>The value of <paramref name="output"/>.</summary>
    public static Tensor Evaluate(Node output, Bindings bindings) => Evaluator.Evaluate(output, bindings);

    /// <summary>The value of a scalar output and its gradient w.r.t. each variable, from one backward pass.</summary>
    public static (Tensor Value, Tensor[] Gradients) ValueAndGrad(Node output, Bindings bindings, params Node[] wrt)
    {
        var values = Evaluator.Evaluate([output, .. Reverse.Grad(output, wrt)], bindings);
        return (values[0], values[1..]);
    }

    /// <summary>The gradients of a scalar output w.r.t. each variable.</summary>
    public static Tensor[] Grad(Node output, Bindings bindings, params Node[] wrt) => ValueAndGrad(output, bindings, wrt).Gradients;

    /// <summary>The outputs' values and their tangents given the variables' tangents.</summary>
    public static (Tensor[] Values, Tensor[] Tangents) Jvp(IReadOnlyList<Node> outputs, Bindings bindings,
        params (Node Variable, Tensor Tangent)[] tangents)
    {
        var tangentOut = ForwardMode.Jvp(outputs, [.. tangents.Select(t => (t.Variable, Node.Constant(t.Tangent)))]);
        var values = Evaluator.Evaluate([.. outputs, .. tangentOut], bindings);
        return (values[..outputs.Count], values[outputs.Count..]);
    }

    /// <summary>The output's value and the cotangent of each variable given the output's cotangent.</summary>
    public static (Tensor Value, Tensor[] Cotangents) Vjp(Node output, Bindings bindings, Tensor cotangent, params Node[] wrt)
    {
        var values = Evaluator.Evaluate([output, .. Reverse.Vjp([output], [Node.Constant(cotangent)], wrt)], bindings);
        return (values[0], values[1..]);
    }

    /// <summary>The Jacobian ∂output/∂variable (output.Size × variable.Size, elements in column-major order),
    /// one column per forward-mode pass. The JVP graph is built once and evaluated per column.</summary>
    public static DenseMatrix JacobianForward(Node output, Node variable, Bindings bindings)
    {
        var t = Node.Variable("\u2202" + ((Variable)variable.Op).Name, variable.Shape);
        var jvp = ForwardMode.Jvp([output], [(variable, t)])[0];
        var jac = new DenseMatrix(output.Shape.Size, variable.Shape.Size);
        for (int j = 0; j < variable.Shape.Size; j++)
        {
            var column = Evaluator.Evaluate(jvp, bindings.Bind(t, Basis(variable.Shape, j)));
            jac.SetColumn(j, column.Storage);
        }
        return jac;
    }

    /// <summary>The Jacobian ∂output/∂variable, one row per reverse-mode pass over a graph built once.</summary>
    public static DenseMatrix JacobianReverse(Node output, Node variable, Bindings bindings)
    {
        var u = Node.Variable("\u0305" + ((Variable)variable.Op).Name, output.Shape);
        var vjp = Reverse.Vjp([output], [u], [variable])[0];
        var jac = new DenseMatrix(output.Shape.Size, variable.Shape.Size);
        for (int i = 0; i < output.Shape.Size; i++)
        {
            var row = Evaluator.Evaluate(vjp, bindings.Bind(u, Basis(output.Shape, i)));
            jac.SetRow(i, row.Storage);
        }
        return jac;
    }

    /// <summary>The Hessian–vector product H·v of a scalar output w.r.t. one variable, forward-over-reverse:
    /// the JVP of the gradient graph.</summary>
    public static Tensor Hvp(Node output, Node variable, Tensor v, Bindings bindings)
    {
        var gradient = Reverse.Grad(output, [variable])[0];
        return Evaluator.Evaluate(ForwardMode.Jvp([gradient], [(variable, Node.Constant(v))])[0], bindings);
    }

    /// <summary>The unit tensor with a one at column-major position <paramref name="k"/>.</summary>
    public static Tensor Basis(Shape shape, int k)
    {
        var e = new double[shape.Size];
        e[k] = 1;
        return Tensor.FromColumnMajor(shape, e);
    }
}
