namespace AutoDiff.Functional;

/// <summary>The same functions as <see cref="NodeMath"/>, callable as <c>Sum(x)</c>, <c>Exp(x)</c> after
/// <c>using static AutoDiff.Functional.Functions;</c> (C# does not import extension methods as plain calls).</summary>
public static class Functions
{
    /// <summary>Σ of all elements.</summary>
    public static Node Sum(Node x) => x.Sum();
    /// <summary>Σ along an axis.</summary>
    public static Node Sum(Node x, int axis) => x.Sum(axis);
    /// <summary>The mean of all elements.</summary>
    public static Node Mean(Node x) => x.Mean();
    /// <summary>The mean along an axis.</summary>
    public static Node Mean(Node x, int axis) => x.Mean(axis);
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
    /// <summary>σ(x).</summary>
    public static Node Sigmoid(Node x) => x.Sigmoid();
    /// <summary>tanh x.</summary>
    public static Node Tanh(Node x) => x.Tanh();
    /// <summary>A variable (a named input).</summary>
    public static Node Variable(string name, Shape shape) => Node.Variable(name, shape);
    /// <summary>A constant.</summary>
    public static Node Constant(Tensor value) => Node.Constant(value);
}
