using AutoDiff.Functional;
using AutoDiff.Functional.Training;

// A minibatch classifier as a user writes it against the packages: a CSV it ships (int32 labels), an MLP from layers,
// Adam with early stopping on a held-out set, held-out accuracy, and a checkpoint saved, reloaded and predicting the
// same bits. Exit code 1 if the accuracy is poor or the reloaded model predicts differently.
var data = Csv.Read(Path.Combine(AppContext.BaseDirectory, "rings.csv"),
    CsvColumn.Matrix("X", "x1", "x2"), CsvColumn.Labels("ring", 3, "labels"));
var (train, heldOut) = data.Split(heldOut: 0.2, seed: 1);

var model = new Mlp([2, 32, 32, 3], Activation.Tanh);
var start = model.Init(Key.Of(42));
Func<int, Node> loss = rows => model.Apply(start, Node.Variable("X", Shape.Matrix(rows, 2)))
    .CrossEntropy(Node.Variable("labels", Shape.Vector(rows), DType.Int32));
var fit = Fit.Run(loss, start, new Adam(0.01), train, heldOut,
    new FitOptions { Epochs = 150, BatchSize = 32, Seed = 7, Patience = 15 });

var predicted = Labels.ArgMax(model.Predict(fit.Parameters, heldOut["X"]));
double accuracy = Metrics.Accuracy(predicted, heldOut["labels"]);

// The checkpoint is one safetensors file: the parameters, Adam's moments and the histories (Fit.Resume goes on from it).
var file = Path.Combine(Path.GetTempPath(), $"rings-{Environment.ProcessId}.safetensors");
Checkpoint.Save(file, fit);
var reloaded = Checkpoint.Load(file).Parameters;
File.Delete(file);
static long[] Bits(Tensor t) => [.. t.Values.ToArray().Select(BitConverter.DoubleToInt64Bits)];
bool same = Bits(model.Predict(reloaded, heldOut["X"])).SequenceEqual(Bits(model.Predict(fit.Parameters, heldOut["X"])));

Console.WriteLine($"{model}: {fit.Steps} steps, best epoch {fit.BestEpoch} of {fit.EpochLosses.Count}{(fit.StoppedEarly ? " (stopped early)" : "")}");
Console.WriteLine($"held-out loss {fit.HeldOutLosses[fit.BestEpoch]:G4}, accuracy {accuracy:P1} on {heldOut.Rows} points");
Console.WriteLine($"reloaded from the checkpoint ({reloaded.Describe()}): {(same ? "the same bits" : "DIFFERENT predictions")}");
return accuracy >= 0.9 && same ? 0 : 1;
