using IrohActors.Bao;

namespace IrohActors.Store.Backends;

/// <summary>
/// Hashes a file that is imported in place (referenced, not copied): one open, the size and modification time
/// read from the open handle before and after hashing, and files up to <see cref="ScratchBuffer.MaxLength"/> read
/// with one call into a reused per-thread buffer, so a tree of small files costs little more than reading it.
/// </summary>
internal static class InPlaceHasher
{
    /// <summary>The staged reference with its outboard computed.</summary>
    /// <exception cref="IOException">The file changed (size or modification time) while it was hashed.</exception>
    public static StagedExternal Stage(string fullPath, BlockSize blockSize)
    {
        using var handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(handle);
        var mtime = File.GetLastWriteTimeUtc(handle).Ticks;
        PreOrderOutboard outboard;
        if (length <= ScratchBuffer.MaxLength)
        {
            var buffer = ScratchBuffer.Get(length);
            if (!ScratchBuffer.TryReadWhole(handle, buffer.AsSpan(0, (int)length)))
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
