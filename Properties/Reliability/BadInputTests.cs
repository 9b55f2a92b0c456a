using System.Runtime.CompilerServices;
using Xunit;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>The catalogue of bad input (mirrored in ERRORS.md): one test per class, each asserting the exact message
/// the user sees and that nothing already built or computed changes. The reference graph F is evaluated and
/// differentiated before and after every failed call; the bits must be the same.</summary>
public class BadInputTests
{
    static readonly Node X = Node.Variable("x", Shape.Matrix(2, 3));
    static readonly Node V = Node.Variable("v", Shape.Vector(3));
    static readonly Node F = X.MatMul(X.T()).Sin().Sum() + X.Exp().Mean();
    static readonly Bindings At = Bindings.Empty.Bind(X, Tensor.Matrix(new[,] { { 0.1, 0.2, 0.3 }, { -0.4, 0.5, -0.6 } }));

    static long[] Snapshot()
    {
        var (value, gradients) = AD.ValueAndGrad(F, At, X);
        return [.. value.Values.ToArray().Concat(gradients[0].Values.ToArray()).Select(BitConverter.DoubleToInt64Bits),
                Topology.Of([F]).Order.Length];
    }

    /// <summary>Runs a call that must fail with <typeparamref name="TException"/>, checks that the reference graph
    /// gives the same bits afterwards, and returns the exception.</summary>
    static TException Fails<TException>(Func<object?> call) where TException : Exception
    {
        var before = Snapshot();
        var e = Assert.Throws<TException>(() => call());
        Assert.Equal(before, Snapshot());
        return e;
    }

    static int Line([CallerLineNumber] int line = 0) => line;

    // ---- shapes --------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("Add")]
    [InlineData("Sub")]
    [InlineData("Mul")]
    [InlineData("Div")]
    public void Binary_ops_refuse_different_shapes_other_than_a_scalar(string op)
    {
        var y = Node.Variable("y", Shape.Matrix(3, 2));
        Func<object?> call = op switch
        {
            "Add" => () => X + y,
            "Sub" => () => X - y,
            "Mul" => () => X * y,
            _ => () => X / y,
        };
        var e = Fails<ShapeException>(call);
        Assert.Equal($"{op}: (2×3) and (3×2): shapes differ, and only a scalar broadcasts implicitly " +
                     "(use Reshape to give both one shape (both have 6 elements), or BroadcastTo(shape, newAxes) to repeat one along new axes)", e.Message);
    }

    [Fact]
    public void MatMul_names_both_shapes_and_the_transposes_when_inner_dimensions_differ()
    {
        var b24 = Node.Variable("b", Shape.Matrix(2, 4));
        var c34 = Node.Variable("c", Shape.Matrix(3, 4));
        var v2 = Node.Variable("w", Shape.Vector(2));
        Assert.Equal("MatMul: (2×3)·(2×4): inner dimensions 3 and 2 differ",
            Fails<ShapeException>(() => X.MatMul(b24)).Message);
        Assert.Equal("MatMul: (2×3)·(2): inner dimensions 3 and 2 differ",
            Fails<ShapeException>(() => X.MatMul(v2)).Message);
        Assert.Equal("MatMul(Aᵀ·B): (2×3)ᵀ·(3×4): inner dimensions 2 and 3 differ",
            Fails<ShapeException>(() => X.T().MatMul(c34)).Message);
        Assert.Equal("MatMul(Aᵀ·B): (2×3)ᵀ·(3): inner dimensions 2 and 3 differ",
            Fails<ShapeException>(() => X.T().MatMul(V)).Message);
        Assert.Equal("MatMul(A·Bᵀ): (2×3)·(3×4)ᵀ: inner dimensions 3 and 4 differ",
            Fails<ShapeException>(() => X.MatMul(c34.T())).Message);
        Assert.Equal("MatMul: (3)·(2×3): inner dimensions 3 and 2 differ",
            Fails<ShapeException>(() => V.MatMul(X)).Message);
    }

    [Fact]
    public void Broadcasts_take_only_what_they_can_repeat()
    {
        Assert.Equal("BroadcastRows(2): (2×3) is not a vector (to repeat it along a new first axis, use .BroadcastTo(Shape.Of(2, 2, 3), 0))",
            Fails<ShapeException>(() => X.BroadcastRows(2)).Message);
        Assert.Equal("BroadcastColumns(3): () is not a vector (to repeat it along a new last axis, use .BroadcastTo(Shape.Of(3), 0))",
            Fails<ShapeException>(() => F.BroadcastColumns(3)).Message);
        Assert.Equal("Broadcast: count -1 is negative",
            Fails<ArgumentException>(() => V.BroadcastRows(-1)).Message);
        Assert.Equal("Fill(2×2): (3) to (2×2): only a scalar fills a shape",
            Fails<ShapeException>(() => V.Fill(Shape.Matrix(2, 2))).Message);
        // A broadcast of the wrong length is caught where it meets the other operand.
        Assert.Equal("Add: (2×3) and (3×3): shapes differ, and only a scalar broadcasts implicitly " +
                     "(the first axis, rows, is 2 in one and 3 in the other: if they are a batch, build the graph for the batch's row count " +
                     "(Fit calls loss(rows) with each batch's); otherwise BroadcastTo(shape, newAxes) repeats one along new axes)",
            Fails<ShapeException>(() => X + V.BroadcastColumns(3)).Message);
    }

    [Fact]
    public void A_batch_of_the_wrong_size_points_to_the_graphs_row_count()
    {
        // A loss built for 100 rows, given a batch of 32: no broadcast is the fix, the row count is.
        var prediction = Node.Variable("p", Shape.Vector(32));
        var labels = Node.Variable("y", Shape.Vector(100));
        Assert.Equal("Sub: (32) and (100): shapes differ, and only a scalar broadcasts implicitly " +
                     "(the first axis, rows, is 32 in one and 100 in the other: if they are a batch, build the graph for the batch's row count " +
                     "(Fit calls loss(rows) with each batch's); otherwise BroadcastTo(shape, newAxes) repeats one along new axes)",
            Fails<ShapeException>(() => prediction - labels).Message);
    }

    [Fact]
    public void Second_derivatives_of_a_non_scalar_name_the_call()
    {
        Assert.Equal("Transforms.Hessian: f's output Sin(3) has shape (3); second derivatives need a scalar output (sum the outputs, or take one at a time)",
            Fails<ShapeException>(() => Transforms.Hessian(x => x.Sin())(Tensor.Vector(1, 2, 3))).Message);
        Assert.Equal("Transforms.Hvp: f's output Sin(3) has shape (3); second derivatives need a scalar output (sum the outputs, or take one at a time)",
            Fails<ShapeException>(() => Transforms.Hvp(x => x.Sin())(Tensor.Vector(1, 2, 3), Tensor.Vector(1, 0, 0))).Message);
        Assert.Equal("Hessian: f's output Sin(2×3) has shape (2×3); second derivatives need a scalar output (sum the outputs, or take one at a time)",
            Fails<ShapeException>(() => AD.Hessian(X.Sin(), At, X)).Message);
    }

    [Fact]
    public void Reshape_needs_the_same_number_of_elements()
    {
        Assert.Equal("Reshape(5): (2×3) to (5): sizes 6 and 5 differ",
            Fails<ShapeException>(() => X.Reshape(Shape.Vector(5))).Message);
    }

    [Fact]
    public void Transpose_of_a_vector_says_to_reshape_it()
    {
        Assert.Equal("Transpose: (3): needs a matrix (use Reshape to turn a vector into a row or a column)",
            Fails<ShapeException>(() => V.T()).Message);
    }

    [Fact]
    public void Reductions_and_selections_name_the_axis_or_index()
    {
        Assert.Equal("SumAxis(2): (2×3) has no axis 2 to reduce (a matrix has axes 0 and 1)",
            Fails<ShapeException>(() => X.Sum(2)).Message);
        Assert.Equal("At(3): index 3 is out of range for (3) (Parameter 'index')",
            Fails<ArgumentOutOfRangeException>(() => V.At(3)).Message);
        Assert.Equal("Row(0): (3) is not a matrix",
            Fails<ShapeException>(() => V.Row(0)).Message);
        Assert.Equal("At(0): (2×3) is not a vector (use At(i, j) for a matrix)",
            Fails<ShapeException>(() => X.At(0)).Message);
    }

    // ---- caller location -----------------------------------------------------------------------------------

    [Fact]
    public void A_shape_error_says_which_line_of_the_callers_code_built_the_node()
    {
        var y = Node.Variable("y", Shape.Matrix(3, 2));
        var (e, line) = (Assert.Throws<ShapeException>(() => X + y), Line());
        Assert.Equal($"BadInputTests.cs:line {line}", e.CallerLocation);
        Assert.Contains($"shapes differ, and only a scalar broadcasts implicitly (use Reshape to give both one shape (both have 6 elements), or BroadcastTo(shape, newAxes) to repeat one along new axes) (at BadInputTests.cs:line {line})", e.ToString());
        Assert.StartsWith("Add: (2×3) and (3×2)", e.Message);   // the message itself is unchanged
        Assert.DoesNotContain("line", e.Message);

        // Through a library call that builds nodes for the user (CrossEntropy → Mean), still the user's line.
        var empty = Node.Variable("batch", Shape.Matrix(0, 3));
        var (e2, line2) = (Assert.Throws<ShapeException>(() => empty.CrossEntropy([])), Line());
        Assert.Equal($"BadInputTests.cs:line {line2}", e2.CallerLocation);
    }

    // ---- bindings ------------------------------------------------------------------------------------------

    [Fact]
    public void A_variable_whose_twin_of_the_same_name_is_bound_names_both_nodes()
    {
        // The case: a graph rebuilt (or a variable made again) binds by node, so the twin is no binding for it.
        var twin = Node.Variable("x", Shape.Matrix(2, 3));
        var expected = $"variable 'x' (2×3) (node #{X.Id}) is not bound, but another node of that name is: 'x' (2×3) (node #{twin.Id}). " +
            "Bindings go by node, not by name: bind the variable this graph holds (Fit, Objective and Layer bind by name)";
        var at = Bindings.Empty.Bind(twin, At[X]);
        Assert.Equal(expected, Fails<BindingException>(() => Evaluator.Evaluate(F, at)).Message);
        Assert.Equal(expected, Fails<BindingException>(() => AD.ValueAndGrad(F, at, X)).Message);
        Assert.Equal(expected, Fails<BindingException>(() => Plan.Compile(F).Run(at)).Message);
    }

    [Fact]
    public void An_unbound_variable_is_named_with_its_shape()
    {
        Assert.Equal("variable 'x' (2×3) is not bound",
            Fails<BindingException>(() => Evaluator.Evaluate(F, Bindings.Empty)).Message);
        Assert.Equal("variable 'x' (2×3) is not bound",
            Fails<BindingException>(() => AD.ValueAndGrad(F, Bindings.Empty, X)).Message);
    }

    [Fact]
    public void A_variable_bound_twice_is_an_error_and_the_first_binding_stays()
    {
        var twice = Fails<BindingException>(() => At.Bind(X, Tensor.Zeros(Shape.Matrix(2, 3))));
        Assert.Equal("variable 'x' is bound twice", twice.Message);
        Assert.Equal(0.1, At[X][0, 0]);   // At itself is untouched (Snapshot evaluated it too)
    }

    [Fact]
    public void A_value_of_the_wrong_shape_is_refused_when_bound()
    {
        Assert.Equal("variable 'x' has shape (2×3) but is bound to a value of shape (3)",
            Fails<BindingException>(() => Bindings.Empty.Bind(X, Tensor.Vector(1, 2, 3))).Message);
        Assert.Equal("variable 'x' has shape (2×3) but is bound to a value of shape (3×2)",
            Fails<BindingException>(() => Bindings.Empty.Bind(X, Tensor.Zeros(Shape.Matrix(3, 2)))).Message);
    }

    [Fact]
    public void Two_different_variables_with_one_name_are_refused_at_evaluation()
    {
        var f = F;                                   // built first: the message names the first-built variable first
        var other = Node.Variable("x", Shape.Vector(3));
        var both = At.Bind(other, Tensor.Vector(1, 2, 3));
        Assert.Equal("two different variables are named 'x' ((2×3) and (3))",
            Fails<BindingException>(() => Evaluator.Evaluate(f + other.Sum(), both)).Message);
    }

    [Fact]
    public void Binding_something_that_is_not_a_variable_is_refused()
    {
        Assert.Equal("Bind: Sin(2×3) is not a variable",
            Fails<BindingException>(() => Bindings.Empty.Bind(X.Sin(), Tensor.Zeros(Shape.Matrix(2, 3)))).Message);
    }

    // ---- differentiation -----------------------------------------------------------------------------------

    [Fact]
    public void Differentiating_with_respect_to_a_non_variable_is_an_error_in_both_modes()
    {
        Assert.Equal("Grad: can only differentiate with respect to variables, not Sin(2×3)",
            Fails<ArgumentException>(() => AD.Grad(F, At, X.Sin())).Message);
        Assert.Equal("Jvp: can only differentiate with respect to variables, not Sin(2×3)",
            Fails<ArgumentException>(() => AD.Jvp([F], At, (X.Sin(), Tensor.Zeros(Shape.Matrix(2, 3))))).Message);
        Assert.Equal("Vjp: can only differentiate with respect to variables, not Sin(2×3)",
            Fails<ArgumentException>(() => AD.Vjp(F, At, Tensor.Scalar(1), X.Sin())).Message);
        foreach (var (who, call) in new (string, Func<object?>)[]
        {
            ("JacFwd", () => AD.JacFwd(F, At, X.Sin())), ("JacRev", () => AD.JacRev(F, At, X.Sin())),
            ("Hessian", () => AD.Hessian(F, At, X.Sin())), ("Hvp", () => AD.Hvp(F, At, (X.Sin(), Tensor.Zeros(Shape.Matrix(2, 3))))),
            ("GradCheck", () => GradCheck.Check(F, At, [X.Sin()])),
        })
            Assert.Equal($"{who}: can only differentiate with respect to variables, not Sin(2×3)", Fails<ArgumentException>(call).Message);
        Assert.Equal("Bindings: Sin(2×3) is not a variable", Fails<BindingException>(() => At[X.Sin()]).Message);
        Assert.Equal("Grad: variable 'x' is listed twice",
            Fails<ArgumentException>(() => AD.Grad(F, At, X, X)).Message);
    }

    [Fact]
    public void A_variable_the_output_does_not_depend_on_gets_a_zero_gradient_of_its_shape()
    {
        var z = Node.Variable("z", Shape.Matrix(4, 1));
        var before = Snapshot();
        var gradients = AD.Grad(F, At, X, z);   // z need not even be bound: nothing reads it
        Assert.Equal(Shape.Matrix(4, 1), gradients[1].Shape);
        Assert.All(gradients[1].Values.ToArray(), g => Assert.Equal(0.0, g));
        var (_, tangents) = AD.Jvp([F], At.Bind(z, Tensor.Filled(Shape.Matrix(4, 1), 1)), (z, Tensor.Filled(Shape.Matrix(4, 1), 1)));
        Assert.Equal(Shape.Scalar, tangents[0].Shape);
        Assert.Equal(0.0, tangents[0].ToScalar());
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void The_gradient_of_a_non_scalar_output_points_to_Vjp()
    {
        Assert.Equal("Grad: the output Sin(2×3) has shape (2×3); a gradient needs a scalar output (use Vjp with a cotangent)",
            Fails<ShapeException>(() => AD.Grad(X.Sin(), At, X)).Message);
    }

    [Fact]
    public void Tangents_and_cotangents_of_the_wrong_shape_are_refused()
    {
        Assert.Equal("Jvp: variable 'x' has shape (2×3) but its tangent has shape (3)",
            Fails<ShapeException>(() => AD.Jvp([F], At, (X, Tensor.Vector(1, 2, 3)))).Message);
        Assert.Equal("Vjp: output 0 has shape (2×3) but its cotangent has shape (3)",
            Fails<ShapeException>(() => AD.Vjp(X.Sin(), At, Tensor.Vector(1, 2, 3), X)).Message);
    }

    // ---- labels and empty batches --------------------------------------------------------------------------

    [Fact]
    public void Labels_out_of_range_or_negative_are_refused_by_PickPerRow_and_CrossEntropy()
    {
        Assert.Equal("PickPerRow: label 3 of row 1 is outside the 3 classes 0..2 of (2×3) (Parameter 'labels')",
            Fails<ArgumentOutOfRangeException>(() => X.PickPerRow([0, 3])).Message);
        Assert.Equal("PickPerRow: label -1 of row 0 is outside the 3 classes 0..2 of (2×3) (Parameter 'labels')",
            Fails<ArgumentOutOfRangeException>(() => X.PickPerRow([-1, 0])).Message);
        Assert.Equal("PickPerRow: label 3 of row 1 is outside the 3 classes 0..2 of (2×3) (Parameter 'labels')",
            Fails<ArgumentOutOfRangeException>(() => X.CrossEntropy([0, 3])).Message);
        Assert.Equal("PickPerRow: label -1 of row 0 is outside the 3 classes 0..2 of (2×3) (Parameter 'labels')",
            Fails<ArgumentOutOfRangeException>(() => X.CrossEntropy([-1, 0])).Message);
        Assert.Equal("PickPerRow: 1 labels for (2×3), one per row is needed",
            Fails<ShapeException>(() => X.CrossEntropy([0])).Message);
    }

    [Fact]
    public void An_empty_batch_is_refused_by_Mean_and_CrossEntropy()
    {
        var empty = Node.Variable("batch", Shape.Matrix(0, 3));
        Assert.Equal("Mean: (0×3) has no elements", Fails<ShapeException>(() => empty.Mean()).Message);
        Assert.Equal("Mean: axis 0 of (0×3) is empty", Fails<ShapeException>(() => empty.Mean(0)).Message);
        Assert.Equal("CrossEntropy: the batch (0×3) is empty", Fails<ShapeException>(() => empty.CrossEntropy([])).Message);
        Assert.Equal("LogSumExp(0): (0×3): axis 0 is empty, and log Σ exp of nothing is −∞",
            Fails<ShapeException>(() => empty.LogSumExp(0)).Message);
    }

    // ---- NaN and ∞: the checking mode ----------------------------------------------------------------------

    static Bindings VAt(params double[] v) => Bindings.Empty.Bind(V, Tensor.Vector(v));

    [Fact]
    public void FiniteCheck_names_the_forward_node_that_made_a_NaN()
    {
        var e = Fails<NonFiniteException>(() => FiniteCheck.Evaluate([V.Log().Sum()], VAt(1, -1, 2)));
        Assert.Equal("non-finite value in the forward pass: Log (3) produced 1 NaN of 3 element(s) from finite inputs (3) in [-1, 2]", e.Message);
        Assert.Equal("forward", e.Origin.Pass);
    }

    [Fact]
    public void FiniteCheck_names_the_backward_node_when_only_the_gradient_is_infinite()
    {
        var e = Fails<NonFiniteException>(() => FiniteCheck.ValueAndGrad(V.Sqrt().Sum(), VAt(0, 1, 4), V));
        Assert.Equal("backward", e.Origin.Pass);
        Assert.Equal("non-finite value in the backward pass: Div (3) produced 1 ±∞ of 3 element(s) from finite inputs () = 0.5, (3) in [0, 2]", e.Message);
    }

    [Fact]
    public void FiniteCheck_reports_an_absorbed_NaN_without_throwing()
    {
        var output = V.Log().At(0);
        var before = Snapshot();
        var report = FiniteCheck.Inspect([output], VAt(1, -1, 2));
        Assert.Equal("forward: Log (3) produced 1 NaN of 3 element(s) from finite inputs (3) in [-1, 2] (absorbed: it cannot reach the output)",
            report.ToString());
        Assert.Equal(0.0, FiniteCheck.Evaluate([output], VAt(1, -1, 2))[0].ToScalar());
        Assert.Equal(before, Snapshot());
    }

    // ---- errors as values ----------------------------------------------------------------------------------

    [Fact]
    public void Checked_calls_return_the_same_messages_as_values()
    {
        var y = Node.Variable("y", Shape.Matrix(3, 2));
        var before = Snapshot();
        var built = Checked.Apply(new AutoDiff.Functional.Ops.Add(), X, y);
        Assert.True(built.IsFail);
        built.IfFail(error => Assert.Equal("Add: (2×3) and (3×2): shapes differ, and only a scalar broadcasts implicitly " +
                                           "(use Reshape to give both one shape (both have 6 elements), or BroadcastTo(shape, newAxes) to repeat one along new axes)", error.Message));
        Checked.Evaluate([F], Bindings.Empty).IfFail(error => Assert.Equal("variable 'x' (2×3) is not bound", error.Message));
        Assert.True(Checked.Evaluate([F], Bindings.Empty).IsFail);
        Assert.Equal(before, Snapshot());
    }
}
