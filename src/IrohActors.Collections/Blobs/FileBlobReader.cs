using Microsoft.Win32.SafeHandles;

namespace IrohActors.Collections;

/// <summary>An <see cref="IBlobReader"/> over a file, using positional reads (safe to share between readers).</summary>
public sealed class FileBlobReader : IBlobReader, IDisposable
{
    private readonly SafeFileHandle _handle;

    /// <summary>Opens <paramref name="path"/> for reading; its size is taken once, at open.</summary>
    public FileBlobReader(string path)
    {
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        Size = RandomAccess.GetLength(_handle);
    }

    /// <inheritdoc/>
    public long Size { get; }

    /// <inheritdoc/>
    public async ValueTask<int> ReadAtAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= Size)
            return 0;
        if (buffer.Length > Size - offset)
            buffer = buffer[..(int)(Size - offset)];
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await RandomAccess.ReadAsync(_handle, buffer[total..], offset + total, cancellationToken).ConfigureAwait(false);
            if (n == 0)
                break;
            total += n;
        }
        return total;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();
}
