using System.Diagnostics;
using AutoDiff.Functional.Properties.Support;
using Xunit;

namespace AutoDiff.Functional.Properties.Transformations;

public class DotTests
{
    static (Node Loss, Node X) SigmoidNet()
    {
        var x = Node.Variable("x", Shape.Vector(4));
        var a = Node.Variable("A", Shape.Matrix(3, 4));
        var b = Node.Variable("B", Shape.Matrix(2, 3));
        return (b.MatMul(a.MatMul(x).Sigmoid()).Sigmoid().Sum(), x);
    }

    [Fact]
    public void Dot_names_every_node_and_edge()
    {
        var (loss, x) = SigmoidNet();
        var dot = Dot.Of(loss, "net");
        Assert.StartsWith("digraph \"net\" {", dot);
        Assert.Contains("MatMul", dot);
        Assert.Contains("Sigmoid", dot);
        Assert.Contains("x\\n(4)", dot);
        Assert.Contains("peripheries=2", dot);
        var nodes = Topology.Of([loss]).Order;
        Assert.Equal(nodes.Length, dot.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*n\d+ \[")));
        Assert.Equal(nodes.Sum(n => n.Inputs.Length), dot.Split('\n').Count(l => l.Contains("->")));
    }

    /// <summary>Skipped, with the reason in the test output, when Graphviz is missing (CI installs it).</summary>
    [GraphvizFact]
    public void Graphviz_accepts_the_graph_and_its_gradient_graph()
    {
        var (loss, x) = SigmoidNet();
        var gradient = Reverse.Grad(loss, [x])[0];
        foreach (var dot in new[] { Dot.Of(loss), Dot.Of([loss, gradient], "gradient") })
        {
            ProcessStartInfo start = new("dot", "-Tsvg") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            process.StandardInput.Write(dot);
            process.StandardInput.Close();
            var svg = process.StandardOutput.ReadToEnd();
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, errors);
            Assert.Contains("<svg", svg);
        }
    }
}
