using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Node.Getter;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Swarm;

/// <summary>
/// Downloads a blob or a collection from several providers at once into a node's store: each download is a
/// <see cref="DownloaderActor"/> under the node's actor system that splits the missing ranges across the providers,
/// verifies every chunk group as it arrives and writes it once. Resumes like the single-peer getter: only what the
/// store misses is requested.
/// </summary>
public sealed class SwarmDownloader
{
    private static long s_downloads;
    private readonly IrohNode _node;
    private readonly SwarmOptions _options;

    /// <summary>Creates a downloader for <paramref name="node"/> (its store, peers and event stream).</summary>
    public SwarmDownloader(IrohNode node, SwarmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        _node = node;
        _options = options ?? new SwarmOptions();
        _options.Validate();
    }

    /// <summary>
    /// Downloads <paramref name="hash"/> (a raw blob, or with <see cref="BlobFormat.HashSeq"/> a collection and all
    /// its children) from <paramref name="providers"/> and tags it as <c>get</c> and <c>receive</c> do.
    /// </summary>
    /// <exception cref="SwarmIncompleteException">No remaining provider had some ranges (named); the verified part is kept.</exception>
    /// <exception cref="ArgumentException">No providers were given.</exception>
    public Task<SwarmResult> DownloadAsync(Hash hash, BlobFormat format, IReadOnlyList<NodeAddr> providers, IProgress<SwarmProgress>? progress = null, CancellationToken cancellationToken = default) =>
        DownloadAsync(hash, format, providers, null, progress, cancellationToken);

    /// <summary>
    /// Downloads like <see cref="DownloadAsync(Hash, BlobFormat, IReadOnlyList{NodeAddr}, IProgress{SwarmProgress}?, CancellationToken)"/>
    /// and writes the content under <paramref name="targetDirectory"/> as <see cref="IrohNode.ReceiveAsync"/> does: a
    /// collection's children straight into the target as they complete (no second copy; checked by the safe-export
    /// rules before any is written), the rest (copies of the same content, blobs the store already held) exported
    /// after; a raw blob as a file named by its hash. Never overwrites; run again after an interruption to resume.
    /// </summary>
    /// <exception cref="SwarmIncompleteException">No remaining provider had some ranges (named); the verified part is kept.</exception>
    /// <exception cref="CollectionExportException">A name is unsafe or its path exists.</exception>
    /// <exception cref="IOException">The raw blob's target file exists.</exception>
    public async Task<(SwarmResult Download, ExportSummary Export)> ReceiveAsync(Hash hash, BlobFormat format, IReadOnlyList<NodeAddr> providers, string targetDirectory, IProgress<SwarmProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targetDirectory);
        var target = Path.GetFullPath(targetDirectory);
        if (format == BlobFormat.Raw)
        {
            var blobPath = Path.Combine(target, hash.ToHex());
            if (Path.Exists(blobPath))
                throw new IOException($"{blobPath} exists; refusing to overwrite it");
            var got = await DownloadAsync(hash, format, providers, null, progress, cancellationToken).ConfigureAwait(false);
            Directory.CreateDirectory(target);
            return (got, await _node.ExportAsync(hash, format, blobPath, cancellationToken).ConfigureAwait(false));
        }
        var placement = new DirectoryPlacement(target);
        var result = await DownloadAsync(hash, format, providers, placement, progress, cancellationToken).ConfigureAwait(false);
        var export = await _node.ExportPlacedAsync(hash, placement, cancellationToken).ConfigureAwait(false);
        placement.Completed();
        return (result, export);
    }

    private async Task<SwarmResult> DownloadAsync(Hash hash, BlobFormat format, IReadOnlyList<NodeAddr> providers, DirectoryPlacement? placement, IProgress<SwarmProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(providers);
        if (providers.Count == 0)
            throw new ArgumentException("a swarm download needs at least one provider", nameof(providers));
        var distinct = providers.GroupBy(p => p.NodeId).Select(g => g.First()).Where(p => p.NodeId != _node.NodeId).ToList();
        await _node.Store.SetTagAsync(ContentImporter.TagName(hash), hash, format, cancellationToken).ConfigureAwait(false);
        var completion = new TaskCompletionSource<SwarmResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var request = new SwarmRequest(hash, format, distinct, placement);
        var actor = _node.System.ActorOf(DownloaderActor.Props(_node.Store, _node.Peers, _options, request, progress, completion), $"swarm-{Interlocked.Increment(ref s_downloads)}");
        using (cancellationToken.Register(() => actor.Tell(CancelSwarm.Instance, Actors.ActorRefs.NoSender)))
            return await completion.Task.ConfigureAwait(false);
    }
}
