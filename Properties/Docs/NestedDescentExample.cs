// The code of docs/loops.md "Nested gradient descent", compiled here; LoopsGuideTests checks the guide shows exactly this.
namespace AutoDiff.Functional.Properties.Docs;

public static class NestedDescentExample
{
    /// <summary>y*(θ) = argmin_y (y − θ)² + y⁴/4 by gradient descent, and d/dθ (y* − 1)² through the descent.</summary>
    public static (double Argmin, double Derivative) Run(double thetaValue)
    {
        // GUIDE:begin
        var theta = Node.Variable("θ", Shape.Scalar);
        Node Inner(Node y) => (y - theta).Square() + y.Pow(4) / 4;
        Node Slope(Node y) => Reverse.Grad(Inner(y), [y])[0];       // y is the loop's carry: a variable

        var yStar = Loop.While(Node.Constant(0.0),
            keepGoing: y => Slope(y).Abs() - 1e-12,                 // while |∂f/∂y| > 1e-12
            body: y => y - 0.1 * Slope(y), maxSteps: 10_000);
        var loss = (yStar - 1).Square();

        var at = Bindings.Empty.Bind(theta, thetaValue);
        double argmin = Evaluator.Evaluate(yStar, at).ToScalar();
        double dLoss = AD.Grad(loss, at, theta)[0].ToScalar();      // reverse over reverse, through every step
        // GUIDE:end
        return (argmin, dLoss);
    }
}
