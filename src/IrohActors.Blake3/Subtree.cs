using System.Numerics;
using IrohActors.Blake3.Internal;

namespace IrohActors.Blake3;

/// <summary>
/// The subtree ("hazmat") API that verified streaming builds on: chaining values of subtrees that start at a
/// global chunk counter, and parent merges (bao-tree's <c>hash_subtree</c> and <c>parent_cv</c>).
/// </summary>
public static class Subtree
{
    /// <summary>Bytes in a BLAKE3 chunk; subtree offsets are counted in chunks.</summary>
    public const int ChunkLen = 1024;

    /// <summary>
    /// The hash of the subtree of <paramref name="data"/> starting at chunk <paramref name="startChunk"/>
    /// (input offset <c>startChunk * 1024</c>). With <paramref name="isRoot"/> it is the plain hash and
    /// <paramref name="startChunk"/> must be 0; otherwise it is the non-root chaining value.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A root not at chunk 0; or a non-root subtree that is empty at a non-zero chunk, or longer than the largest
    /// power of two of chunks dividing <paramref name="startChunk"/> (then it is not a node of the tree).
    /// </exception>
    public static Hash HashSubtree(ulong startChunk, ReadOnlySpan<byte> data, bool isRoot) =>
        HashSubtree(Implementations.Best, startChunk, data, isRoot);

    internal static unsafe Hash HashSubtree(Implementation implementation, ulong startChunk, ReadOnlySpan<byte> data, bool isRoot)
    {
        if (isRoot)
        {
            if (startChunk != 0)
                throw new ArgumentException($"a root subtree starts at chunk 0, not chunk {startChunk}", nameof(startChunk));
            return Hasher.Hash(implementation, data, 1);
        }
        if (startChunk != 0)
        {
            if (data.IsEmpty)
                throw new ArgumentException($"an empty subtree at chunk {startChunk} is not a node of any tree", nameof(data));
            int alignLog = BitOperations.TrailingZeroCount(startChunk);
            ulong maxChunks = alignLog >= 54 ? ulong.MaxValue : 1UL << alignLog;
            ulong chunks = ((ulong)data.Length + ChunkLen - 1) / ChunkLen;
            if (chunks > maxChunks)
                throw new ArgumentException(
                    $"a subtree at chunk {startChunk} holds at most {maxChunks} chunks ({maxChunks * ChunkLen} bytes), got {data.Length} bytes",
                    nameof(data));
        }
        var key = Blake3Constants.IV;
        Span<byte> cv = stackalloc byte[Hash.Size];
        fixed (byte* p = data)
        fixed (byte* o = cv)
            TreeCompressor.SubtreeCv(implementation, p, data.Length, &key, startChunk, 0, 1, o);
        return Hash.FromBytes(cv);
    }

    /// <summary>The parent of two child chaining values: the root hash when <paramref name="isRoot"/>, else its chaining value.</summary>
    public static unsafe Hash ParentCv(in Hash left, in Hash right, bool isRoot)
    {
        byte* block = stackalloc byte[2 * Hash.Size];
        left.CopyTo(new Span<byte>(block, Hash.Size));
        right.CopyTo(new Span<byte>(block + Hash.Size, Hash.Size));
        var output = Output.Parent(block, Blake3Constants.IV, 0);
        Span<byte> cv = stackalloc byte[Hash.Size];
        if (isRoot)
            output.RootBytes(0, cv);
        else
            fixed (byte* o = cv)
                output.ChainingValue(o);
        return Hash.FromBytes(cv);
    }
}
