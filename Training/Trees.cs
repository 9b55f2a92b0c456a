using System.Collections.Concurrent;
using System.Reflection;

namespace AutoDiff.Functional.Training;

/// <summary>How a user's own type maps to a path-named <see cref="Parameters"/> tree (Equinox's modules as pytrees):
/// a record (any class with a public constructor whose parameters are its properties) is a node whose members are
/// named by their property names, an array or list is a node whose members are named 0, 1, …, and a
/// <see cref="Tensor"/> (or, for a tree of graph variables, a <see cref="Node"/>) is a leaf. Paths join names with
/// dots, as <see cref="Parameters.Nest"/> does: <c>record Net(Layer Hidden, Layer Out)</c> of
/// <c>record Layer(Tensor W, Tensor b)</c> gives "Hidden.W", "Hidden.b", "Out.W", "Out.b".</summary>
/// <remarks>Each type is read by reflection once and its map cached; a conversion then only walks the value.</remarks>
static class Tree
{
    abstract record Kind(Type Type);
    sealed record Leaf(Type Type) : Kind(Type);
    sealed record Record(Type Type, ConstructorInfo Constructor, (string Name, PropertyInfo Property)[] Members) : Kind(Type);
    sealed record List(Type Type, Type Element) : Kind(Type);

    static readonly ConcurrentDictionary<Type, Kind> kinds = new();

    /// <summary>The map of <paramref name="type"/> (its members' types are mapped when first met).</summary>
    static Kind Of(Type type, string where, HashSet<Type>? reading = null) =>
        kinds.TryGetValue(type, out var kind) ? kind : kinds.GetOrAdd(type, Read(type, where, reading ?? []));

    static Kind Read(Type type, string where, HashSet<Type> reading)
    {
        if (type == typeof(Tensor) || type == typeof(Node)) return new Leaf(type);
        var element = type.IsArray && type.GetArrayRank() == 1 ? type.GetElementType()
            : type.IsGenericType && type.GetGenericTypeDefinition() is var g
              && (g == typeof(List<>) || g == typeof(IReadOnlyList<>) || g == typeof(IList<>) || g == typeof(IEnumerable<>) || g == typeof(IReadOnlyCollection<>))
            ? type.GetGenericArguments()[0] : null;
        if (element is not null)
        {
            if (!reading.Contains(element)) Of(element, $"{where}[i]", reading);
            return new List(type, element);
        }
        if (type.IsValueType || type.IsAbstract || type.IsInterface || type == typeof(string) || type == typeof(object) || type == typeof(Parameters))
            throw new NotSupportedException($"Tree: {where} is of type {Name(type)}; a tree's members are tensors (or nodes), records of them, or arrays and lists of them");
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0).ToArray();
        // The constructor that takes every member: a positional record's primary constructor, in declaration order.
        var constructor = type.GetConstructors()
            .Where(c => c.GetParameters().Length > 0 && c.GetParameters().All(p => Match(properties, p) is not null))
            .MaxBy(c => c.GetParameters().Length)
            ?? throw new NotSupportedException($"Tree: {Name(type)} has no public constructor whose parameters are its properties (a positional record, record {type.Name}(Tensor W, Tensor b), is the simplest tree)");
        var members = constructor.GetParameters().Select(p => (Match(properties, p)!.Name, Match(properties, p)!)).ToArray();
        // Fail now, naming the member; a type met again inside itself (a tree of trees) is mapped when its value is walked.
        reading.Add(type);
        foreach (var (name, property) in members)
            if (!reading.Contains(property.PropertyType)) Of(property.PropertyType, $"{Name(type)}.{name}", reading);
        reading.Remove(type);
        return new Record(type, constructor, members);
    }

    static PropertyInfo? Match(PropertyInfo[] properties, ParameterInfo parameter) =>
        properties.FirstOrDefault(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase) && p.PropertyType == parameter.ParameterType);

    /// <summary>The leaves of <paramref name="tree"/>, in member order, with their paths.</summary>
    public static Parameters Flatten<T>(T tree)
    {
        var entries = new List<(string, Tensor)>();
        Walk(tree, typeof(T), "", Name(typeof(T)), entries);
        return Parameters.Of([.. entries]);
    }

    static void Walk(object? value, Type type, string path, string where, List<(string, Tensor)> entries)
    {
        if (value is null) throw new ArgumentException($"Parameters.FromTree: {where} is null");
        switch (Of(type, where))
        {
            case Leaf leaf when leaf.Type == typeof(Tensor):
                entries.Add((path, (Tensor)value));
                break;
            case Leaf:
                throw new NotSupportedException($"Parameters.FromTree: {where} is a Node; a tree of values holds tensors (Variables makes the tree of nodes)");
            case Record record:
                foreach (var (name, property) in record.Members)
                    Walk(property.GetValue(value), property.PropertyType, Join(path, name), $"{where}.{name}", entries);
                break;
            case List list:
                int i = 0;
                foreach (var item in (System.Collections.IEnumerable)value)
                {
                    Walk(item, list.Element, Join(path, $"{i}"), $"{where}[{i}]", entries);
                    i++;
                }
                break;
        }
    }

    /// <summary>A <typeparamref name="T"/> holding <paramref name="tree"/>'s tensors, or variables shaped as them, by path.</summary>
    public static T Build<T>(Parameters tree, string who)
    {
        var used = new HashSet<string>();
        var result = (T)Build(tree, typeof(T), "", Name(typeof(T)), who, used);
        if (used.Count != tree.Count)
            throw new ArgumentException($"{who}: {Name(typeof(T))} has no member for {string.Join(", ", tree.Names.Where(n => !used.Contains(n)).Select(n => $"'{n}'"))} (the parameters hold {tree.Describe()})");
        return result;
    }

    static object Build(Parameters tree, Type type, string path, string where, string who, HashSet<string> used)
    {
        switch (Of(type, where))
        {
            case Leaf leaf:
                int i = path.Length > 0 ? tree.IndexOf(path) : -1;
                if (i < 0) throw new KeyNotFoundException($"{who}: {where} needs the parameter '{path}', but the parameters hold {tree.Describe()}");
                used.Add(path);
                return leaf.Type == typeof(Tensor) ? tree[i] : Node.Variable(path, tree[i].Shape, tree[i].DType);
            case Record record:
                return record.Constructor.Invoke([.. record.Members.Select(m =>
                    Build(tree, m.Property.PropertyType, Join(path, m.Name), $"{where}.{m.Name}", who, used))]);
            case List list:
                var items = new List<object>();
                // As many members as the tree has paths "path.0…", "path.1…", …
                for (int k = 0; HasPrefix(tree, Join(path, $"{k}")); k++)
                    items.Add(Build(tree, list.Element, Join(path, $"{k}"), $"{where}[{k}]", who, used));
                var array = Array.CreateInstance(list.Element, items.Count);
                for (int k = 0; k < items.Count; k++) array.SetValue(items[k], k);
                return type.IsArray ? array : Activator.CreateInstance(typeof(List<>).MakeGenericType(list.Element), array)!;
            default:
                throw new InvalidOperationException($"Tree: no kind for {Name(type)}");
        }
    }

    static bool HasPrefix(Parameters tree, string path) =>
        tree.Names.Any(n => n == path || n.StartsWith(path + ".", StringComparison.Ordinal));

    static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    /// <summary>A type's name as C# writes it: "Net", "Layer[]", "List&lt;Layer&gt;".</summary>
    static string Name(Type type) => type.IsArray ? $"{Name(type.GetElementType()!)}[]"
        : type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>"
        : type.Name;
}
