using IrohActors.Bao;

namespace IrohActors.Store.Backends;

/// <summary>
/// Hashes a file that is imported in place (referenced, not copied): one open, the size and modification time
/// read from the open handle before and after hashing, and files up to <see cref="MemoryLimit"/> read with one
/// call into a reused per-thread buffer, so a tree of small files costs little more than reading it.
/// </summary>
internal static class InPlaceHasher
{
    /// <summary>Files up to this size are hashed from memory; larger ones stream through the outboard builder.</summary>
    public const int MemoryLimit = 1 << 20;

    [ThreadStatic]
    private static byte[]? t_buffer;

    /// <summary>The staged reference with its outboard computed.</summary>
    /// <exception cref="IOException">The file changed (size or modification time) while it was hashed.</exception>
    public static StagedExternal Stage(string fullPath, BlockSize blockSize)
    {
        using var handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(handle);
        var mtime = File.GetLastWriteTimeUtc(handle).Ticks;
        PreOrderOutboard outboard;
        if (length <= MemoryLimit)
        {
            var buffer = t_buffer is { } b && b.Length >= length ? b : t_buffer = new byte[Math.Max(length, 64 << 10)];
            var filled = 0;
            int n;
            while (filled < length && (n = RandomAccess.Read(handle, buffer.AsSpan(filled, (int)length - filled), filled)) > 0)
                filled += n;
            if (filled != length)
                throw Changed(fullPath);
            outboard = PreOrderOutboard.Create(buffer.AsMemory(0, (int)length), blockSize);
        }
        else
        {
            outboard = PreOrderOutboard.CreateFromFile(fullPath, blockSize);
        }
        if (RandomAccess.GetLength(handle) != length || File.GetLastWriteTimeUtc(handle).Ticks != mtime || outboard.Tree.Size != (ulong)length)
            throw Changed(fullPath);
        return new StagedExternal(fullPath, length, mtime) { Outboard = outboard };
    }

    private static IOException Changed(string path) => new($"{path} changed while it was being imported; import it again");
}
