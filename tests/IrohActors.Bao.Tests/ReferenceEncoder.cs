using IrohActors.Blake3;

namespace IrohActors.Bao.Tests;

/// <summary>
/// The plainly correct recursive encoder (bao-tree's <c>encode_selected_rec</c>, written from its description):
/// split at the largest power of two of chunks, emit a parent unless the query is empty or covers a
/// subtree below the group level entirely, emit the data of every selected leaf. Slow and obvious.
/// </summary>
internal static class ReferenceEncoder
{
    /// <summary>The range stream for <paramref name="ranges"/> (truncated first) at chunk log <paramref name="minLevel"/>.</summary>
    public static (byte[] Encoded, Hash Root) Encode(byte[] data, ChunkRanges ranges, int minLevel, bool emitData = true)
    {
        var output = new List<byte>();
        var root = Rec(0, data, true, ranges.Truncate((ulong)data.Length), 0, ulong.MaxValue, minLevel, emitData, output);
        return (output.ToArray(), root);
    }

    /// <summary>The pre-order outboard: every parent at or above the group level, no data.</summary>
    public static byte[] PreOrderOutboard(byte[] data, int chunkLog) => Encode(data, ChunkRanges.All, chunkLog, emitData: false).Encoded;

    /// <summary>The post-order outboard: the same pairs, each after its subtrees.</summary>
    public static byte[] PostOrderOutboard(byte[] data, int chunkLog)
    {
        var output = new List<byte>();
        Post(0, data, true, chunkLog, output);
        return output.ToArray();
    }

    private static Hash Rec(ulong startChunk, ReadOnlySpan<byte> data, bool isRoot, ChunkRanges query, ulong start, ulong end, int minLevel, bool emitData, List<byte> output)
    {
        var nonEmpty = query.Intersects(start, end);
        if (data.Length <= 1024)
        {
            if (emitData && nonEmpty)
                output.AddRange(data);
            return Subtree.HashSubtree(startChunk, data, isRoot);
        }
        var chunks = 1;
        while (chunks < (data.Length + 1023) / 1024)
            chunks *= 2;
        var level = System.Numerics.BitOperations.Log2((uint)chunks) - 1;
        var full = query.Covers(start, end);
        var emitParent = nonEmpty && (!full || level >= minLevel);
        var at = output.Count;
        if (emitParent)
            output.AddRange(new byte[64]);
        var mid = startChunk + (ulong)(chunks / 2);
        var left = Rec(startChunk, data[..(chunks / 2 * 1024)], false, query, start, mid, minLevel, emitData, output);
        var right = Rec(mid, data[(chunks / 2 * 1024)..], false, query, mid, end, minLevel, emitData, output);
        if (emitParent)
        {
            var pair = new byte[64];
            left.CopyTo(pair.AsSpan(0, 32));
            right.CopyTo(pair.AsSpan(32, 32));
            for (var i = 0; i < 64; i++)
                output[at + i] = pair[i];
        }
        return Subtree.ParentCv(left, right, isRoot);
    }

    private static Hash Post(ulong startChunk, ReadOnlySpan<byte> data, bool isRoot, int chunkLog, List<byte> output)
    {
        if (data.Length <= 1024 << chunkLog)
            return Subtree.HashSubtree(startChunk, data, isRoot);
        var chunks = 1;
        while (chunks < (data.Length + 1023) / 1024)
            chunks *= 2;
        var mid = chunks / 2 * 1024;
        var left = Post(startChunk, data[..mid], false, chunkLog, output);
        var right = Post(startChunk + (ulong)(chunks / 2), data[mid..], false, chunkLog, output);
        var pair = new byte[64];
        left.CopyTo(pair.AsSpan(0, 32));
        right.CopyTo(pair.AsSpan(32, 32));
        output.AddRange(pair);
        return Subtree.ParentCv(left, right, isRoot);
    }
}
