using System.Buffers;
using IrohActors.Blake3;
using IrohActors.Collections.Export;

namespace IrohActors.Collections;

/// <summary>
/// Writes a collection's blobs as files under a target directory, treating the collection as hostile: every name
/// is checked (<see cref="ExportPathPolicy"/>) and every existing path component must be a real directory, not a
/// symbolic link, before anything is written; files are created with create-new semantics (which never follow a
/// link), filled from the content source, checked against their BLAKE3 hash and renamed into place.
/// </summary>
public static class CollectionExporter
{
    private const int CopyBufferSize = 1 << 16;

    /// <summary>Exports every link of <paramref name="collection"/> to a file under <paramref name="targetDirectory"/>.</summary>
    /// <param name="collection">The collection to export.</param>
    /// <param name="targetDirectory">Created if missing; nothing outside it is created or changed.</param>
    /// <param name="contentSource">Opens the content of a blob by hash; the stream is disposed after copying.</param>
    /// <param name="overwrite">Replace existing regular files (never symbolic links or directories).</param>
    /// <param name="cancellationToken">Stops the export; files already moved into place stay.</param>
    /// <returns>Number of files and bytes written.</returns>
    /// <exception cref="CollectionExportException">A name is unsafe, a path conflicts, or content does not match its hash; the message names the link.</exception>
    public static Task<ExportSummary> ExportAsync(
        CollectionReader collection,
        string targetDirectory,
        Func<Hash, CancellationToken, ValueTask<Stream>> contentSource,
        bool overwrite = false,
        CancellationToken cancellationToken = default) =>
        ExportAsync(collection, targetDirectory, contentSource, overwrite, null, cancellationToken);

    /// <summary>
    /// Exports without overwriting, skipping the files <paramref name="alreadyThere"/> accepts: a downloader that
    /// wrote some files straight to their final paths (after <see cref="ExportTarget"/>'s checks) says so through it,
    /// and only the others are copied. Names and paths are checked exactly as by the other overload.
    /// </summary>
    /// <param name="collection">The collection to export.</param>
    /// <param name="targetDirectory">Created if missing; nothing outside it is created or changed.</param>
    /// <param name="contentSource">Opens the content of a blob by hash; the stream is disposed after copying.</param>
    /// <param name="alreadyThere">True when the regular file at the path (second argument) already holds the link's content.</param>
    /// <param name="cancellationToken">Stops the export; files already moved into place stay.</param>
    /// <returns>Number of files in place (placed or written) and bytes written by this export.</returns>
    /// <exception cref="CollectionExportException">A name is unsafe, a path conflicts, or content does not match its hash; the message names the link.</exception>
    public static Task<ExportSummary> ExportAsync(
        CollectionReader collection,
        string targetDirectory,
        Func<Hash, CancellationToken, ValueTask<Stream>> contentSource,
        Func<Link, string, bool>? alreadyThere,
        CancellationToken cancellationToken = default) =>
        ExportAsync(collection, targetDirectory, contentSource, false, alreadyThere, cancellationToken);

    private static async Task<ExportSummary> ExportAsync(
        CollectionReader collection,
        string targetDirectory,
        Func<Hash, CancellationToken, ValueTask<Stream>> contentSource,
        bool overwrite,
        Func<Link, string, bool>? alreadyThere,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(targetDirectory);
        ArgumentNullException.ThrowIfNull(contentSource);
        string root = Path.GetFullPath(targetDirectory);
        var plan = new ExportPlan(root, overwrite);

        // Pass 1: check every name and every existing path before writing anything.
        await foreach (var link in collection.EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            // A file the caller put in place itself (after the same checks) needs neither the checks nor a copy.
            if (alreadyThere is not null && alreadyThere(link, NaivePath(root, link)))
                continue;
            plan.Check(link, alreadyThere);
        }

        // Pass 2: write. Checks repeat per component, so a link planted between the passes is still refused.
        Directory.CreateDirectory(root);
        long files = 0, bytes = 0;
        await foreach (var link in collection.EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            if (alreadyThere is not null && alreadyThere(link, NaivePath(root, link)))
            {
                files++;
                continue;
            }
            string path = plan.PrepareDirectories(link.Name.Span);
            bytes += await WriteFileAsync(link, path, contentSource, overwrite, cancellationToken).ConfigureAwait(false);
            files++;
        }
        return new ExportSummary(files, bytes);
    }

    // The path a checked name maps to (segments joined under the root); only used to ask alreadyThere.
    private static string NaivePath(string root, Link link) => Path.Combine(root, Path.Combine(ExportPathPolicy.Segments(link.Name.Span)));

    private static async Task<long> WriteFileAsync(Link link, string path, Func<Hash, CancellationToken, ValueTask<Stream>> contentSource, bool overwrite, CancellationToken cancellationToken)
    {
        string temp = Path.Combine(Path.GetDirectoryName(path)!, $".iroh-export-{Guid.NewGuid():N}.partial");
        long length = 0;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            var hasher = Hasher.New();
            var source = await contentSource(link.Hash, cancellationToken).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                // CreateNew is O_CREAT|O_EXCL: it fails on any existing entry, a dangling symbolic link included.
                var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
                await using (file.ConfigureAwait(false))
                {
                    int n;
                    while ((n = await source.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        hasher.Update(buffer.AsSpan(0, n));
                        await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                        length += n;
                    }
                }
            }
            var actual = hasher.Finalize();
            if (actual != link.Hash)
                throw new CollectionExportException(link.Name.Span, $"content has BLAKE3 {actual.ToHex()}, the link says {link.Hash.ToHex()}");
            ExportPlan.CheckFinal(link.Name.Span, path, overwrite);
            // rename(2) replaces the directory entry itself; without overwrite .NET links then unlinks, failing on any existing entry.
            File.Move(temp, path, overwrite);
            return length;
        }
        catch (IOException e) when (e is not CollectionExportException)
        {
            throw new CollectionExportException(link.Name.Span, e.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            File.Delete(temp);
        }
    }
}

/// <summary>What an export wrote.</summary>
/// <param name="Files">Files written.</param>
/// <param name="Bytes">Bytes of content written.</param>
public readonly record struct ExportSummary(long Files, long Bytes);
