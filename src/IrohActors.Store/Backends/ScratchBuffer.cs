namespace IrohActors.Store.Backends;

/// <summary>
/// A per-thread buffer for reading a whole small file at once: reused rather than allocated per file, because
/// fresh memory is slow to touch on a VM and a tree import reads tens of thousands of files.
/// </summary>
internal static class ScratchBuffer
{
    /// <summary>Files up to this size are read whole into the buffer (and hashed from memory).</summary>
    public const int MaxLength = 1 << 20;

    [ThreadStatic]
    private static byte[]? t_buffer;

    /// <summary>This thread's buffer, at least <paramref name="length"/> (≤ <see cref="MaxLength"/>) bytes long.</summary>
    public static byte[] Get(long length) =>
        t_buffer is { } b && b.Length >= length ? b : t_buffer = new byte[Math.Max(length, 64 << 10)];

    /// <summary>Reads exactly <paramref name="length"/> bytes from the start of <paramref name="handle"/>; false if the file is shorter.</summary>
    public static bool TryReadWhole(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> destination)
    {
        var filled = 0;
        int n;
        while (filled < destination.Length && (n = RandomAccess.Read(handle, destination[filled..], filled)) > 0)
            filled += n;
        return filled == destination.Length;
    }
}
