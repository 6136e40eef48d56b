using System.Runtime.CompilerServices;
using IrohActors.Blake3;

namespace IrohActors.Collections;

/// <summary>
/// The links of a directory tree: one per regular file, named by its path relative to the root with <c>/</c>
/// between segments (UTF-8), hashed with BLAKE3. Symbolic links are never followed and never included (whether they
/// point at files or directories, inside or outside the tree); they and everything else <see cref="TreeWalker"/> leaves
/// out (pipes, sockets, devices, names that cannot be opened or received) are reported to <c>onSkipped</c> instead.
/// Empty directories produce nothing (a collection holds blobs only).
/// </summary>
public static class DirectoryLinks
{
    /// <summary>Walks <paramref name="root"/> depth first and yields a link per regular file (order unspecified).</summary>
    /// <param name="root">The directory to walk.</param>
    /// <param name="onSkipped">Called with every entry left out; may be null.</param>
    /// <param name="cancellationToken">Stops the walk.</param>
    public static async IAsyncEnumerable<Link> EnumerateAsync(string root, Action<SkippedEntry>? onSkipped = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        var top = new DirectoryInfo(root);
        if (!top.Exists)
            throw new DirectoryNotFoundException($"directory not found: {root}");
        foreach (var (path, name) in TreeWalker.Walk(root, onSkipped, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
            Hash hash;
            await using (stream.ConfigureAwait(false))
                hash = (await Hasher.New().UpdateAsync(stream, cancellationToken).ConfigureAwait(false)).Finalize();
            yield return new Link(name, hash);
        }
    }
}
