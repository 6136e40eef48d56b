using IrohActors.Blake3;
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
    public async Task<SwarmResult> DownloadAsync(Hash hash, BlobFormat format, IReadOnlyList<NodeAddr> providers, IProgress<SwarmProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(providers);
        if (providers.Count == 0)
            throw new ArgumentException("a swarm download needs at least one provider", nameof(providers));
        var distinct = providers.GroupBy(p => p.NodeId).Select(g => g.First()).Where(p => p.NodeId != _node.NodeId).ToList();
        await _node.Store.SetTagAsync(ContentImporter.TagName(hash), hash, format, cancellationToken).ConfigureAwait(false);
        var completion = new TaskCompletionSource<SwarmResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var request = new SwarmRequest(hash, format, distinct);
        var actor = _node.System.ActorOf(DownloaderActor.Props(_node.Store, _node.Peers, _options, request, progress, completion), $"swarm-{Interlocked.Increment(ref s_downloads)}");
        using (cancellationToken.Register(() => actor.Tell(CancelSwarm.Instance, Actors.ActorRefs.NoSender)))
            return await completion.Task.ConfigureAwait(false);
    }
}
