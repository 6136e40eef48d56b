using System.Buffers;
using IrohActors.Blake3;
using IrohActors.Collections.Building;
using IrohActors.Collections.Format;

namespace IrohActors.Collections;

/// <summary>
/// Builds a collection blob from links given in any order: sorts them by name (spilling to temporary files beyond
/// <see cref="CollectionBuilderOptions.MemoryBudget"/>), rejects duplicate names, and writes the canonical
/// encoding (header, index, links) to a stream. The same set of links always gives the same bytes.
/// </summary>
public sealed class CollectionBuilder : IDisposable
{
    private const int WriteBufferSize = 1 << 16;

    private readonly ExternalLinkSorter _sorter;
    private readonly string _tempDirectory;
    private readonly List<string> _spoolFiles = [];
    private bool _written;

    /// <summary>Creates an empty builder.</summary>
    public CollectionBuilder(CollectionBuilderOptions? options = null)
    {
        options ??= new CollectionBuilderOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MemoryBudget, nameof(options.MemoryBudget));
        _tempDirectory = options.TempDirectory ?? Path.GetTempPath();
        Directory.CreateDirectory(_tempDirectory);
        _sorter = new ExternalLinkSorter(options.MemoryBudget, _tempDirectory);
    }

    /// <summary>Links added so far.</summary>
    public long Count => _sorter.Count;

    /// <summary>Sorted runs spilled to temporary files so far (0 when everything fit the memory budget).</summary>
    public int SpilledRuns => _sorter.SpilledRuns;

    /// <summary>Adds a link; the name is copied.</summary>
    /// <exception cref="CollectionBuildException">The name is longer than 4096 bytes.</exception>
    public void Add(ReadOnlySpan<byte> name, Hash hash)
    {
        CheckName(name);
        _sorter.Add(new Link(name.ToArray(), hash));
    }

    /// <summary>Adds a link named by the UTF-8 encoding of <paramref name="name"/>.</summary>
    public void Add(string name, Hash hash) => Add(new Link(name, hash));

    /// <summary>Adds a link; its name memory must not change until the collection is written.</summary>
    public void Add(Link link)
    {
        CheckName(link.Name.Span);
        _sorter.Add(link);
    }

    /// <summary>Adds every link of <paramref name="links"/>.</summary>
    public void AddRange(IEnumerable<Link> links)
    {
        ArgumentNullException.ThrowIfNull(links);
        foreach (var link in links)
            Add(link);
    }

    /// <summary>Adds every link of an asynchronous stream.</summary>
    public async Task AddRangeAsync(IAsyncEnumerable<Link> links, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(links);
        await foreach (var link in links.WithCancellation(cancellationToken).ConfigureAwait(false))
            Add(link);
    }

    /// <summary>
    /// Sorts, checks and writes the collection to <paramref name="output"/> (which need not be seekable); can be
    /// called once. Nothing is written when a duplicate name is found.
    /// </summary>
    /// <exception cref="DuplicateLinkNameException">Two links share a name.</exception>
    public async Task<CollectionInfo> WriteToAsync(Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_written)
            throw new InvalidOperationException("this builder already wrote its collection");
        _written = true;

        var sorted = _sorter.Sorted();
        bool spill = _sorter.SpilledRuns > 0;
        using var partitioner = new LinkBlockPartitioner(spill ? NewSpoolFile : () => new MemoryStream());
        foreach (var link in sorted)
        {
            cancellationToken.ThrowIfCancellationRequested();
            partitioner.Add(link);
        }
        var levels = partitioner.Finish();

        var regions = new LevelRegion[levels.Count];
        long offset = CollectionLayout.HeaderSize(levels.Count);
        for (int i = 0; i < levels.Count; i++)
        {
            regions[i] = new LevelRegion(offset, levels[i].Length);
            offset += levels[i].Length;
        }
        var header = new CollectionHeader(partitioner.Count, offset, partitioner.Length, regions);

        var sink = new HashingSink(output);
        await sink.WriteAsync(header.Encode(), cancellationToken).ConfigureAwait(false);
        foreach (var level in levels)
        {
            level.Spool.Position = 0;
            await sink.CopyFromAsync(level.Spool, cancellationToken).ConfigureAwait(false);
        }
        long written = await WriteLinksAsync(sink, _sorter.Sorted(), cancellationToken).ConfigureAwait(false);
        if (written != header.LinksLength)
            throw new InvalidOperationException($"link list changed between passes: {written} bytes, planned {header.LinksLength}");
        return new CollectionInfo(sink.Finish(), header.BlobSize, header.Count);
    }

    /// <summary>Builds a collection from <paramref name="links"/> and writes it to <paramref name="output"/>.</summary>
    public static async Task<CollectionInfo> BuildAsync(IEnumerable<Link> links, Stream output, CollectionBuilderOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var builder = new CollectionBuilder(options);
        builder.AddRange(links);
        return await builder.WriteToAsync(output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Builds a collection from a stream of links and writes it to <paramref name="output"/>.</summary>
    public static async Task<CollectionInfo> BuildAsync(IAsyncEnumerable<Link> links, Stream output, CollectionBuilderOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var builder = new CollectionBuilder(options);
        await builder.AddRangeAsync(links, cancellationToken).ConfigureAwait(false);
        return await builder.WriteToAsync(output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the temporary files.</summary>
    public void Dispose()
    {
        _sorter.Dispose();
        foreach (var path in _spoolFiles)
            File.Delete(path);
    }

    private static void CheckName(ReadOnlySpan<byte> name)
    {
        if (name.Length > CollectionLayout.MaxNameLength)
            throw new CollectionBuildException(
                $"link name {LinkName.Display(name)} is {name.Length} bytes, at most {CollectionLayout.MaxNameLength} allowed");
    }

    private Stream NewSpoolFile()
    {
        string path = Path.Combine(_tempDirectory, $"iroh-collection-index-{Guid.NewGuid():N}.tmp");
        _spoolFiles.Add(path);
        return new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
    }

    private static async Task<long> WriteLinksAsync(HashingSink sink, IEnumerable<Link> sorted, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(WriteBufferSize);
        try
        {
            int used = 0;
            long total = 0;
            foreach (var link in sorted)
            {
                int size = LinkCodec.EncodedSize(link.Name.Length);
                if (used + size > buffer.Length)
                {
                    await sink.WriteAsync(buffer.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
                    used = 0;
                }
                used += LinkCodec.Encode(buffer.AsSpan(used), link.Name.Span, link.Hash);
                total += size;
            }
            await sink.WriteAsync(buffer.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes to the output and hashes what it writes, so the collection's hash costs no second read.</summary>
    private sealed class HashingSink(Stream output)
    {
        private readonly Hasher _hasher = Hasher.New();

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            _hasher.Update(bytes.Span);
            await output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }

        public async Task CopyFromAsync(Stream source, CancellationToken cancellationToken)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(WriteBufferSize);
            try
            {
                int n;
                while ((n = await source.ReadAsync(buffer.AsMemory(0, WriteBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                    await WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        public Hash Finish() => _hasher.Finalize();
    }
}
