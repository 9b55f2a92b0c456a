using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace AutoDiff.Functional.Training;

/// <summary>Parameter trees in the safetensors format, the one PyTorch, JAX and Hugging Face share: 8 bytes of header
/// length n (little-endian), n bytes of a JSON object mapping each tensor's name to its dtype, shape and byte range
/// [begin, end) in the data that follows (plus an optional "__metadata__" of strings), then the raw little-endian data,
/// row-major (C order). Loading runs no code, and every length and range is checked before it is used.</summary>
/// <remarks>Writes F64 (and I32 for int32 data). Reads F64, F32 (widened exactly), I32 and I64 (when each value fits
/// in int32); a file's tensors come back in the order of their data. Our tensors are column-major, so matrices and
/// higher ranks are transposed into C order on the way out and back on the way in.</remarks>
public static class SafeTensors
{
    /// <summary>The largest header read (100 MB, as the reference implementation).</summary>
    const long MaxHeader = 100_000_000;
    const string MetadataKey = "__metadata__";

    /// <summary>Writes <paramref name="tensors"/> (a tree: names are paths) and <paramref name="metadata"/> to the
    /// file <paramref name="path"/>, replacing it.</summary>
    public static void Save(string path, Parameters tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        using var file = File.Create(path);
        Write(file, tensors, metadata);
    }

    /// <summary>The tensors of the file <paramref name="path"/>, in the order of their data.</summary>
    public static Parameters Load(string path) => LoadWithMetadata(path).Tensors;

    /// <summary>The tensors and the metadata of the file <paramref name="path"/>.</summary>
    public static (Parameters Tensors, IReadOnlyDictionary<string, string> Metadata) LoadWithMetadata(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.OpenRead(path);
        return Read(file);
    }

    /// <summary>Writes <paramref name="tensors"/> and <paramref name="metadata"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, Parameters tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            for (int i = 0; i < tensors.Count; i++)
            {
                var t = tensors[i];
                long bytes = (long)t.Shape.Size * (t.DType == DType.Int32 ? 4 : 8);
                json.WriteStartObject(tensors.Names[i]);
                json.WriteString("dtype", t.DType == DType.Int32 ? "I32" : "F64");
                json.WriteStartArray("shape");
                for (int a = 0; a < t.Shape.Rank; a++) json.WriteNumberValue(t.Shape[a]);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        // Spaces pad the header to a multiple of 8, so the data starts aligned (the reference writer does the same).
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        header.Position = 0;
        header.CopyTo(stream);
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            var dims = Dims(t.Shape);
            if (t.DType == DType.Int32)
            {
                var rowMajor = Reorder(t.Ints, dims, toRowMajor: true);
                var bytes = new byte[rowMajor.Length * 4];
                for (int k = 0; k < rowMajor.Length; k++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * k), rowMajor[k]);
                stream.Write(bytes);
            }
            else
            {
                var rowMajor = Reorder(t.Values, dims, toRowMajor: true);
                var bytes = new byte[rowMajor.Length * 8];
                for (int k = 0; k < rowMajor.Length; k++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * k), rowMajor[k]);
                stream.Write(bytes);
            }
        }
    }

    /// <summary>The tensors and metadata of a safetensors stream (read to its end).</summary>
    /// <exception cref="FormatException">The stream is not a well-formed safetensors file, or holds a dtype not read
    /// here; the message names the tensor and what is wrong.</exception>
    public static (Parameters Tensors, IReadOnlyDictionary<string, string> Metadata) Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var all = new MemoryStream();
        stream.CopyTo(all);
        var bytes = all.GetBuffer().AsSpan(0, (int)all.Length);
        if (bytes.Length < 8) throw new FormatException($"SafeTensors: {bytes.Length} bytes, fewer than the 8 of the header's length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (n > MaxHeader || (long)n > bytes.Length - 8)
            throw new FormatException($"SafeTensors: a header of {n} bytes in a file of {bytes.Length} (at most {MaxHeader}, and within the file)");
        var data = bytes[(8 + (int)n)..];
        JsonDocument document;
        try { document = JsonDocument.Parse(all.GetBuffer().AsMemory(8, (int)n)); }
        catch (JsonException e) { throw new FormatException($"SafeTensors: the header is not JSON ({e.Message})", e); }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new FormatException($"SafeTensors: the header is a JSON {document.RootElement.ValueKind}, not an object");
            var metadata = new Dictionary<string, string>();
            var entries = new List<(string Name, string DType, int[] Dims, long Begin, long End)>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (property.Value.ValueKind != JsonValueKind.Object) throw new FormatException("SafeTensors: __metadata__ is not an object of strings");
                    foreach (var m in property.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()!
                            : throw new FormatException($"SafeTensors: metadata '{m.Name}' is a JSON {m.Value.ValueKind}, not a string");
                    continue;
                }
                entries.Add(Entry(property));
            }
            entries.Sort((a, b) => a.Begin.CompareTo(b.Begin));
            long next = 0;
            var tensors = new List<(string, Tensor)>();
            foreach (var (name, dtype, dims, begin, end) in entries)
            {
                if (begin != next || end > data.Length)
                    throw new FormatException($"SafeTensors: tensor '{name}' has bytes [{begin}, {end}), but the next free byte is {next} of {data.Length} (the data must be covered without gaps or overlaps)");
                next = end;
                tensors.Add((name, Decode(name, dtype, dims, data[(int)begin..(int)end])));
            }
            if (next != data.Length)
                throw new FormatException($"SafeTensors: the tensors cover {next} of the {data.Length} data bytes");
            return (Parameters.Of([.. tensors]), metadata);
        }
    }

    static (string, string, int[], long, long) Entry(JsonProperty property)
    {
        var name = property.Name;
        var e = property.Value;
        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String
            || !e.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array
            || !e.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new FormatException($"SafeTensors: tensor '{name}' needs a dtype string, a shape array and two data_offsets");
        var dims = new int[shape.GetArrayLength()];
        long size = 1;
        int a = 0;
        foreach (var d in shape.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out dims[a]) || dims[a] < 0)
                throw new FormatException($"SafeTensors: tensor '{name}' has dimension {d} at axis {a}, not a whole number ≥ 0 within int32");
            size *= dims[a++];
            if (size > Array.MaxLength) throw new FormatException($"SafeTensors: tensor '{name}' has more than {Array.MaxLength} elements");
        }
        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new FormatException($"SafeTensors: tensor '{name}' has data_offsets {offsets}, not 0 ≤ begin ≤ end");
        int width = Width(name, dtype.GetString()!);
        if (end - begin != size * width)
            throw new FormatException($"SafeTensors: tensor '{name}' {dtype.GetString()} [{string.Join(", ", dims)}] needs {size * width} bytes, its offsets give {end - begin}");
        return (name, dtype.GetString()!, dims, begin, end);
    }

    static int Width(string name, string dtype) => dtype switch
    {
        "F64" or "I64" => 8,
        "F32" or "I32" => 4,
        _ => throw new FormatException($"SafeTensors: tensor '{name}' is {dtype}; read here are F64, F32, I32 and I64"),
    };

    static Tensor Decode(string name, string dtype, int[] dims, ReadOnlySpan<byte> raw)
    {
        var shape = Shape.Of(dims);
        switch (dtype)
        {
            case "F64" or "F32":
                {
                    var values = new double[shape.Size];
                    for (int k = 0; k < values.Length; k++)
                        values[k] = dtype == "F64" ? BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * k)..]) : BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * k)..]);
                    return Tensor.FromColumnMajor(shape, Reorder<double>(values, dims, toRowMajor: false));
                }
            default:
                {
                    var ints = new int[shape.Size];
                    for (int k = 0; k < ints.Length; k++)
                    {
                        long v = dtype == "I64" ? BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * k)..]) : BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * k)..]);
                        ints[k] = v is >= int.MinValue and <= int.MaxValue ? (int)v
                            : throw new FormatException($"SafeTensors: tensor '{name}' I64 element {k} is {v}, beyond int32");
                    }
                    return Tensor.Indices(shape, Reorder<int>(ints, dims, toRowMajor: false));
                }
        }
    }

    static int[] Dims(Shape shape) => [.. Enumerable.Range(0, shape.Rank).Select(a => shape[a])];

    /// <summary>Column-major (first axis fastest, ours) to row-major (last axis fastest, C order), or back.</summary>
    static T[] Reorder<T>(ReadOnlySpan<T> source, int[] dims, bool toRowMajor)
    {
        var result = new T[source.Length];
        if (dims.Length <= 1 || source.Length == 0) { source.CopyTo(result); return result; }
        // Walk the row-major positions r in order, the column-major position c kept alongside by an odometer.
        var stride = new int[dims.Length];
        stride[0] = 1;
        for (int a = 1; a < dims.Length; a++) stride[a] = stride[a - 1] * dims[a - 1];
        var index = new int[dims.Length];
        int c = 0;
        for (int r = 0; r < source.Length; r++)
        {
            if (toRowMajor) result[r] = source[c];
            else result[c] = source[r];
            for (int a = dims.Length - 1; a >= 0; a--)
            {
                c += stride[a];
                if (++index[a] < dims[a]) break;
                c -= stride[a] * dims[a];
                index[a] = 0;
            }
        }
        return result;
    }
}
