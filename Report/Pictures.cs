using System.Diagnostics;
using AutoDiff.Functional.Models;

namespace AutoDiff.Functional.Report;

/// <summary><c>--pictures DIR</c>: writes the sigmoid net's graph and its gradient graph as DOT, and as PNG when
/// Graphviz's <c>dot</c> is installed. The README shows these pictures.</summary>
static class Pictures
{
    public static int Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var net = SigmoidNet.Random(d0: 4, d1: 3, d2: 2, seed: 1);
        var gradient = Reverse.Grad(net.Output, [net.X])[0];
        var graphs = new[]
        {
            ("sigmoid-net", Dot.Of(net.Output, "f(x) = sum(σ(B·σ(A·x)))")),
            ("sigmoid-net-gradient", Dot.Of([net.Output, gradient], "f and ∇f: the gradient graph reuses the forward nodes")),
        };
        foreach (var (name, dot) in graphs)
        {
            var dotFile = Path.Combine(directory, name + ".dot");
            File.WriteAllText(dotFile, dot);
            var png = Path.Combine(directory, name + ".png");
            try
            {
                using var process = Process.Start(new ProcessStartInfo("dot", ["-Tpng", "-Gdpi=110", dotFile, "-o", png]) { RedirectStandardError = true })!;
                var errors = process.StandardError.ReadToEnd();
                process.WaitForExit();
                Console.WriteLine(process.ExitCode == 0 ? $"wrote {png}" : $"dot failed on {dotFile}: {errors}");
                if (process.ExitCode != 0) return 1;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                Console.WriteLine($"wrote {dotFile} (install graphviz to render it: dot -Tpng {dotFile} -o {png})");
            }
        }
        return 0;
    }
}
