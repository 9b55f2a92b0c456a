using System.Globalization;
using System.Text;

namespace AutoDiff.Functional;

/// <summary>Graphviz pictures of graphs: <c>File.WriteAllText("g.dot", Dot.Of(loss))</c>, then
/// <c>dot -Tpng g.dot -o g.png</c>. Each node shows its op and shape; variables are named ellipses, constants grey
/// boxes with their value (or shape when large), outputs have a double border.</summary>
public static class Dot
{
    /// <summary>The DOT text of the graph below <paramref name="outputs"/>.</summary>
    public static string Of(IReadOnlyList<Node> outputs, string title = "graph")
    {
        ArgumentNullException.ThrowIfNull(title);
        var topo = Topology.Of(outputs);
        var outputSet = new HashSet<Node>(outputs, ReferenceEqualityComparer.Instance);
        var sb = new StringBuilder();
        sb.AppendLine($"digraph {Quote(title)} {{");
        sb.AppendLine($"  rankdir=BT; labelloc=t; fontname=\"DejaVu Sans\"; label={Quote(title)};");
        sb.AppendLine("  node [fontname=\"DejaVu Sans\", fontsize=10, shape=box, style=rounded];");
        for (int i = 0; i < topo.Order.Length; i++)
        {
            var node = topo.Order[i];
            var attributes = node.Op switch
            {
                Variable v => $"label={Quote($"{v.Name}\n{node.Shape}")}, shape=ellipse, style=filled, fillcolor=\"#dbe8ff\"",
                Constant c => $"label={Quote(Summary(c.Value))}, style=\"rounded,filled\", fillcolor=\"#eeeeee\", fontsize=8",
                _ => $"label={Quote($"{node.Op}\n{node.Shape}")}",
            };
            if (outputSet.Contains(node)) attributes += ", peripheries=2";
            sb.AppendLine($"  n{i} [{attributes}];");
        }
        for (int i = 0; i < topo.Order.Length; i++)
            foreach (var k in topo.InputsOf(i)) sb.AppendLine($"  n{k} -> n{i};");
        sb.AppendLine("}");
        return sb.ToString();
    }

    /// <summary>The DOT text of one output's graph.</summary>
    public static string Of(Node output, string title = "graph") => Of([output ?? throw new ArgumentNullException(nameof(output))], title);

    static string Summary(Tensor t) => t.DType == DType.Int32 ? $"int32 data {t.Shape}"
        : t.Shape.Size == 1
        ? t.Values[0].ToString("G4", CultureInfo.InvariantCulture)
        : $"constant {t.Shape}";

    static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"";
}
