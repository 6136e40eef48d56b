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

    /// <summary>
    /// The non-root chaining values of <c>output.Length</c> consecutive subtrees of <c>2^chunkLog</c> chunks
    /// each, the first starting at chunk <paramref name="startChunk"/>: the same as calling
    /// <see cref="HashSubtree(ulong, ReadOnlySpan{byte}, bool)"/> per subtree, but small subtrees (up to 64
    /// chunks) are hashed many at a time, so every SIMD lane is busy even for 1 KiB groups.
    /// </summary>
    /// <param name="startChunk">The first subtree's chunk counter; a multiple of <c>2^chunkLog</c>.</param>
    /// <param name="data">Exactly <c>output.Length * 2^chunkLog * 1024</c> bytes.</param>
    /// <param name="chunkLog">Chunks per subtree, as a power of two (0…54).</param>
    /// <param name="output">Receives one chaining value per subtree.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="data"/> is not exactly <c>output.Length</c> whole subtrees, or <paramref name="startChunk"/>
    /// is not a multiple of the subtree size (then the subtrees are not nodes of the tree).
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkLog"/> is negative or above 54.</exception>
    public static void HashSubtrees(ulong startChunk, ReadOnlySpan<byte> data, int chunkLog, Span<Hash> output) =>
        HashSubtrees(Implementations.Best, startChunk, data, chunkLog, output);

    internal static unsafe void HashSubtrees(Implementation implementation, ulong startChunk, ReadOnlySpan<byte> data, int chunkLog, Span<Hash> output)
    {
        ValidateSubtrees(startChunk, data.Length, chunkLog, output.Length, nameof(data));
        if (output.IsEmpty)
            return;
        fixed (byte* input = data)
        fixed (Hash* cvsOut = output)
            SubtreesCore(implementation, startChunk, input, null, chunkLog, output.Length, cvsOut);
    }

    /// <summary>
    /// <see cref="HashSubtrees(ulong, ReadOnlySpan{byte}, int, Span{Hash})"/> that also copies
    /// <paramref name="source"/> to <paramref name="destination"/> in the same pass: the hashing kernels store every
    /// message block they load, so the copy costs no separate read of the data (a verifying decoder moves a leaf to
    /// its target and hashes it at once). <paramref name="destination"/> receives all of <paramref name="source"/>
    /// even when the caller then finds the chaining values wrong.
    /// </summary>
    /// <param name="startChunk">The first subtree's chunk counter; a multiple of <c>2^chunkLog</c>.</param>
    /// <param name="source">Exactly <c>output.Length * 2^chunkLog * 1024</c> bytes.</param>
    /// <param name="destination">As long as <paramref name="source"/>, not overlapping it.</param>
    /// <param name="chunkLog">Chunks per subtree, as a power of two (0…54).</param>
    /// <param name="output">Receives one chaining value per subtree.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="source"/> is not exactly <c>output.Length</c> whole subtrees, <paramref name="destination"/> has
    /// another length or overlaps it, or <paramref name="startChunk"/> is not a multiple of the subtree size.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkLog"/> is negative or above 54.</exception>
    public static void HashSubtreesCopy(ulong startChunk, ReadOnlySpan<byte> source, Span<byte> destination, int chunkLog, Span<Hash> output) =>
        HashSubtreesCopy(Implementations.Best, startChunk, source, destination, chunkLog, output);

    internal static unsafe void HashSubtreesCopy(Implementation implementation, ulong startChunk, ReadOnlySpan<byte> source, Span<byte> destination,
        int chunkLog, Span<Hash> output)
    {
        ValidateSubtrees(startChunk, source.Length, chunkLog, output.Length, nameof(source));
        if (destination.Length != source.Length)
            throw new ArgumentException($"the destination holds {destination.Length} bytes, the source {source.Length}", nameof(destination));
        if (source.Overlaps(destination))
            throw new ArgumentException("the destination overlaps the source", nameof(destination));
        if (output.IsEmpty)
            return;
        fixed (byte* input = source)
        fixed (byte* copy = destination)
        fixed (Hash* cvsOut = output)
            SubtreesCore(implementation, startChunk, input, copy, chunkLog, output.Length, cvsOut);
    }

    private static void ValidateSubtrees(ulong startChunk, int dataLength, int chunkLog, int count, string dataName)
    {
        if ((uint)chunkLog > 54)
            throw new ArgumentOutOfRangeException(nameof(chunkLog), chunkLog, "a subtree holds 2^0 to 2^54 chunks");
        ulong groupChunks = 1UL << chunkLog;
        if ((startChunk & (groupChunks - 1)) != 0)
            throw new ArgumentException(
                $"subtrees of {groupChunks} chunks start at multiples of {groupChunks}, not at chunk {startChunk}", nameof(startChunk));
        ulong groupBytes = groupChunks * ChunkLen;
        if ((ulong)dataLength != (ulong)count * groupBytes)
            throw new ArgumentException(
                $"{count} subtrees of {groupBytes} bytes at chunk {startChunk} need {(ulong)count * groupBytes} bytes, got {dataLength}",
                dataName);
    }

    // count subtrees of 2^chunkLog chunks from input (and copied to copy unless it is null) to their CVs.
    private static unsafe void SubtreesCore(Implementation implementation, ulong startChunk, byte* input, byte* copy, int chunkLog, int count, Hash* cvsOut)
    {
        ulong groupChunks = 1UL << chunkLog;
        nint groupBytes = (nint)(groupChunks * ChunkLen);
        var key = Blake3Constants.IV;
        if (chunkLog > ManyLog)
        {
            // A group this big fills every lane by itself.
            for (var i = 0; i < count; i++)
            {
                if (copy is null)
                    TreeCompressor.SubtreeCv(implementation, input + i * groupBytes, groupBytes, &key,
                        startChunk + (ulong)i * groupChunks, 0, 1, (byte*)(cvsOut + i));
                else
                    LargeSubtreeCopy(implementation, startChunk + (ulong)i * groupChunks, input + i * groupBytes, copy + i * groupBytes,
                        chunkLog, cvsOut + i);
            }
            return;
        }
        const int chunkBlocks = Blake3Constants.ChunkLen / Blake3Constants.BlockLen;
        if (chunkLog == 0)
        {
            ChunkCvs(implementation, input, copy, count, &key, startChunk, (byte*)cvsOut);
            return;
        }
        // Tiles of up to 64 chunks: their CVs, then each level's parents, many at a time, down to one CV per group.
        byte* cvs = stackalloc byte[ManyChunks * Blake3Constants.OutLen];
        byte* parents = stackalloc byte[ManyChunks / 2 * Blake3Constants.OutLen];
        int groupsPerTile = ManyChunks >> chunkLog;
        for (var g = 0; g < count; g += groupsPerTile)
        {
            int groups = Math.Min(groupsPerTile, count - g);
            int chunks = groups << chunkLog;
            ChunkCvs(implementation, input + g * groupBytes, copy is null ? null : copy + g * groupBytes, chunks, &key,
                startChunk + (ulong)g * groupChunks, cvs);
            for (var level = 0; level < chunkLog; level++)
            {
                chunks /= 2;
                HashMany.Run(implementation, cvs, chunks, 1, (uint*)&key, 0, incrementCounter: false, Blake3Constants.Parent, 0, 0, parents);
                Buffer.MemoryCopy(parents, cvs, chunks * Blake3Constants.OutLen, chunks * Blake3Constants.OutLen);
            }
            Buffer.MemoryCopy(cvs, cvsOut + g, groups * Blake3Constants.OutLen, groups * Blake3Constants.OutLen);
        }

        static void ChunkCvs(Implementation implementation, byte* input, byte* copy, int count, CvWords* key, ulong counter, byte* output)
        {
            if (copy is null)
                HashMany.Run(implementation, input, count, chunkBlocks, (uint*)key, counter, incrementCounter: true, 0,
                    Blake3Constants.ChunkStart, Blake3Constants.ChunkEnd, output);
            else
                HashMany.RunCopy(implementation, input, copy, count, chunkBlocks, (uint*)key, counter, incrementCounter: true, 0,
                    Blake3Constants.ChunkStart, Blake3Constants.ChunkEnd, output);
        }
    }

    // One subtree of more than 64 chunks, copied while hashed: its two halves, then their parent.
    private static unsafe void LargeSubtreeCopy(Implementation implementation, ulong startChunk, byte* input, byte* copy, int chunkLog, Hash* cv)
    {
        if (chunkLog <= ManyLog)
        {
            SubtreesCore(implementation, startChunk, input, copy, chunkLog, 1, cv);
            return;
        }
        Hash* halves = stackalloc Hash[2];
        nint half = (nint)((1UL << (chunkLog - 1)) * ChunkLen);
        LargeSubtreeCopy(implementation, startChunk, input, copy, chunkLog - 1, halves);
        LargeSubtreeCopy(implementation, startChunk + (1UL << (chunkLog - 1)), input + half, copy + half, chunkLog - 1, halves + 1);
        var key = Blake3Constants.IV;
        HashMany.Run(implementation, (byte*)halves, 1, 1, (uint*)&key, 0, incrementCounter: false, Blake3Constants.Parent, 0, 0, (byte*)cv);
    }

    /// <summary>
    /// The non-root chaining values of many parent nodes at once: <paramref name="pairs"/> holds
    /// <c>output.Length</c> blocks of 64 bytes (left child CV, then right), as <see cref="ParentCv"/> takes them.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="pairs"/> is not exactly 64 bytes per output.</exception>
    public static void ParentCvs(ReadOnlySpan<byte> pairs, Span<Hash> output) => ParentCvs(Implementations.Best, pairs, output);

    internal static unsafe void ParentCvs(Implementation implementation, ReadOnlySpan<byte> pairs, Span<Hash> output)
    {
        if ((long)pairs.Length != (long)output.Length * Blake3Constants.BlockLen)
            throw new ArgumentException($"{output.Length} parents need {output.Length * Blake3Constants.BlockLen} bytes of pairs, got {pairs.Length}", nameof(pairs));
        if (output.IsEmpty)
            return;
        var key = Blake3Constants.IV;
        fixed (byte* input = pairs)
        fixed (Hash* cvs = output)
            HashMany.Run(implementation, input, output.Length, 1, (uint*)&key, 0, incrementCounter: false, Blake3Constants.Parent, 0, 0, (byte*)cvs);
    }

    // Groups of up to 2^ManyLog chunks are hashed many at a time, in tiles of ManyChunks chunks.
    private const int ManyLog = 6;
    private const int ManyChunks = 1 << ManyLog;

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
