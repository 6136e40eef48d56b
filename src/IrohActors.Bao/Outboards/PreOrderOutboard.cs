using IrohActors.Blake3;
using Microsoft.Win32.SafeHandles;

namespace IrohActors.Bao;

/// <summary>
/// bao-tree's pre-order outboard: the pairs of the stored parents in depth-first pre-order, with no size
/// header (iroh's <c>.obao4</c> files at chunk log 4; bao's outboard minus its 8-byte header at chunk log 0).
/// </summary>
public sealed class PreOrderOutboard : SlottedOutboard
{
    private PreOrderOutboard(BaoTree tree, Hash root, PairStorage storage)
        : base(tree, root, storage)
    {
    }

    /// <summary>Wraps pairs held in memory; <paramref name="data"/> must be exactly <see cref="BaoTree.OutboardSize"/> bytes.</summary>
    /// <exception cref="ArgumentException">The length does not match the tree.</exception>
    public static PreOrderOutboard FromBytes(BaoTree tree, Hash root, byte[] data)
    {
        CheckLength(tree, data.LongLength, "pre-order outboard");
        return new PreOrderOutboard(tree, root, new MemoryPairStorage(data, 0));
    }

    /// <summary>An all-zero outboard of the right size, to be filled by <see cref="SlottedOutboard.Save"/> (e.g. while decoding).</summary>
    public static PreOrderOutboard CreateEmpty(BaoTree tree, Hash root) => new(tree, root, NewMemory(tree));

    /// <summary>Pairs in an open file (kept open by the caller), starting at <paramref name="offset"/>.</summary>
    public static PreOrderOutboard FromFile(BaoTree tree, Hash root, SafeFileHandle file, long offset = 0, string? path = null) =>
        new(tree, root, new FilePairStorage(file, offset, path ?? "outboard file"));

    /// <summary>Pairs in a seekable stream, starting at <paramref name="offset"/> (e.g. 8 for a bao outboard file).</summary>
    public static PreOrderOutboard FromStream(BaoTree tree, Hash root, Stream stream, long offset = 0, string? what = null) =>
        new(tree, root, new StreamPairStorage(stream, offset, what ?? "outboard stream"));

    /// <summary>Computes the outboard of <paramref name="data"/> at the default chunk log (4, 16 KiB groups).</summary>
    public static PreOrderOutboard Create(ReadOnlyMemory<byte> data) => Create(data, BlockSize.Default);

    /// <summary>Computes the outboard of <paramref name="data"/> in one pass (parallel for large inputs).</summary>
    public static PreOrderOutboard Create(ReadOnlyMemory<byte> data, BlockSize blockSize) =>
        Build(new MemoryDataSource(data), blockSize);

    /// <summary>Computes the outboard of the next <paramref name="size"/> bytes of <paramref name="data"/> in one pass.</summary>
    public static PreOrderOutboard Create(Stream data, ulong size, BlockSize blockSize) =>
        Build(new StreamDataSource(data, size), blockSize);

    /// <summary>Computes the outboard of a file in one pass.</summary>
    public static PreOrderOutboard CreateFromFile(string path, BlockSize blockSize)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        return Build(new FileDataSource(handle, (ulong)RandomAccess.GetLength(handle), path), blockSize);
    }

    /// <summary>Computes the outboard of an open file (all of it, read at offsets, in one pass).</summary>
    /// <param name="data">The file; read with <see cref="RandomAccess"/>, its position is not used.</param>
    /// <param name="blockSize">The chunk-group size.</param>
    /// <param name="path">The file's name, for error messages.</param>
    public static PreOrderOutboard CreateFromFile(SafeFileHandle data, BlockSize blockSize, string? path = null) =>
        Build(new FileDataSource(data, (ulong)RandomAccess.GetLength(data), path ?? "data file"), blockSize);

    /// <summary>Copies every stored pair of <paramref name="source"/> (e.g. a post-order outboard) into pre-order.</summary>
    public static PreOrderOutboard CopyFrom(IOutboard source)
    {
        var result = CreateEmpty(source.Tree, source.Root);
        result.CopyPairsFrom(source);
        return result;
    }

    /// <summary>The same pairs in post-order.</summary>
    public PostOrderOutboard ToPostOrder() => PostOrderOutboard.CopyFrom(this);

    /// <inheritdoc />
    protected override ulong? SlotOf(TreeNode node) => Tree.PreOrderOffset(node);

    private static PreOrderOutboard Build(DataSource source, BlockSize blockSize)
    {
        var tree = new BaoTree(source.Length, blockSize);
        var outboard = CreateEmpty(tree, default);
        var root = OutboardBuilder.Compute(tree, source, outboard.Save);
        return new PreOrderOutboard(tree, root, outboard.Storage);
    }
}
