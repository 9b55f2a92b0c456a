using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using AutoDiff.Functional.Properties.Docs;
using AutoDiff.Functional.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Layers;

/// <summary>A tree of tensors of ranks 0–3 (dimensions 0–5), float64 from arbitrary bit patterns (NaN payloads,
/// −0, subnormals, ±∞) or int32 data.</summary>
public sealed record TreeCase(Parameters Tree)
{
    public override string ToString() => Tree.Describe();
}

public static class TreeArbs
{
    static Gen<Tensor> TensorGen =>
        from rank in Gen.Choose(0, 3)
        from dims in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 5))), rank)
        from ints in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
        let size = dims.Aggregate(1, (a, b) => a * b)
        from lows in Gen.ArrayOf(Gen.Choose(int.MinValue, int.MaxValue), size)
        from highs in Gen.ArrayOf(Gen.Choose(int.MinValue, int.MaxValue), size)
        select ints
            ? Tensor.Indices(Shape.Of(dims), lows)
            : Tensor.FromColumnMajor(Shape.Of(dims), [.. lows.Zip(highs, (l, h) => BitConverter.Int64BitsToDouble(((long)h << 32) | (uint)l))]);

    public static Arbitrary<TreeCase> Case() =>
        (from count in Gen.Choose(0, 5)
         from tensors in Gen.ArrayOf(TensorGen, count)
         select new TreeCase(Parameters.Nest(("model", Parameters.Of([.. tensors.Select((t, i) => ($"{i % 2}.layer{i}", t))]))))).ToArbitrary();
}

/// <summary>safetensors files: our own read back bit for bit and laid out as the spec says (checked by reading the bytes
/// here), a file NumPy wrote read with its values, and malformed files refused with a message.</summary>
[Properties(Arbitrary = [typeof(TreeArbs)], MaxTest = 100)]
public class SafeTensorsTests
{
    static long[] Bits(Tensor t) => t.DType == DType.Int32 ? [.. t.Ints.ToArray().Select(i => (long)i)] : [.. t.Values.ToArray().Select(BitConverter.DoubleToInt64Bits)];

    static void SameBits(Parameters expected, Parameters actual)
    {
        Assert.Equal(expected.Names, actual.Names);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Shape, actual[i].Shape);
            Assert.Equal(expected[i].DType, actual[i].DType);
            Assert.Equal(Bits(expected[i]), Bits(actual[i]));
        }
    }

    [Property]
    public void A_tree_written_here_reads_back_bit_for_bit(TreeCase c)
    {
        var stream = new MemoryStream();
        SafeTensors.Write(stream, c.Tree, new Dictionary<string, string> { ["note"] = "ünïcode ✓" });
        stream.Position = 0;
        var (tree, metadata) = SafeTensors.Read(stream);
        SameBits(c.Tree, tree);
        Assert.Equal("ünïcode ✓", metadata["note"]);
    }

    [Property]
    public void The_file_is_the_spec_s_layout_with_row_major_data(TreeCase c)
    {
        // Read with nothing of ours: the length, the JSON header, and each element (i, j, …) at its C-order position.
        var stream = new MemoryStream();
        SafeTensors.Write(stream, c.Tree);
        var bytes = stream.ToArray();
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + n) % 8);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n));
        var data = bytes.AsSpan(8 + (int)n);
        for (int t = 0; t < c.Tree.Count; t++)
        {
            var tensor = c.Tree[t];
            var entry = header.RootElement.GetProperty(c.Tree.Names[t]);
            Assert.Equal(tensor.DType == DType.Int32 ? "I32" : "F64", entry.GetProperty("dtype").GetString());
            var dims = entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            Assert.Equal(Enumerable.Range(0, tensor.Shape.Rank).Select(a => tensor.Shape[a]), dims);
            long begin = entry.GetProperty("data_offsets")[0].GetInt64();
            int width = tensor.DType == DType.Int32 ? 4 : 8;
            for (int column = 0; column < tensor.Shape.Size; column++)
            {
                // Column-major position → multi-index (first axis fastest) → row-major position (last axis fastest).
                int rest = column, row = 0;
                var index = new int[dims.Length];
                for (int a = 0; a < dims.Length; a++) { index[a] = rest % dims[a]; rest /= dims[a]; }
                for (int a = 0; a < dims.Length; a++) row = row * dims[a] + index[a];
                var at = data[(int)(begin + (long)row * width)..];
                long stored = width == 4 ? BinaryPrimitives.ReadInt32LittleEndian(at) : BinaryPrimitives.ReadInt64LittleEndian(at);
                Assert.Equal(Bits(tensor)[column], stored);
            }
        }
    }

    [Fact]
    public void A_file_written_by_NumPy_is_read_with_its_values()
    {
        var (tree, metadata) = SafeTensors.LoadWithMetadata(RepoFiles.Path("Properties/Layers/Files/numpy.safetensors"));
        Assert.StartsWith("numpy ", metadata["written_by"]);
        Assert.Equal(["matrix", "tensor3", "weights32", "labels", "counts", "scalar"], tree.Names);   // data order
        var matrix = tree["matrix"];
        Assert.Equal(Shape.Matrix(2, 3), matrix.Shape);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++) Assert.Equal((3 * i + j) / 2.0 - 1, matrix[i, j]);
        var t3 = tree["tensor3"];
        Assert.Equal(Shape.Of(2, 3, 4), t3.Shape);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++) Assert.Equal(100 * i + 10 * j + k, t3[i + 2 * (j + 3 * k)]);
        float[,] w = { { 0.1f, 0.2f }, { 0.3f, 0.4f }, { 0.5f, 0.6f } };
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 2; j++) Assert.Equal((double)w[i, j], tree["weights32"][i, j]);
        Assert.Equal([3, 1, 4, 1], tree["labels"].Ints.ToArray());
        Assert.Equal([1, 3, 2, -4], tree["counts"].Ints.ToArray());   // column-major (2×2) [[1, 2], [3, −4]]
        Assert.Equal(Shape.Scalar, tree["scalar"].Shape);
        Assert.Equal(Math.PI, tree["scalar"].ToScalar());
    }

    static byte[] File(string header, int dataBytes)
    {
        var text = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + text.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)text.Length);
        text.CopyTo(bytes, 8);
        return bytes;
    }

    static string Refused(byte[] bytes) => Assert.Throws<FormatException>(() => SafeTensors.Read(new MemoryStream(bytes))).Message;

    [Fact]
    public void Malformed_files_are_refused_naming_what_is_wrong()
    {
        Assert.Equal("SafeTensors: 3 bytes, fewer than the 8 of the header's length", Refused([1, 2, 3]));
        var tooLong = File("{}", 0);
        BinaryPrimitives.WriteUInt64LittleEndian(tooLong, 1000);
        Assert.Equal("SafeTensors: a header of 1000 bytes in a file of 10 (at most 100000000, and within the file)", Refused(tooLong));
        Assert.StartsWith("SafeTensors: the header is not JSON", Refused(File("{\"a\":", 0)));
        Assert.Equal("SafeTensors: the header is a JSON Array, not an object", Refused(File("[]", 0)));
        Assert.Equal("SafeTensors: tensor 'w' needs a dtype string, a shape array and two data_offsets", Refused(File("""{"w":{"dtype":"F64","shape":[2]}}""", 16)));
        Assert.Equal("SafeTensors: tensor 'w' is BF16; read here are F64, F32, I32 and I64", Refused(File("""{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}""", 4)));
        Assert.Equal("SafeTensors: tensor 'w' F64 [3] needs 24 bytes, its offsets give 16", Refused(File("""{"w":{"dtype":"F64","shape":[3],"data_offsets":[0,16]}}""", 16)));
        Assert.Equal("SafeTensors: tensor 'w' has dimension -1 at axis 0, not a whole number ≥ 0 within int32", Refused(File("""{"w":{"dtype":"F64","shape":[-1],"data_offsets":[0,0]}}""", 0)));
        Assert.Equal("SafeTensors: tensor 'v' has bytes [8, 24), but the next free byte is 16 of 24 (the data must be covered without gaps or overlaps)",
            Refused(File("""{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"v":{"dtype":"F64","shape":[2],"data_offsets":[8,24]}}""", 24)));
        Assert.Equal("SafeTensors: the tensors cover 16 of the 24 data bytes", Refused(File("""{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}""", 24)));
        Assert.Equal("SafeTensors: tensor 'w' has bytes [0, 16), but the next free byte is 0 of 8 (the data must be covered without gaps or overlaps)",
            Refused(File("""{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}""", 8)));
        Assert.Equal("SafeTensors: metadata 'n' is a JSON Number, not a string", Refused(File("""{"__metadata__":{"n":1}}""", 0)));
        var big = File("""{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", 8);
        BinaryPrimitives.WriteInt64LittleEndian(big.AsSpan(big.Length - 8), 1L << 40);
        Assert.Equal("SafeTensors: tensor 'w' I64 element 0 is 1099511627776, beyond int32", Refused(big));
    }
}
