namespace AutoDiff.Functional;

/// <summary>Functions composed from primitives: they need no rules of their own.</summary>
public static class Composites
{
    /// <summary>softmax along <paramref name="axis"/>: exp(x − max) / Σ exp(x − max), right at any finite magnitude.</summary>
    public static Node Softmax(this Node x, int axis) => Node.Apply(new Ops.Softmax(axis), x);

    /// <summary>log softmax along <paramref name="axis"/>: (x − max) − log Σ exp(x − max), right at any finite magnitude.</summary>
    public static Node LogSoftmax(this Node x, int axis) => Node.Apply(new Ops.LogSoftmax(axis), x);

    /// <summary>Mean cross-entropy of (N×C) logits against integer labels in 0..C−1:
    /// −(1/N) Σᵢ log softmax(logitsᵢ)[labelsᵢ]. Labels out of range and empty batches are errors.</summary>
    public static Node CrossEntropy(this Node logits, IReadOnlyList<int> labels) =>
        logits is null ? throw new ArgumentNullException(nameof(logits))
        : labels is null ? throw new ArgumentNullException(nameof(labels))
        : logits.Shape.Rank == 2 && logits.Shape[0] == 0
            ? throw new ShapeException($"CrossEntropy: the batch {logits.Shape} is empty")
            : -logits.LogSoftmax(1).PickPerRow(labels).Mean();

    /// <summary>Mean cross-entropy of (N×C) logits against int32 labels bound per call (a minibatch's labels):
    /// −(1/N) Σᵢ log softmax(logitsᵢ)[labelsᵢ]. A label outside 0..C−1 is an <see cref="IndexException"/> when the
    /// graph runs; an empty batch is an error now.</summary>
    public static Node CrossEntropy(this Node logits, Node labels) =>
        logits is null ? throw new ArgumentNullException(nameof(logits))
        : labels is null ? throw new ArgumentNullException(nameof(labels))
        : logits.Shape.Rank == 2 && logits.Shape[0] == 0
            ? throw new ShapeException($"CrossEntropy: the batch {logits.Shape} is empty")
            : -logits.LogSoftmax(1).PickPerRow(labels).Mean();

    /// <summary>‖x‖² = Σ x², the squared Frobenius norm of a matrix.</summary>
    public static Node SquaredNorm(this Node x) => x.Square().Sum();

    /// <summary>‖x‖ = √(Σ x²).</summary>
    public static Node Norm(this Node x) => x.SquaredNorm().Sqrt();
}
