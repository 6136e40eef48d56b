using System.Buffers.Binary;
using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>
/// Random access into a combined encoding (8-byte size, then pre-order pairs and leaves) held in a seekable
/// stream: pairs and data are located from the geometry alone, so a slice or a seek reads only what it needs.
/// </summary>
internal sealed class CombinedEncodingView : DataSource, IOutboard
{
    private readonly Stream _stream;

    public CombinedEncodingView(Stream stream, BlockSize blockSize, Hash? root)
    {
        _stream = stream;
        Span<byte> header = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(header);
        Tree = new BaoTree(BinaryPrimitives.ReadUInt64LittleEndian(header), blockSize);
        Root = root ?? ClaimedRoot(this, this);
    }

    public BaoTree Tree { get; }

    public Hash Root { get; }

    public override ulong Length => Tree.Size;

    public bool TryLoad(TreeNode node, out HashPair pair)
    {
        if (Tree.PreOrderOffset(node) is not { } index)
        {
            pair = default;
            return false;
        }
        Span<byte> buffer = stackalloc byte[64];
        ReadAt(8 + (long)index * 64 + (long)node.Start.ToBytes(), buffer, node.Start.ToBytes());
        pair = HashPair.Read(buffer);
        return true;
    }

    public override ReadOnlyMemory<byte> Read(ulong offset, int length, Memory<byte> scratch)
    {
        var group = offset / Tree.BlockSize.Bytes;
        var at = 8 + (long)offset + 64 * (long)Tree.PairsBeforeGroup(group);
        ReadAt(at, scratch.Span[..length], offset);
        return scratch[..length];
    }

    /// <summary>The root the stored top claims: the top pair's parent CV, or the hash of a single group.</summary>
    internal static Hash ClaimedRoot(DataSource data, IOutboard outboard)
    {
        var tree = outboard.Tree;
        if (tree.IsSingleGroup)
        {
            var bytes = data.Read(0, (int)tree.Size, new byte[(int)tree.Size]);
            return Subtree.HashSubtree(0, bytes.Span, true);
        }
        if (!outboard.TryLoad(tree.Root, out var pair))
            throw new InvalidOperationException($"no pair for the root of {tree}");
        return pair.ParentCv(true);
    }

    private void ReadAt(long at, Span<byte> destination, ulong blobOffset)
    {
        _stream.Position = at;
        var done = 0;
        while (done < destination.Length)
        {
            var n = _stream.Read(destination[done..]);
            if (n == 0)
                throw new EndOfStreamException($"encoding ends at offset {at + done} (blob offset {blobOffset})");
            done += n;
        }
    }
}
