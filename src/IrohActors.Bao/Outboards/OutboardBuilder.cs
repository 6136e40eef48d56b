using System.Buffers;
using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>Receives a computed parent pair.</summary>
internal delegate void PairSink(TreeNode node, in HashPair pair);

/// <summary>
/// Computes every stored pair of a blob in one forward pass: chunk-group CVs in batches (in parallel across
/// cores for big batches), folded in order on a stack, which yields the parents in post-order.
/// </summary>
internal static class OutboardBuilder
{
    private const int BatchBytes = 4 << 20;

    public static Hash Compute(BaoTree tree, DataSource source, PairSink save)
    {
        var groupBytes = (int)tree.BlockSize.Bytes;
        if (tree.IsSingleGroup)
        {
            var scratch = new byte[(int)tree.Size];
            return Subtree.HashSubtree(0, source.Read(0, (int)tree.Size, scratch).Span, true);
        }
        var k = tree.BlockSize.ChunkLog;
        var blocks = tree.Blocks;
        // Sized to the blob: a tree import builds thousands of outboards of two or three groups, and arrays for a
        // 4 MiB batch (16 KiB of CVs, 5 KiB of stack) were most of what it allocated (and what its GCs paused for).
        var groupsPerBatch = (int)Math.Min((ulong)Math.Max(1, BatchBytes / groupBytes), blocks);
        // Two buffers: while one batch is hashed, the next is read (files and streams; memory needs no copy).
        // Two CV arrays: the CVs of one batch are folded while the next batch is hashed on the other cores.
        byte[][] buffers = source is MemoryDataSource
            ? [[], []]
            : [ArrayPool<byte>.Shared.Rent(groupsPerBatch * groupBytes), ArrayPool<byte>.Shared.Rent(groupsPerBatch * groupBytes)];
        var cvs = new[] { new Hash[groupsPerBatch], new Hash[groupsPerBatch] };
        // The stack holds complete subtrees of decreasing size (one per bit of the groups folded so far) and two more
        // while they merge.
        var stack = new Pending[66 - System.Numerics.BitOperations.LeadingZeroCount(blocks)];
        var depth = 0;
        var next = Task.FromResult(ReadOnlyMemory<byte>.Empty);
        WorkRound? hashing = null;
        try
        {
            next = ReadBatchAsync(source, tree, 0, groupsPerBatch, buffers[0]);
            var turn = 0;
            var folded = 0UL;
            var pendingCount = 0;
            for (ulong g0 = 0; g0 < blocks; g0 += (ulong)groupsPerBatch)
            {
                var n = (int)Math.Min((ulong)groupsPerBatch, blocks - g0);
                var batch = next.GetAwaiter().GetResult();
                var batchCvs = cvs[turn];
                turn ^= 1;
                var following = g0 + (ulong)groupsPerBatch;
                // The other buffer is free: the batch hashed in it finished in the previous iteration.
                next = following < blocks ? ReadBatchAsync(source, tree, following, groupsPerBatch, buffers[turn]) : Task.FromResult(ReadOnlyMemory<byte>.Empty);
                hashing = StartHashing(batch, g0 << k, groupBytes, n, batchCvs);
                // While the helpers hash this batch, fold the previous one's CVs, then help.
                depth = Fold(cvs[turn], pendingCount, folded, stack, depth, blocks, k, save);
                folded = g0;
                pendingCount = n;
                hashing.Wait();
                hashing = null;
            }
            depth = Fold(cvs[turn ^ 1], pendingCount, folded, stack, depth, blocks, k, save);
            while (depth >= 2)
                depth = Merge(stack, depth, blocks, k, save);
            return stack[0].Cv;
        }
        finally
        {
            // Hashing or a read still in flight (after a failure) must finish before its buffer goes back to the pool.
            hashing?.WaitQuietly();
            try
            {
                next.GetAwaiter().GetResult();
            }
            catch (Exception) when (!next.IsCompletedSuccessfully)
            {
                // Only reached after another failure already propagating; this read's error is secondary.
            }
            foreach (var buffer in buffers)
                if (buffer.Length > 0)
                    ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Pushes the CVs of groups first..first+count on the merge stack, merging equal-sized neighbours as soon as
    // both are complete (the merge covering everything is the root).
    private static int Fold(Hash[] cvs, int count, ulong first, Pending[] stack, int depth, ulong blocks, int k, PairSink save)
    {
        if (count >= 4 && System.Numerics.BitOperations.IsPow2(count) && first % (ulong)count == 0)
        {
            // A whole aligned subtree: its inner parents level by level, many per SIMD call (consecutive CVs are
            // exactly the 64-byte parent blocks), down to two halves; those merge on the stack as usual (one of
            // those merges may be the root, which needs the root flag).
            var level = 0;
            var n = count;
            var parents = ArrayPool<Hash>.Shared.Rent(count / 2);
            while (n > 2)
            {
                var pairs = System.Runtime.InteropServices.MemoryMarshal.AsBytes(cvs.AsSpan(0, n));
                for (var i = 0; i < n / 2; i++)
                {
                    var start = first + ((ulong)(2 * i) << level);
                    save(TreeNode.FromStartAndLevel(new ChunkNum(start), level).SubtractBlockSize(k), new HashPair(cvs[2 * i], cvs[2 * i + 1]));
                }
                Subtree.ParentCvs(pairs, parents.AsSpan(0, n / 2));
                parents.AsSpan(0, n / 2).CopyTo(cvs);
                n /= 2;
                level++;
            }
            ArrayPool<Hash>.Shared.Return(parents);
            var half = (ulong)count / 2;
            stack[depth++] = new Pending(cvs[0], first, half);
            stack[depth++] = new Pending(cvs[1], first + half, half);
            while (depth >= 2 && stack[depth - 1].Count == stack[depth - 2].Count)
                depth = Merge(stack, depth, blocks, k, save);
            return depth;
        }
        for (var i = 0; i < count; i++)
        {
            stack[depth++] = new Pending(cvs[i], first + (ulong)i, 1);
            while (depth >= 2 && stack[depth - 1].Count == stack[depth - 2].Count)
                depth = Merge(stack, depth, blocks, k, save);
        }
        return depth;
    }

    private static Task<ReadOnlyMemory<byte>> ReadBatchAsync(DataSource source, BaoTree tree, ulong firstGroup, int groupsPerBatch, byte[] buffer)
    {
        var groupBytes = tree.BlockSize.Bytes;
        var start = firstGroup * groupBytes;
        var length = (int)Math.Min((ulong)groupsPerBatch * groupBytes, tree.Size - start);
        return source is MemoryDataSource
            ? Task.FromResult(source.Read(start, length, buffer))
            : Task.Run(() => source.Read(start, length, buffer));
    }

    /// <summary>Every stored parent of <paramref name="tree"/>, in pre-order.</summary>
    public static IEnumerable<TreeNode> StoredNodes(BaoTree tree)
    {
        var walk = new ResponseWalk(tree, ChunkRanges.All);
        while (walk.TryNext(out var item))
            if (item.Kind == BaoChunkKind.Parent && tree.IsStored(item.Node))
                yield return item.Node;
    }

    /// <summary>Hashes <paramref name="count"/> consecutive groups of <paramref name="batch"/> (the last may be short) on all cores.</summary>
    internal static void HashGroups(ReadOnlyMemory<byte> batch, ulong firstChunk, int groupBytes, int count, Hash[] cvs) =>
        StartHashing(batch, firstChunk, groupBytes, count, cvs).Wait();

    /// <summary>Bytes of groups per unit of work: a few hundred KiB, whole groups.</summary>
    private const int UnitBytes = 256 << 10;

    // Starts hashing the groups on helper threads, in units of whole groups; the caller's Wait helps.
    private static WorkRound StartHashing(ReadOnlyMemory<byte> batch, ulong firstChunk, int groupBytes, int count, Hash[] cvs)
    {
        var chunksPerGroup = (ulong)(groupBytes / ChunkNum.ChunkLen);
        var groupsPerUnit = Math.Max(1, UnitBytes / groupBytes);
        var units = (count + groupsPerUnit - 1) / groupsPerUnit;
        return WorkRound.Start(units, u =>
        {
            var from = u * groupsPerUnit;
            HashRange(batch.Span, firstChunk, chunksPerGroup, groupBytes, from, Math.Min(count, from + groupsPerUnit), cvs);
        }, units > 1 ? WorkRound.DefaultHelpers : 0);
    }

    private static void HashRange(ReadOnlySpan<byte> batch, ulong firstChunk, ulong chunksPerGroup, int groupBytes, int from, int to, Hash[] cvs)
    {
        // Whole groups many at a time (small groups share the SIMD lanes); a short last group alone.
        var whole = Math.Min(to, batch.Length / groupBytes);
        if (whole > from)
            Subtree.HashSubtrees(firstChunk + (ulong)from * chunksPerGroup, batch.Slice(from * groupBytes, (whole - from) * groupBytes),
                System.Numerics.BitOperations.Log2(chunksPerGroup), cvs.AsSpan(from, whole - from));
        for (var i = Math.Max(from, whole); i < to; i++)
        {
            var start = i * groupBytes;
            cvs[i] = Subtree.HashSubtree(firstChunk + (ulong)i * chunksPerGroup, batch[start..], false);
        }
    }

    private static int Merge(Pending[] stack, int depth, ulong blocks, int k, PairSink save)
    {
        var right = stack[depth - 1];
        var left = stack[depth - 2];
        var isRoot = left.Start == 0 && left.Count + right.Count == blocks;
        var level = System.Numerics.BitOperations.Log2(left.Count);
        var node = TreeNode.FromStartAndLevel(new ChunkNum(left.Start), level).SubtractBlockSize(k);
        var pair = new HashPair(left.Cv, right.Cv);
        save(node, pair);
        stack[depth - 2] = new Pending(pair.ParentCv(isRoot), left.Start, left.Count + right.Count);
        return depth - 1;
    }

    // A complete subtree on the merge stack: its CV and the groups it covers.
    private readonly record struct Pending(Hash Cv, ulong Start, ulong Count);
}
