using System.Buffers.Binary;
using IrohActors.Blake3;
using Microsoft.Win32.SafeHandles;

namespace IrohActors.Bao;

/// <summary>
/// bao-tree's post-order outboard: the pairs in post-order (left, right, node), so pairs of complete
/// subtrees never move when data is appended; its file form ends with the size as 8 bytes little-endian.
/// </summary>
public sealed class PostOrderOutboard : SlottedOutboard
{
    private PostOrderOutboard(BaoTree tree, Hash root, PairStorage storage)
        : base(tree, root, storage)
    {
    }

    /// <summary>Wraps pairs held in memory (no suffix); the length must be <see cref="BaoTree.OutboardSize"/>.</summary>
    /// <exception cref="ArgumentException">The length does not match the tree.</exception>
    public static PostOrderOutboard FromBytes(BaoTree tree, Hash root, byte[] data)
    {
        CheckLength(tree, data.LongLength, "post-order outboard");
        return new PostOrderOutboard(tree, root, new MemoryPairStorage(data, 0));
    }

    /// <summary>Reads the file form: pairs followed by the 8-byte LE size.</summary>
    /// <exception cref="FormatException">Too short, or the pair count does not match the size in the suffix.</exception>
    public static PostOrderOutboard FromBytesWithSuffix(Hash root, byte[] bytes, BlockSize blockSize)
    {
        if (bytes.Length < 8)
            throw new FormatException($"post-order outboard of {bytes.Length} bytes has no 8-byte size suffix");
        var size = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(bytes.Length - 8));
        var tree = new BaoTree(size, blockSize);
        if ((ulong)(bytes.Length - 8) != tree.OutboardSize)
            throw new FormatException($"post-order outboard has {bytes.Length - 8} bytes of pairs at offset 0, but size {size} at offset {bytes.Length - 8} needs {tree.OutboardSize}");
        return new PostOrderOutboard(tree, root, new MemoryPairStorage(bytes[..^8], 0));
    }

    /// <summary>An all-zero outboard of the right size, to be filled by <see cref="SlottedOutboard.Save"/>.</summary>
    public static PostOrderOutboard CreateEmpty(BaoTree tree, Hash root) => new(tree, root, NewMemory(tree));

    /// <summary>Pairs in an open file (kept open by the caller), starting at <paramref name="offset"/>.</summary>
    public static PostOrderOutboard FromFile(BaoTree tree, Hash root, SafeFileHandle file, long offset = 0, string? path = null) =>
        new(tree, root, new FilePairStorage(file, offset, path ?? "outboard file"));

    /// <summary>Computes the outboard of <paramref name="data"/> at the default chunk log (4, 16 KiB groups).</summary>
    public static PostOrderOutboard Create(ReadOnlyMemory<byte> data) => Create(data, BlockSize.Default);

    /// <summary>Computes the outboard of <paramref name="data"/> in one pass (parallel for large inputs).</summary>
    public static PostOrderOutboard Create(ReadOnlyMemory<byte> data, BlockSize blockSize) =>
        Build(new MemoryDataSource(data), blockSize);

    /// <summary>Computes the outboard of the next <paramref name="size"/> bytes of <paramref name="data"/> in one pass.</summary>
    public static PostOrderOutboard Create(Stream data, ulong size, BlockSize blockSize) =>
        Build(new StreamDataSource(data, size), blockSize);

    /// <summary>Computes the outboard of a file in one pass.</summary>
    public static PostOrderOutboard CreateFromFile(string path, BlockSize blockSize)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        return Build(new FileDataSource(handle, (ulong)RandomAccess.GetLength(handle), path), blockSize);
    }

    /// <summary>Copies every stored pair of <paramref name="source"/> (e.g. a pre-order outboard) into post-order.</summary>
    public static PostOrderOutboard CopyFrom(IOutboard source)
    {
        var result = CreateEmpty(source.Tree, source.Root);
        result.CopyPairsFrom(source);
        return result;
    }

    /// <summary>The same pairs in pre-order.</summary>
    public PreOrderOutboard ToPreOrder() => PreOrderOutboard.CopyFrom(this);

    /// <summary>The file form: the pairs, then the size as 8 bytes little-endian (in-memory outboards only).</summary>
    public byte[] ToBytesWithSuffix()
    {
        var data = Data ?? throw new InvalidOperationException("a file-backed outboard is already in its file form");
        var result = new byte[data.Length + 8];
        data.CopyTo(result, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(data.Length), Tree.Size);
        return result;
    }

    /// <inheritdoc />
    protected override ulong? SlotOf(TreeNode node) => Tree.PostOrderOffset(node);

    private static PostOrderOutboard Build(DataSource source, BlockSize blockSize)
    {
        var tree = new BaoTree(source.Length, blockSize);
        var outboard = CreateEmpty(tree, default);
        var root = OutboardBuilder.Compute(tree, source, outboard.Save);
        return new PostOrderOutboard(tree, root, outboard.Storage);
    }
}
