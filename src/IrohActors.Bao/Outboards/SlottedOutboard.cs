using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>An outboard whose pairs sit in 64-byte slots; the order (pre or post) decides each node's slot.</summary>
public abstract class SlottedOutboard : IOutboard, IOutboardWriter
{
    private protected SlottedOutboard(BaoTree tree, Hash root, PairStorage storage)
    {
        Tree = tree;
        Root = root;
        Storage = storage;
    }

    /// <inheritdoc />
    public BaoTree Tree { get; }

    /// <inheritdoc />
    public Hash Root { get; }

    /// <summary>The pairs (exactly <see cref="BaoTree.OutboardSize"/> bytes) for an outboard in memory; null for one in a file.</summary>
    public byte[]? Data => (Storage as MemoryPairStorage)?.Bytes;

    private protected PairStorage Storage { get; }

    /// <summary>The slot of <paramref name="node"/>, or null if it is not a stored parent.</summary>
    protected abstract ulong? SlotOf(TreeNode node);

    /// <inheritdoc />
    public bool TryLoad(TreeNode node, out HashPair pair)
    {
        if (SlotOf(node) is not { } slot)
        {
            pair = default;
            return false;
        }
        Span<byte> buffer = stackalloc byte[64];
        Storage.Read(slot, buffer);
        pair = HashPair.Read(buffer);
        return true;
    }

    /// <inheritdoc />
    public void Save(TreeNode node, in HashPair pair)
    {
        if (SlotOf(node) is not { } slot)
            return;
        Span<byte> buffer = stackalloc byte[64];
        pair.Write(buffer);
        Storage.Write(slot, buffer);
    }

    /// <summary>Flushes a file-backed outboard to disk.</summary>
    public void Flush() => Storage.Flush();

    private protected static MemoryPairStorage NewMemory(BaoTree tree) => new(new byte[checked((int)tree.OutboardSize)], 0);

    private protected static void CheckLength(BaoTree tree, long length, string what)
    {
        if ((ulong)length != tree.OutboardSize)
            throw new ArgumentException($"{what} for {tree} must be {tree.OutboardSize} bytes of pairs, got {length}");
    }

    private protected void CopyPairsFrom(IOutboard source)
    {
        foreach (var node in OutboardBuilder.StoredNodes(source.Tree))
        {
            if (!source.TryLoad(node, out var pair))
                throw new InvalidOperationException($"{node} missing from the source outboard");
            Save(node, pair);
        }
    }
}
