using IrohActors.Bao;
using IrohActors.Blake3;
using Microsoft.Win32.SafeHandles;

namespace IrohActors.Store.Backends;

/// <summary>
/// Hashes a file that is imported in place (referenced, not copied): one open, the size and modification time
/// read from the open file before and after hashing (a change in between fails the import; the recorded pair is
/// what a later read compares), and files up to <see cref="ScratchBuffer.MaxLength"/> read with one call into a
/// reused per-thread buffer and hashed on the calling thread, so a tree of small files costs little more than
/// reading it. On Linux that is five system calls per small file (<see cref="NativeFile"/>).
/// </summary>
internal static class InPlaceHasher
{
    /// <summary>
    /// The staged reference with its outboard computed; a small file (one chunk group, up to the cache's own limit) is
    /// also kept in <paramref name="recent"/> (the bytes it was hashed from), when given.
    /// </summary>
    /// <exception cref="IOException">The file changed (size or modification time) while it was hashed.</exception>
    public static StagedExternal Stage(string fullPath, BlockSize blockSize, RecentImportCache? recent = null) =>
        NativeFile.IsSupported ? StageNative(fullPath, blockSize, recent) : StageManaged(fullPath, blockSize, recent);

    private static StagedExternal StageNative(string fullPath, BlockSize blockSize, RecentImportCache? recent)
    {
        var fd = NativeFile.OpenRead(fullPath);
        try
        {
            var before = NativeFile.Stat(fd, fullPath);
            PreOrderOutboard outboard;
            var buffer = ReadOnlyMemory<byte>.Empty;
            if (before.Length <= ScratchBuffer.MaxLength)
            {
                var read = ScratchBuffer.Get(before.Length).AsMemory(0, (int)before.Length);
                if (!NativeFile.TryReadExactly(fd, fullPath, read.Span, 0))
                    throw Changed(fullPath);
                outboard = FromMemory(read, blockSize);
                buffer = read;
            }
            else
            {
                NativeFile.AdviseSequential(fd);
                using var handle = new SafeFileHandle(fd, ownsHandle: false);
                outboard = PreOrderOutboard.CreateFromFile(handle, blockSize, fullPath);
            }
            if (NativeFile.Stat(fd, fullPath) != before || outboard.Tree.Size != (ulong)before.Length)
                throw Changed(fullPath);
            Keep(recent, outboard, buffer);
            return new StagedExternal(fullPath, before.Length, before.MtimeTicks) { Outboard = outboard };
        }
        finally
        {
            NativeFile.Close(fd);
        }
    }

    private static StagedExternal StageManaged(string fullPath, BlockSize blockSize, RecentImportCache? recent)
    {
        using var handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(handle);
        var mtime = File.GetLastWriteTimeUtc(handle).Ticks;
        PreOrderOutboard outboard;
        var buffer = ReadOnlyMemory<byte>.Empty;
        if (length <= ScratchBuffer.MaxLength)
        {
            var read = ScratchBuffer.Get(length).AsMemory(0, (int)length);
            if (!ScratchBuffer.TryReadWhole(handle, read.Span))
                throw Changed(fullPath);
            outboard = FromMemory(read, blockSize);
            buffer = read;
        }
        else
        {
            outboard = PreOrderOutboard.CreateFromFile(handle, blockSize, fullPath);
        }
        if (RandomAccess.GetLength(handle) != length || File.GetLastWriteTimeUtc(handle).Ticks != mtime || outboard.Tree.Size != (ulong)length)
            throw Changed(fullPath);
        Keep(recent, outboard, buffer);
        return new StagedExternal(fullPath, length, mtime) { Outboard = outboard };
    }

    // Only after the file was found unchanged: the bytes kept are the ones the recorded size and time describe.
    private static void Keep(RecentImportCache? recent, PreOrderOutboard outboard, ReadOnlyMemory<byte> bytes)
    {
        if (recent is not null && outboard.Tree.IsSingleGroup && bytes.Length == (int)outboard.Tree.Size)
            recent.Add(outboard.Root, bytes.Span);
    }

    /// <summary>
    /// The outboard of bytes in memory. A blob of one chunk group (most files of a source tree) has no stored pairs
    /// and its root is its BLAKE3 hash: hashed directly, without the outboard builder's per-blob buffers.
    /// </summary>
    internal static PreOrderOutboard FromMemory(ReadOnlyMemory<byte> data, BlockSize blockSize)
    {
        var tree = new BaoTree((ulong)data.Length, blockSize);
        return tree.IsSingleGroup
            ? PreOrderOutboard.FromBytes(tree, Hasher.Hash(data.Span), [])
            : PreOrderOutboard.Create(data, blockSize);
    }

    private static IOException Changed(string path) => new($"{path} changed while it was being imported; import it again");
}
