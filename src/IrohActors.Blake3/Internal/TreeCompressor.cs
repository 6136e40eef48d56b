using System.Buffers;
using System.Numerics;

namespace IrohActors.Blake3.Internal;

/// <summary>
/// Compresses whole subtrees of the BLAKE3 tree with the lane kernels: chunks many at a time, and each tree
/// level's parents many at a time, keeping the CVs wide on the way up (<c>compress_subtree_wide</c> in
/// src/lib.rs). Large subtrees are split into aligned pieces hashed on several threads.
/// </summary>
internal static unsafe class TreeCompressor
{
    /// <summary>Below this, one thread is faster than splitting (BLAKE3 docs: about 128 KiB on x86-64).</summary>
    public const int ParallelMinBytes = 128 * 1024;

    private const int MinPieceBytes = 64 * 1024;
    private const int MaxPieceBytes = 8 * 1024 * 1024;

    /// <summary>The largest power-of-two number of chunks, in bytes, that leaves at least one byte on the right.</summary>
    public static nint LeftSubtreeLen(nint len)
    {
        ulong fullChunks = (ulong)(len - 1) / Blake3Constants.ChunkLen;
        return (nint)(BitOperations.RoundUpToPowerOf2(fullChunks + 1) / 2 * Blake3Constants.ChunkLen);
    }

    private static int MaxDegreeOr2(Implementation implementation) => Math.Max(implementation.Degree(), 2);

    /// <summary>CVs of the whole chunks (one <see cref="HashMany"/> call) and of a trailing partial chunk.</summary>
    private static int CompressChunksParallel(Implementation implementation, byte* input, nint len, CvWords* key, ulong chunkCounter,
        uint flags, byte* output)
    {
        int whole = (int)(len / Blake3Constants.ChunkLen);
        HashMany.Run(implementation, input, whole, Blake3Constants.ChunkLen / Blake3Constants.BlockLen, (uint*)key, chunkCounter,
            incrementCounter: true, flags, Blake3Constants.ChunkStart, Blake3Constants.ChunkEnd, output);
        int rest = (int)(len - (nint)whole * Blake3Constants.ChunkLen);
        if (rest == 0)
            return whole;
        var chunk = new ChunkState(*key, chunkCounter + (ulong)whole, flags);
        chunk.Update(new ReadOnlySpan<byte>(input + (nint)whole * Blake3Constants.ChunkLen, rest));
        chunk.Output().ChainingValue(output + whole * Blake3Constants.OutLen);
        return whole + 1;
    }

    /// <summary>Parents of adjacent CV pairs (one <see cref="HashMany"/> call); an odd CV left over passes up unchanged.</summary>
    private static int CompressParentsParallel(Implementation implementation, byte* childCvs, int count, CvWords* key, uint flags, byte* output)
    {
        int pairs = count / 2;
        HashMany.Run(implementation, childCvs, pairs, 1, (uint*)key, 0, incrementCounter: false, flags | Blake3Constants.Parent, 0, 0, output);
        if ((count & 1) == 0)
            return pairs;
        Buffer.MemoryCopy(childCvs + pairs * Blake3Constants.BlockLen, output + pairs * Blake3Constants.OutLen, Blake3Constants.OutLen, Blake3Constants.OutLen);
        return pairs + 1;
    }

    /// <summary>Hashes a subtree (more than one chunk) to at most max(degree, 2) CVs, at least two.</summary>
    private static int CompressSubtreeWide(Implementation implementation, byte* input, nint len, CvWords* key, ulong chunkCounter,
        uint flags, byte* output)
    {
        if (len <= (nint)implementation.Degree() * Blake3Constants.ChunkLen)
            return CompressChunksParallel(implementation, input, len, key, chunkCounter, flags, output);

        nint leftLen = LeftSubtreeLen(len);
        ulong rightCounter = chunkCounter + (ulong)(leftLen / Blake3Constants.ChunkLen);
        // A single left chunk happens only at degree 1 (scalar): then each side yields one CV and we return both.
        int degree = leftLen == Blake3Constants.ChunkLen ? 1 : MaxDegreeOr2(implementation);
        byte* cvs = stackalloc byte[2 * MaxDegreeOr2(implementation) * Blake3Constants.OutLen];
        int leftN = CompressSubtreeWide(implementation, input, leftLen, key, chunkCounter, flags, cvs);
        int rightN = CompressSubtreeWide(implementation, input + leftLen, len - leftLen, key, rightCounter, flags,
            cvs + degree * Blake3Constants.OutLen);
        if (leftN == 1)
        {
            Buffer.MemoryCopy(cvs, output, 2 * Blake3Constants.OutLen, 2 * Blake3Constants.OutLen);
            return 2;
        }
        return CompressParentsParallel(implementation, cvs, leftN + rightN, key, flags, output);
    }

    /// <summary>
    /// Hashes a subtree of more than one chunk down to its root's two child CVs (the 64-byte parent block,
    /// not yet compressed, so the caller decides root or non-root). <paramref name="threads"/> above 1 splits
    /// large inputs across threads.
    /// </summary>
    public static void CompressSubtreeToParentNode(Implementation implementation, byte* input, nint len, CvWords* key, ulong chunkCounter,
        uint flags, int threads, byte* output64)
    {
        if (threads > 1 && len >= ParallelMinBytes)
        {
            ParallelToParentNode(implementation, input, len, *key, chunkCounter, flags, threads, output64);
            return;
        }
        int width = MaxDegreeOr2(implementation);
        byte* cvs = stackalloc byte[width * Blake3Constants.OutLen];
        byte* parents = stackalloc byte[width / 2 * Blake3Constants.OutLen];
        int n = CompressSubtreeWide(implementation, input, len, key, chunkCounter, flags, cvs);
        while (n > 2)
        {
            n = CompressParentsParallel(implementation, cvs, n, key, flags, parents);
            Buffer.MemoryCopy(parents, cvs, n * Blake3Constants.OutLen, n * Blake3Constants.OutLen);
        }
        Buffer.MemoryCopy(cvs, output64, Blake3Constants.BlockLen, Blake3Constants.BlockLen);
    }

    /// <summary>The non-root chaining value of a subtree (any length; one chunk or less is a chunk CV).</summary>
    public static void SubtreeCv(Implementation implementation, byte* input, nint len, CvWords* key, ulong chunkCounter, uint flags,
        int threads, byte* output32)
    {
        if (len <= Blake3Constants.ChunkLen)
        {
            var chunk = new ChunkState(*key, chunkCounter, flags);
            chunk.Update(new ReadOnlySpan<byte>(input, (int)len));
            chunk.Output().ChainingValue(output32);
            return;
        }
        byte* block = stackalloc byte[Blake3Constants.BlockLen];
        CompressSubtreeToParentNode(implementation, input, len, key, chunkCounter, flags, threads, block);
        Output.Parent(block, *key, flags).ChainingValue(output32);
    }

    /// <summary>The final node of a whole input at chunk 0: the chunk itself, or the top parent.</summary>
    public static Output RootOutput(Implementation implementation, byte* input, nint len, CvWords key, uint flags, int threads)
    {
        if (len <= Blake3Constants.ChunkLen)
        {
            var chunk = new ChunkState(key, 0, flags);
            chunk.Update(new ReadOnlySpan<byte>(input, (int)len));
            return chunk.Output();
        }
        byte* block = stackalloc byte[Blake3Constants.BlockLen];
        CompressSubtreeToParentNode(implementation, input, len, &key, 0, flags, threads, block);
        return Output.Parent(block, key, flags);
    }

    /// <summary>
    /// Splits the subtree into aligned power-of-two pieces, hashes them on up to <paramref name="threads"/> threads,
    /// and merges the piece CVs with the same left-power-of-two rule (aligned pieces are nodes of the tree).
    /// </summary>
    private static void ParallelToParentNode(Implementation implementation, byte* input, nint len, CvWords key, ulong chunkCounter,
        uint flags, int threads, byte* output64)
    {
        nint piece = MinPieceBytes;
        while (piece < MaxPieceBytes && piece * 2 * threads * 8 <= len)
            piece *= 2;
        int pieces = (int)((len + piece - 1) / piece);
        byte[] rented = ArrayPool<byte>.Shared.Rent(pieces * Blake3Constants.OutLen);
        try
        {
            fixed (byte* cvs = rented)
            {
                nint inputAddress = (nint)input, cvsAddress = (nint)cvs;
                Parallel.For(0, pieces, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
                {
                    nint offset = i * piece;
                    nint pieceLen = Math.Min(piece, len - offset);
                    var k = key;
                    SubtreeCv(implementation, (byte*)inputAddress + offset, pieceLen, &k,
                        chunkCounter + (ulong)(offset / Blake3Constants.ChunkLen), flags, 1, (byte*)cvsAddress + i * Blake3Constants.OutLen);
                });
                int left = (int)(BitOperations.RoundUpToPowerOf2((uint)pieces) / 2);
                MergeRange(cvs, left, key, flags, output64);
                MergeRange(cvs + left * Blake3Constants.OutLen, pieces - left, key, flags, output64 + Blake3Constants.OutLen);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void MergeRange(byte* cvs, int count, CvWords key, uint flags, byte* output32)
    {
        if (count == 1)
        {
            Buffer.MemoryCopy(cvs, output32, Blake3Constants.OutLen, Blake3Constants.OutLen);
            return;
        }
        int left = (int)(BitOperations.RoundUpToPowerOf2((uint)count) / 2);
        byte* pair = stackalloc byte[Blake3Constants.BlockLen];
        MergeRange(cvs, left, key, flags, pair);
        MergeRange(cvs + left * Blake3Constants.OutLen, count - left, key, flags, pair + Blake3Constants.OutLen);
        Output.Parent(pair, key, flags).ChainingValue(output32);
    }
}
