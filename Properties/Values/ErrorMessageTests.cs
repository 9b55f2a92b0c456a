using Xunit;

namespace AutoDiff.Functional.Properties.Graph;

/// <summary>Every misuse fails at once with a message that names the op or the variable and the shapes involved.</summary>
public class ErrorMessageTests
{
    static Node V(string name, params int[] dims) => Node.Variable(name, Shape.Of(dims));

    [Fact]
    public void MatMul_inner_dimensions()
    {
        var e = Assert.Throws<ShapeException>(() => V("A", 3, 4).MatMul(V("B", 5, 2)));
        Assert.Equal("MatMul: (3×4)·(5×2): inner dimensions 4 and 5 differ", e.Message);
    }

    [Fact]
    public void Column_minus_short_vector_is_an_error_not_a_silent_100x2()
    {
        var e = Assert.Throws<ShapeException>(() => V("y", 100, 1) - V("f", 2));
        Assert.StartsWith("Sub: ", e.Message);
        Assert.Contains("(100×1)", e.Message);
        Assert.Contains("(2)", e.Message);
    }

    [Fact]
    public void Column_minus_vector_of_the_same_length_is_an_error_too()
    {
        var e = Assert.Throws<ShapeException>(() => V("y", 100, 1) - V("f", 100));
        Assert.StartsWith("Sub: ", e.Message);
        Assert.Contains("(100×1)", e.Message);
        Assert.Contains("(100)", e.Message);
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Mul")]
    [InlineData("Div")]
    public void Every_binary_op_refuses_implicit_broadcasts(string op)
    {
        Node a = V("a", 3, 1), b = V("b", 3);
        var e = Assert.Throws<ShapeException>(() => op switch { "Add" => a + b, "Mul" => a * b, _ => a / b });
        Assert.Equal($"{op}: (3×1) and (3): shapes differ, and only a scalar broadcasts implicitly (to repeat the (3) operand along the axes it lacks, use .BroadcastTo(Shape.Of(3, 1), 1); or Reshape one to the other's shape: both have 3 elements)", e.Message);
    }

    [Fact]
    public void Unbound_variable_is_named()
    {
        var x = V("x", 3);
        var w = V("weights", 3);
        var e = Assert.Throws<BindingException>(() => Evaluator.Evaluate((x * w).Sum(), Bindings.Empty.Bind(x, Tensor.Vector(1, 2, 3))));
        Assert.Contains("'weights'", e.Message);
        Assert.Contains("(3)", e.Message);
        Assert.Contains("not bound", e.Message);
    }

    [Fact]
    public void Binding_of_the_wrong_shape_names_variable_and_both_shapes()
    {
        var e = Assert.Throws<BindingException>(() => Bindings.Empty.Bind(V("W", 2, 3), Tensor.Vector(1, 2, 3)));
        Assert.Equal("variable 'W' has shape (2×3) but is bound to a value of shape (3)", e.Message);
    }

    [Fact]
    public void Bound_twice()
    {
        var x = V("x");
        var e = Assert.Throws<BindingException>(() => Bindings.Empty.Bind(x, 1.0).Bind(x, 2.0));
        Assert.Equal("variable 'x' is bound twice", e.Message);
    }

    [Fact]
    public void Binding_a_non_variable()
    {
        var e = Assert.Throws<BindingException>(() => Bindings.Empty.Bind(V("x", 2).Sin(), Tensor.Vector(1, 2)));
        Assert.Contains("Sin(2)", e.Message);
        Assert.Contains("not a variable", e.Message);
    }

    [Fact]
    public void Two_different_variables_with_one_name()
    {
        Node a = V("x", 2), b = V("x", 2);
        var bindings = Bindings.Empty.Bind(a, Tensor.Vector(1, 2)).Bind(b, Tensor.Vector(3, 4));
        var e = Assert.Throws<BindingException>(() => Evaluator.Evaluate(a + b, bindings));
        Assert.Equal("two different variables are named 'x' ((2) and (2))", e.Message);
    }

    [Fact]
    public void Grad_of_a_non_scalar_output()
    {
        var x = V("x", 4);
        var e = Assert.Throws<ShapeException>(() => Reverse.Grad(x.Sin(), [x]));
        Assert.StartsWith("Grad: ", e.Message);
        Assert.Contains("Sin(4)", e.Message);
        Assert.Contains("has shape (4)", e.Message);
    }

    [Fact]
    public void Differentiating_with_respect_to_a_non_variable()
    {
        var x = V("x", 4);
        var h = x.Sin();
        var e = Assert.Throws<ArgumentException>(() => Reverse.Grad(h.Sum(), [h]));
        Assert.Equal("Grad: can only differentiate with respect to variables, not Sin(4)", e.Message);
        var f = Assert.Throws<ArgumentException>(() => ForwardMode.Jvp([h], [(h, Node.Zeros(h.Shape))]));
        Assert.Equal("Jvp: can only differentiate with respect to variables, not Sin(4)", f.Message);
    }

    [Fact]
    public void Tangent_and_cotangent_of_the_wrong_shape()
    {
        var x = V("x", 4);
        var e = Assert.Throws<ShapeException>(() => ForwardMode.Jvp([x.Sin()], [(x, Node.Zeros(Shape.Vector(3)))]));
        Assert.Equal("Jvp: variable 'x' has shape (4) but its tangent has shape (3)", e.Message);
        var f = Assert.Throws<ShapeException>(() => Reverse.Vjp([x.Sin()], [Node.Zeros(Shape.Matrix(4, 1))], [x]));
        Assert.Equal("Vjp: output 0 has shape (4) but its cotangent has shape (4×1)", f.Message);
    }

    [Fact]
    public void A_variable_the_output_does_not_depend_on_gets_a_zero_gradient_of_its_shape()
    {
        Node x = V("x", 3), unused = V("W", 2, 5);
        var b = Bindings.Empty.Bind(x, Tensor.Vector(1, 2, 3)).Bind(unused, Tensor.Zeros(Shape.Matrix(2, 5)));
        var g = AD.Grad(x.Square().Sum(), b, x, unused);
        Assert.Equal(Shape.Matrix(2, 5), g[1].Shape);
        Assert.All(g[1].Values.ToArray(), v => Assert.Equal(0.0, v));
        var t = AD.Jvp([unused.Sum()], b, (x, Tensor.Vector(1, 1, 1))).Tangents[0];
        Assert.Equal(Shape.Scalar, t.Shape);
        Assert.Equal(0.0, t.ToScalar());
    }

    [Fact]
    public void Reshape_size_mismatch()
    {
        var e = Assert.Throws<ShapeException>(() => V("x", 3, 4).Reshape(Shape.Matrix(5, 2)));
        Assert.Equal("Reshape(5×2): (3×4) to (5×2): sizes 12 and 10 differ", e.Message);
    }

    [Fact]
    public void Row_index_out_of_range()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => V("A", 3, 4).Row(3));
        Assert.StartsWith("Row(3): index 3 is out of range for (3×4)", e.Message);
    }

    [Fact]
    public void Column_index_out_of_range()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => V("A", 3, 4).Column(-1));
        Assert.StartsWith("Column(-1): index -1 is out of range for (3×4)", e.Message);
    }

    [Fact]
    public void At_index_out_of_range()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => V("v", 5).At(5));
        Assert.StartsWith("At(5): index 5 is out of range for (5)", e.Message);
        var f = Assert.Throws<ArgumentOutOfRangeException>(() => V("A", 3, 4).At(1, 4));
        Assert.StartsWith("At(1, 4): index 4 is out of range for (3×4)", f.Message);
        var g = Assert.Throws<ShapeException>(() => V("A", 3, 4).At(1));
        Assert.Contains("(3×4) is not a vector", g.Message);
    }

    [Fact]
    public void PickPerRow_label_out_of_range()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => V("logits", 2, 3).PickPerRow([0, 3]));
        Assert.StartsWith("PickPerRow: label 3 of row 1 is outside the 3 classes 0..2 of (2×3)", e.Message);
    }

    [Fact]
    public void PickPerRow_negative_label()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => V("logits", 2, 3).PickPerRow([-1, 0]));
        Assert.StartsWith("PickPerRow: label -1 of row 0 is outside the 3 classes 0..2 of (2×3)", e.Message);
    }

    [Fact]
    public void PickPerRow_wrong_number_of_labels()
    {
        var e = Assert.Throws<ShapeException>(() => V("logits", 2, 3).PickPerRow([0, 1, 2]));
        Assert.Equal("PickPerRow: 3 labels for (2×3), one per row is needed", e.Message);
        var f = Assert.Throws<ArgumentOutOfRangeException>(() => V("logits", 2, 3).CrossEntropy([0, 7]));
        Assert.Contains("label 7", f.Message);
    }

    [Fact]
    public void Mean_of_an_empty_tensor()
    {
        var e = Assert.Throws<ShapeException>(() => V("x", 0).Mean());
        Assert.Equal("Mean: (0) has no elements", e.Message);
        var f = Assert.Throws<ShapeException>(() => V("x", 3, 0).Mean(1));
        Assert.Equal("Mean: axis 1 of (3×0) is empty", f.Message);
    }

    [Fact]
    public void LogSumExp_over_an_empty_axis()
    {
        var e = Assert.Throws<ShapeException>(() => V("x", 3, 0).LogSumExp(1));
        Assert.StartsWith("LogSumExp(1): (3×0): axis 1 is empty", e.Message);
        var f = Assert.Throws<ShapeException>(() => V("x", 0).LogSumExp(0));
        Assert.StartsWith("LogSumExp(0): (0): axis 0 is empty", f.Message);
    }

    [Fact]
    public void Reductions_over_a_missing_axis()
    {
        var e = Assert.Throws<ShapeException>(() => V("x", 3).Sum(1));
        Assert.StartsWith("SumAxis(1): (3) has no axis 1", e.Message);
        var f = Assert.Throws<ShapeException>(() => V("x", 3, 2).Reshape(Shape.Vector(6)).T());
        Assert.StartsWith("Transpose: (6): needs a matrix", f.Message);
    }

    [Fact]
    public void Wrong_number_of_inputs()
    {
        var e = Assert.Throws<ArgumentException>(() => Node.Apply(new Functional.Ops.Sin(), V("a", 2), V("b", 2)));
        Assert.Equal("Sin: takes 1 input(s), got 2", e.Message);
        var f = Assert.Throws<ShapeException>(() => Node.Apply(new AddN()));
        Assert.Equal("AddN: needs at least one input", f.Message);
        var g = Assert.Throws<ShapeException>(() => Node.Apply(new AddN(), V("a", 2), V("b", 3)));
        Assert.Equal("AddN: (2) + (3): shapes differ", g.Message);
    }

    [Fact]
    public void Cotangent_count_differs_from_output_count()
    {
        var x = V("x", 2);
        var e = Assert.Throws<ArgumentException>(() => Reverse.Vjp([x.Sin(), x.Cos()], [Node.Zeros(x.Shape)], [x]));
        Assert.Equal("Vjp: 2 outputs but 1 cotangents", e.Message);
    }

    [Fact]
    public void Structural_ops_name_their_shapes()
    {
        Assert.Equal("Fill(2×2): (3) to (2×2): only a scalar fills a shape",
            Assert.Throws<ShapeException>(() => V("s", 3).Fill(Shape.Matrix(2, 2))).Message);
        Assert.StartsWith("BroadcastColumns(3): (2×2) is not a vector (to repeat it along a new last axis, use .BroadcastTo(Shape.Of(2, 2, 3), 2))",
            Assert.Throws<ShapeException>(() => V("m", 2, 2).BroadcastColumns(3)).Message);
        Assert.Equal("Broadcast: count -1 is negative", Assert.Throws<ArgumentException>(() => new Functional.Ops.Broadcast(0, -1)).Message);
        Assert.Equal("MatMul(A·Bᵀ): (3×4)·(5)ᵀ: needs a matrix times a matrix or a vector",
            Assert.Throws<ShapeException>(() => Node.Apply(new Functional.Ops.MatMul(false, true), V("A", 3, 4), V("v", 5))).Message);
        Assert.Equal("Pow: the exponent must be finite, got NaN", Assert.Throws<ArgumentException>(() => new Functional.Ops.Pow(double.NaN)).Message);
        var gather = new Functional.Ops.Gather("Row(0)", Shape.Matrix(2, 3), Shape.Vector(3), [0, 2, 4]);
        Assert.Equal("Row(0): (3×2): this selection is for (2×3)", Assert.Throws<ShapeException>(() => Node.Apply(gather, V("A", 3, 2))).Message);
        Assert.Equal("Scatter[Row(0)]: (2): this scatter takes (3)",
            Assert.Throws<ShapeException>(() => Node.Apply(new Functional.Ops.Scatter(gather), V("r", 2))).Message);
        Assert.Equal("Row(9): position 9 is outside (2×3)",
            Assert.Throws<ShapeException>(() => new Functional.Ops.Gather("Row(9)", Shape.Matrix(2, 3), Shape.Vector(1), [9])).Message);
    }

    [Fact]
    public void Cross_entropy_of_an_empty_batch()
    {
        var e = Assert.Throws<ShapeException>(() => V("logits", 0, 3).CrossEntropy([]));
        Assert.Equal("CrossEntropy: the batch (0×3) is empty", e.Message);
    }
}
