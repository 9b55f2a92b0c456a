namespace AutoDiff.Functional.Models;

/// <summary>The linear classifier's graph: logits = X·W + b (b added to every row), loss = mean cross-entropy.</summary>
/// <param name="X">The data (N×n): samples are rows.</param>
/// <param name="W">The weights (n×C).</param>
/// <param name="B">The bias (C), one per class.</param>
/// <param name="Logits">X·W + b, (N×C).</param>
/// <param name="Loss">−(1/N) Σᵢ log softmax(logitsᵢ)[labelsᵢ], computed stably.</param>
/// <param name="Labels">The class of each sample, in 0..C−1.</param>
public sealed record LinearClassifier(Node X, Node W, Node B, Node Logits, Node Loss, IReadOnlyList<int> Labels)
{
    /// <summary>Binds data and parameters: X (N×n), W (n×C), b (C).</summary>
    public Bindings Bind(Tensor x, Tensor w, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(b);
        return Bindings.Empty.Bind(X, x).Bind(W, w).Bind(B, b);
    }
}

/// <summary>The deeper classifier's graph: h = tanh(X·W1 + b1), logits = h·W2 + b2, loss = mean cross-entropy.</summary>
/// <param name="X">The data (N×n).</param>
/// <param name="W1">First layer weights (n×H).</param>
/// <param name="B1">First layer bias (H).</param>
/// <param name="W2">Second layer weights (H×C).</param>
/// <param name="B2">Second layer bias (C).</param>
/// <param name="Logits">The logits (N×C).</param>
/// <param name="Loss">The mean cross-entropy.</param>
/// <param name="Labels">The class of each sample.</param>
public sealed record DeepClassifier(Node X, Node W1, Node B1, Node W2, Node B2, Node Logits, Node Loss, IReadOnlyList<int> Labels)
{
    /// <summary>The parameters, in order W1, b1, W2, b2.</summary>
    public Node[] Parameters => [W1, B1, W2, B2];

    /// <summary>Binds data and parameters.</summary>
    public Bindings Bind(Tensor x, Tensor w1, Tensor b1, Tensor w2, Tensor b2)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w1);
        ArgumentNullException.ThrowIfNull(b1);
        ArgumentNullException.ThrowIfNull(w2);
        ArgumentNullException.ThrowIfNull(b2);
        return Bindings.Empty.Bind(X, x).Bind(W1, w1).Bind(B1, b1).Bind(W2, w2).Bind(B2, b2);
    }
}

/// <summary>Seed 000, task 2: multiclass classification with the cross-entropy
/// xEntropy = −(1/N) Σᵢ log(exp(ŷᵢ,yᵢ) / Σⱼ exp(ŷᵢⱼ)), over a linear model ŷᵢ = W·xᵢ + b (here, with samples as rows,
/// logits = X·W + b) and over the composition linear → tanh → linear.</summary>
public static class SoftmaxClassifier
{
    /// <summary>The linear classifier for N samples of n features and C classes; labels has one entry per sample.</summary>
    public static LinearClassifier BuildLinear(int features, int classes, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        int samples = labels.Count;
        var X = Node.Variable("X", Shape.Matrix(samples, features));
        var W = Node.Variable("W", Shape.Matrix(features, classes));
        var b = Node.Variable("b", Shape.Vector(classes));
        var logits = Linear(X, W, b);
        return new(X, W, b, logits, logits.CrossEntropy(labels), labels);
    }

    /// <summary>linear → tanh → linear with <paramref name="hidden"/> units in between.</summary>
    public static DeepClassifier BuildDeep(int features, int hidden, int classes, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        int samples = labels.Count;
        var X = Node.Variable("X", Shape.Matrix(samples, features));
        var W1 = Node.Variable("W1", Shape.Matrix(features, hidden));
        var b1 = Node.Variable("b1", Shape.Vector(hidden));
        var W2 = Node.Variable("W2", Shape.Matrix(hidden, classes));
        var b2 = Node.Variable("b2", Shape.Vector(classes));
        var h = Linear(X, W1, b1).Tanh();
        var logits = Linear(h, W2, b2);
        return new(X, W1, b1, W2, b2, logits, logits.CrossEntropy(labels), labels);
    }

    /// <summary>X·W + b with the bias repeated for every row (sample) of X: an explicit broadcast, never a silent one.</summary>
    public static Node Linear(Node X, Node W, Node b)
    {
        ArgumentNullException.ThrowIfNull(X);
        ArgumentNullException.ThrowIfNull(W);
        ArgumentNullException.ThrowIfNull(b);
        return X.MatMul(W) + b.BroadcastRows(X.Shape[0]);
    }
}
