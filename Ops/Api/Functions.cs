namespace AutoDiff.Functional;

/// <summary>The functions of <see cref="NodeMath"/> and <see cref="Composites"/> that read as maths, callable as
/// <c>Sum(x)</c>, <c>Exp(x)</c> after <c>using static AutoDiff.Functional.Functions;</c> (C# does not import extension
/// methods as plain calls). Each is the extension method of the same name.</summary>
public static class Functions
{
    /// <summary>eˣ.</summary>
    public static Node Exp(Node x) => x.Exp();
    /// <summary>ln x.</summary>
    public static Node Log(Node x) => x.Log();
    /// <summary>sin x.</summary>
    public static Node Sin(Node x) => x.Sin();
    /// <summary>cos x.</summary>
    public static Node Cos(Node x) => x.Cos();
    /// <summary>√x.</summary>
    public static Node Sqrt(Node x) => x.Sqrt();
    /// <summary>x².</summary>
    public static Node Square(Node x) => x.Square();
    /// <summary>xᵖ.</summary>
    public static Node Pow(Node x, double p) => x.Pow(p);
    /// <summary>σ(x).</summary>
    public static Node Sigmoid(Node x) => x.Sigmoid();
    /// <summary>tanh x.</summary>
    public static Node Tanh(Node x) => x.Tanh();
    /// <summary>ln(1 + eˣ).</summary>
    public static Node Softplus(Node x) => x.Softplus();
    /// <summary>a·b.</summary>
    public static Node MatMul(Node a, Node b) => a.MatMul(b);
    /// <summary>Σ of all elements.</summary>
    public static Node Sum(Node x) => x.Sum();
    /// <summary>Σ along an axis.</summary>
    public static Node Sum(Node x, int axis) => x.Sum(axis);
    /// <summary>The mean of all elements.</summary>
    public static Node Mean(Node x) => x.Mean();
    /// <summary>The mean along an axis.</summary>
    public static Node Mean(Node x, int axis) => x.Mean(axis);
    /// <summary>log Σ exp along an axis.</summary>
    public static Node LogSumExp(Node x, int axis) => x.LogSumExp(axis);
    /// <summary>The softmax along an axis.</summary>
    public static Node Softmax(Node x, int axis) => x.Softmax(axis);
    /// <summary>The log-softmax along an axis.</summary>
    public static Node LogSoftmax(Node x, int axis) => x.LogSoftmax(axis);
    /// <summary>‖x‖² = Σ xᵢ².</summary>
    public static Node SquaredNorm(Node x) => x.SquaredNorm();
    /// <summary>‖x‖.</summary>
    public static Node Norm(Node x) => x.Norm();
}
