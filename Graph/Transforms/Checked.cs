using LanguageExt;
using LanguageExt.Common;

namespace AutoDiff.Functional;

/// <summary>The boundary calls with errors as values: each returns <see cref="Fin{A}"/>, a success or an
/// <see cref="Error"/> carrying the same message the throwing call would give (naming the op, the shapes, the
/// variable). Use these where bad input is expected, such as shapes or bindings that come from a user or a file.</summary>
public static class Checked
{
    /// <summary>Builds a node, or says why its shapes do not fit.</summary>
    public static Fin<Node> Apply(Op op, params Node[] inputs) => Try(() => Node.Apply(op, inputs));

    /// <summary>Adds a binding, or says why it is wrong (not a variable, wrong shape, bound twice).</summary>
    public static Fin<Bindings> Bind(Bindings bindings, Node variable, Tensor value) => Try(() => (bindings ?? throw new ArgumentNullException(nameof(bindings))).Bind(variable, value));

    /// <summary>Evaluates outputs, or says which variable is unbound or clashes.</summary>
    public static Fin<Tensor[]> Evaluate(IReadOnlyList<Node> outputs, Bindings bindings) => Try(() => Evaluator.Evaluate(outputs, bindings));

    /// <summary>A value and gradients, or the reason they cannot be computed.</summary>
    public static Fin<(Tensor Value, Tensor[] Gradients)> ValueAndGrad(Node output, Bindings bindings, params Node[] wrt) =>
        Try(() => AD.ValueAndGrad(output, bindings, wrt));

    // Only misuse the caller can fix becomes an Error; internal bugs still throw.
    static Fin<T> Try<T>(Func<T> body)
    {
        try { return body(); }
        catch (ArgumentException e) { return Error.New(e.Message); }
    }
}
