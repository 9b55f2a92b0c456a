// The two first-hour programs written with layers, counted against PyTorch versions of the same programs
// (docs/comparison/, lines that are neither blank nor comments). Each body between the markers is the whole program
// but its `using` lines (two: AutoDiff.Functional and AutoDiff.Functional.Training); LineCountTests runs both.
using AutoDiff.Functional.Training;

namespace AutoDiff.Functional.Properties.Layers;

public static class LineCountExamples
{
    public static double LogisticRegression(string path)
    {
        // count:begin
        var data = Csv.Read(path, CsvColumn.Matrix("X", "x1", "x2"), CsvColumn.Labels("label", 2, "labels"));
        var (train, test) = data.Split(heldOut: 0.2, seed: 0);
        var model = new Linear(2, 2);
        var start = model.Init(Key.Of(0));
        Func<int, Node> loss = n => model.Apply(start, Node.Variable("X", Shape.Matrix(n, 2)))
            .CrossEntropy(Node.Variable("labels", Shape.Vector(n), DType.Int32));
        var fit = Fit.Run(loss, start, new Adam(0.05), train, options: new FitOptions { Epochs = 50, BatchSize = 32 });
        double accuracy = Metrics.Accuracy(Labels.ArgMax(model.Predict(fit.Parameters, test["X"])), test["labels"]);
        Console.WriteLine($"held-out accuracy {accuracy:F3}");
        // count:end
        return accuracy;
    }

    public static double TwoMoons(string path)
    {
        // count:begin
        var data = Csv.Read(path, CsvColumn.Matrix("X", "x1", "x2"), CsvColumn.Labels("label", 2, "labels"));
        var (train, test) = data.Split(heldOut: 0.2, seed: 0);
        var model = new Mlp([2, 16, 16, 2], Activation.Relu);
        var start = model.Init(Key.Of(0));
        Func<int, Node> loss = n => model.Apply(start, Node.Variable("X", Shape.Matrix(n, 2)))
            .CrossEntropy(Node.Variable("labels", Shape.Vector(n), DType.Int32));
        var fit = Fit.Run(loss, start, new Adam(0.01), train, options: new FitOptions { Epochs = 100, BatchSize = 32 });
        double accuracy = Metrics.Accuracy(Labels.ArgMax(model.Predict(fit.Parameters, test["X"])), test["labels"]);
        Console.WriteLine($"held-out accuracy {accuracy:F3}");
        // count:end
        return accuracy;
    }
}
