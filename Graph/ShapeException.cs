namespace AutoDiff.Functional;

/// <summary>A node could not be built because its inputs' shapes do not fit its op.
/// The message names the op and the shapes, e.g. <c>MatMul: (3×4)·(5×2): inner dimensions 4 and 5 differ</c>.</summary>
public sealed class ShapeException(string message) : ArgumentException(message);

/// <summary>A graph could not be evaluated with the given bindings (unbound variable, wrong shape, ...).</summary>
public sealed class BindingException(string message) : ArgumentException(message);
