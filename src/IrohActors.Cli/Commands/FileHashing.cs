using System.IO.MemoryMappedFiles;
using IrohActors.Blake3;

namespace IrohActors.Cli.Commands;

/// <summary>Feeds a file to a hasher the way b3sum does: memory-mapped and multi-threaded when it is large enough.</summary>
internal static class FileHashing
{
    /// <summary>Smaller files are read, not mapped (mapping costs more than it saves; b3sum uses the same bound).</summary>
    public const int MmapMinBytes = 16 * 1024;

    // Slices of 1 GiB are whole subtrees, so slicing changes nothing in the tree.
    private const long MapSliceBytes = 1L << 30;

    /// <summary>Adds the whole file to <paramref name="hasher"/> using up to <paramref name="threads"/> threads (0 = all cores).</summary>
    public static void UpdateFromFile(Hasher hasher, string path, int threads, bool useMemoryMap)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        long size = file.CanSeek ? file.Length : -1;
        if (!useMemoryMap || size < MmapMinBytes)
        {
            hasher.Update(file);
            return;
        }
        UpdateMapped(file, size, hasher, threads);
    }

    private static unsafe void UpdateMapped(FileStream file, long size, Hasher hasher, int threads)
    {
        using var map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        using var view = map.CreateViewAccessor(0, size, MemoryMappedFileAccess.Read);
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        try
        {
            start += view.PointerOffset;
            for (long offset = 0; offset < size; offset += MapSliceBytes)
            {
                int len = (int)Math.Min(MapSliceBytes, size - offset);
                hasher.UpdateParallel(new ReadOnlySpan<byte>(start + offset, len), threads);
            }
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }
}
