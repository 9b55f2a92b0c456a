using AutoDiff.Functional.Training;

namespace AutoDiff.Functional.Models;

/// <summary>The linear classifier's graph: logits = X·W + b (b added to every row), loss = mean cross-entropy.</summary>
/// <param name="X">The data (N×n): samples are rows.</param>
/// <param name="W">The weights (n×C), the <see cref="Training.Linear"/> layer's "kernel".</param>
/// <param name="B">The bias (C), one per class, the layer's "bias".</param>
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
/// <param name="W1">First layer weights (n×H), "0.kernel".</param>
/// <param name="B1">First layer bias (H), "0.bias".</param>
/// <param name="W2">Second layer weights (H×C), "2.kernel".</param>
/// <param name="B2">Second layer bias (C), "2.bias".</param>
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
/// logits = X·W + b) and over the composition linear → tanh → linear, both written with the layers of
/// <see cref="Training"/> and the library's cross-entropy.</summary>
/// <remarks>The seed's labels are fixed, so they are int32 constants of the graph (<c>CrossEntropy(int[])</c>), which
/// compiles to the seed's hand-written plan node for node; a minibatch fit binds them as int32 data instead
/// (<c>CrossEntropy(Node)</c>, as the README's classifier does).</remarks>
public static class SoftmaxClassifier
{
    /// <summary>logits = X·W + b, a <see cref="Training.Linear"/> layer.</summary>
    public static Linear LinearModel(int features, int classes) => new(features, classes);

    /// <summary>logits = tanh(X·W1 + b1)·W2 + b2.</summary>
    public static Sequential DeepModel(int features, int hidden, int classes) =>
        new(new Linear(features, hidden), Activation.Tanh, new Linear(hidden, classes));

    /// <summary>The linear classifier for N samples of n features and C classes; labels has one entry per sample.</summary>
    public static LinearClassifier BuildLinear(int features, int classes, IReadOnlyList<int> labels)
    {
        var (X, logits, loss, p) = Build(LinearModel(features, classes), features, labels);
        return new(X, p[0], p[1], logits, loss, labels);
    }

    /// <summary>linear → tanh → linear with <paramref name="hidden"/> units in between.</summary>
    public static DeepClassifier BuildDeep(int features, int hidden, int classes, IReadOnlyList<int> labels)
    {
        var (X, logits, loss, p) = Build(DeepModel(features, hidden, classes), features, labels);
        return new(X, p[0], p[1], p[2], p[3], logits, loss, labels);
    }

    /// <summary>The model's logits for X (N×n) and their mean cross-entropy against the labels, with the variable of
    /// each parameter of the model's tree, in its order.</summary>
    static (Node X, Node Logits, Node Loss, Node[] Parameters) Build(Layer model, int features, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var X = Node.Variable("X", Shape.Matrix(labels.Count, features));
        var layout = model.Init(Key.Of(0));   // the tree's names and shapes; the values are bound later
        var logits = model.Apply(layout, X);
        return (X, logits, logits.CrossEntropy(labels), [.. layout.VariablesIn(logits).Select(v => v!)]);
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
