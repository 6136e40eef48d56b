using IrohActors.Blake3;
using IrohActors.Collections.Format;

namespace IrohActors.Collections.Building;

/// <summary>
/// A sorted run spilled to a temporary file: links in the collection's own link encoding, deleted on dispose.
/// </summary>
internal sealed class RunFile : IDisposable
{
    private const int BufferSize = 1 << 16;

    private RunFile(string path, long count)
    {
        Path = path;
        Count = count;
    }

    public string Path { get; }

    public long Count { get; }

    /// <summary>Writes <paramref name="sorted"/> (already in order) to a new temp file in <paramref name="directory"/>.</summary>
    public static RunFile Write(string directory, IEnumerable<Link> sorted)
    {
        string path = System.IO.Path.Combine(directory, $"iroh-collection-run-{Guid.NewGuid():N}.tmp");
        long count = 0;
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize);
            Span<byte> scratch = stackalloc byte[Varint.MaxLength];
            foreach (var link in sorted)
            {
                file.Write(scratch[..Varint.Write(scratch, (ulong)link.Name.Length)]);
                file.Write(link.Name.Span);
                WriteHash(file, link.Hash);
                count++;
            }
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        return new RunFile(path, count);
    }

    private static void WriteHash(Stream stream, Hash hash)
    {
        Span<byte> bytes = stackalloc byte[CollectionLayout.HashSize];
        hash.CopyTo(bytes);
        stream.Write(bytes);
    }

    /// <summary>Reads the run back in order.</summary>
    public IEnumerable<Link> Read()
    {
        using var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        var hash = new byte[CollectionLayout.HashSize];
        for (long i = 0; i < Count; i++)
        {
            ulong length = 0;
            for (int shift = 0; ; shift += 7)
            {
                int b = file.ReadByte();
                if (b < 0)
                    throw new EndOfStreamException($"run file {Path} ends early");
                length |= (ulong)(b & 0x7f) << shift;
                if ((b & 0x80) == 0)
                    break;
            }
            var name = new byte[length];
            file.ReadExactly(name);
            file.ReadExactly(hash);
            yield return new Link(name, Hash.FromBytes(hash));
        }
    }

    public void Dispose() => File.Delete(Path);
}
