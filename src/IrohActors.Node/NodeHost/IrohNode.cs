using System.Net;
using System.Runtime.CompilerServices;
using IrohActors.Actors;
using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Node.Getter;
using IrohActors.Node.Identity;
using IrohActors.Node.Peers;
using IrohActors.Node.Provider;
using IrohActors.Node.Remote;
using IrohActors.Node.Tickets;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.NodeHost;

/// <summary>
/// A running node: its key, store, TLS endpoint and listener, and the actors under <c>/user/node</c> (the
/// <see cref="ProviderActor"/> serving the store, and <c>peers</c> with one <see cref="PeerConnectionActor"/> per
/// remote node). Imports content, issues tickets and downloads from other nodes.
/// </summary>
public sealed class IrohNode : IAsyncDisposable
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromMinutes(2);
    private readonly SecretKey? _ownedKey;
    private readonly bool _ownsStore;
    private readonly NodeEndpoint _endpoint;
    private readonly NodeListener? _listener;
    private readonly CancellationTokenSource _stopping = new();

    private IrohNode(SecretKey? ownedKey, IBlobStore store, bool ownsStore, NodeEndpoint endpoint, NodeListener? listener, ActorSystem system, NodeChildren children)
    {
        _ownedKey = ownedKey;
        Store = store;
        _ownsStore = ownsStore;
        _endpoint = endpoint;
        _listener = listener;
        System = system;
        Provider = children.Provider;
        Peers = children.Peers;
    }

    /// <summary>This node's id.</summary>
    public NodeId NodeId => _endpoint.NodeId;

    /// <summary>The store served and downloaded into.</summary>
    public IBlobStore Store { get; }

    /// <summary>The node's actor system (its event stream carries the provider's events).</summary>
    public ActorSystem System { get; }

    /// <summary>The provider actor (<c>/user/node/provider</c>).</summary>
    public IActorRef Provider { get; }

    /// <summary>The peers parent (<c>/user/node/peers</c>).</summary>
    public IActorRef Peers { get; }

    /// <summary>Where this node accepts connections: the bound address (a wildcard bind is reported as loopback plus this host's addresses), empty when not listening.</summary>
    public NodeAddr Address => new(NodeId, _listener is null ? [] : DialableAddresses(_listener.LocalEndPoint));

    /// <summary>Starts a node.</summary>
    public static async Task<IrohNode> StartAsync(IrohNodeOptions options, CancellationToken cancellationToken = default)
    {
        var (directory, store, ownsStore) = OpenStore(options);
        try
        {
            return await StartWithStoreAsync(options, directory, store, ownsStore, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (ownsStore)
                await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts a node and shares <paramref name="path"/> as <see cref="ShareAsync"/> does, importing while the node
    /// starts: the store opens first, then the walk, the hashing and the group commits run beside the rest of the start
    /// (key, TLS endpoint, actors, listener), which otherwise came first on the way to the ticket. Returns once the
    /// import is durable and tagged and the node listens.
    /// </summary>
    /// <exception cref="FileNotFoundException">The path does not exist.</exception>
    public static async Task<(IrohNode Node, BlobTicket Ticket, ImportedContent Content)> StartSharingAsync(IrohNodeOptions options, string path, Action<SkippedEntry>? onSkipped = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        var (directory, store, ownsStore) = OpenStore(options);
        using var importing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var import = Task.Run(() => ContentImporter.ImportAsync(store, path, onSkipped, importing.Token), CancellationToken.None);
        IrohNode node;
        try
        {
            node = await StartWithStoreAsync(options, directory, store, ownsStore, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The import works on the store: it stops before the store closes.
            await importing.CancelAsync().ConfigureAwait(false);
            await ((Task)import).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (ownsStore)
                await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        try
        {
            var content = await import.ConfigureAwait(false);
            return (node, node.CreateTicket(content.Hash, content.IsCollection ? BlobFormat.HashSeq : BlobFormat.Raw), content);
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Checks the options and opens the node's store (or takes <see cref="IrohNodeOptions.Store"/>, not owned).</summary>
    private static (string? Directory, IBlobStore Store, bool OwnsStore) OpenStore(IrohNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Provider.Validate();
        options.Transport.Validate();
        var directory = options.Key is null || options.Store is null ? NodeDataDirectory.Resolve(options.DataDirectory) : null;
        return options.Store is { } given ? (directory, given, false) : (directory, NodeStore.OpenFileSystem(directory!, options.StoreOptions), true);
    }

    /// <summary>Loads the key and starts the endpoint, the actors and the listener over an open store (closed by the caller on failure).</summary>
    private static async Task<IrohNode> StartWithStoreAsync(IrohNodeOptions options, string? directory, IBlobStore store, bool ownsStore, CancellationToken cancellationToken)
    {
        var ownedKey = options.Key is null ? KeyFile.LoadOrCreate(directory!) : null;
        var key = options.Key ?? ownedKey!;
        NodeEndpoint? endpoint = null;
        ActorSystem? system = null;
        try
        {
            endpoint = new NodeEndpoint(key, options.Transport);
            system = ActorSystem.Create("iroh-node");
            var endpointRef = endpoint;
            var node = system.ActorOf(Actors.Props.Create(() => new NodeActor(store, endpointRef, options)), "node");
            var children = await node.Ask<NodeChildren>(GetNodeChildren.Instance, AskTimeout, cancellationToken).ConfigureAwait(false);
            NodeListener? listener = null;
            if (options.ListenAddress is { } bind)
            {
                var provider = children.Provider;
                listener = endpoint.Listen(bind, (connection, ct) => AcceptStreamsAsync(connection, provider, ct));
            }
            return new IrohNode(ownedKey, store, ownsStore, endpoint, listener, system, children);
        }
        catch
        {
            if (system is not null)
                await system.Terminate().ConfigureAwait(false);
            endpoint?.Dispose();
            ownedKey?.Dispose();
            throw;
        }
    }

    /// <summary>Imports a file or directory in place as a collection (a file under its own name), tags it, and returns a ticket for it.</summary>
    public async Task<(BlobTicket Ticket, ImportedContent Content)> ShareAsync(string path, Action<SkippedEntry>? onSkipped = null, CancellationToken cancellationToken = default)
    {
        var content = await ContentImporter.ImportAsync(Store, path, onSkipped, cancellationToken).ConfigureAwait(false);
        return (CreateTicket(content.Hash, content.IsCollection ? BlobFormat.HashSeq : BlobFormat.Raw), content);
    }

    /// <summary>A ticket for <paramref name="hash"/> served by this node.</summary>
    public BlobTicket CreateTicket(Hash hash, BlobFormat format) => new(Address, hash, format);

    /// <summary>The connection to <paramref name="address"/>, through its peer actor (connecting if needed).</summary>
    /// <exception cref="PeerIdentityMismatchException">The address is served by another node.</exception>
    public async Task<NodeConnection> ConnectAsync(NodeAddr address, CancellationToken cancellationToken = default)
    {
        var connected = await Peers.Ask<PeerConnected>(new GetPeerConnection(address), AskTimeout, cancellationToken).ConfigureAwait(false);
        return connected.Connection;
    }

    /// <summary>Downloads what the ticket names into the store (resuming: only missing ranges are requested) and tags it.</summary>
    public async Task<GetResult> DownloadAsync(BlobTicket ticket, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var connection = await ConnectAsync(ticket.Node, cancellationToken).ConfigureAwait(false);
        var getter = new BlobGetter(Store, progress);
        await Store.SetTagAsync(ContentImporter.TagName(ticket.Hash), ticket.Hash, ticket.Format, cancellationToken).ConfigureAwait(false);
        return ticket.Format == BlobFormat.HashSeq
            ? await getter.GetCollectionAsync(connection, ticket.Hash, cancellationToken).ConfigureAwait(false)
            : await getter.GetBlobAsync(connection, ticket.Hash, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens the blob <paramref name="hash"/> held by <paramref name="address"/> for random-access reads through verified
    /// range requests (docs/collections.md, "Remote reads"); by default the provider is assumed to use this node's chunk-group size.
    /// </summary>
    public Task<RemoteBlobReader> OpenRemoteBlobAsync(NodeAddr address, Hash hash, RemoteReadOptions? options = null, CancellationToken cancellationToken = default) =>
        RemoteBlobReader.OpenAsync(ct => new ValueTask<NodeConnection>(ConnectAsync(address, ct)), hash, options ?? new RemoteReadOptions { BlockSize = Store.BlockSize }, cancellationToken);

    /// <summary>
    /// Opens the collection a ticket names: from the store when it holds it complete, else on its provider, where
    /// queries fetch only the header, index pages and links they read.
    /// </summary>
    public async Task<CollectionReader> OpenRemoteCollectionAsync(BlobTicket ticket, RemoteReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        if ((await Store.StatusAsync(ticket.Hash, cancellationToken).ConfigureAwait(false)).State == BlobState.Complete)
            return await CollectionReader.OpenAsync(await StoreBlobReader.OpenAsync(Store, ticket.Hash, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var blob = await OpenRemoteBlobAsync(ticket.Node, ticket.Hash, options, cancellationToken).ConfigureAwait(false);
        return await CollectionReader.OpenAsync(blob, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Downloads what the ticket names and writes it under <paramref name="targetDirectory"/> (a raw blob as a file
    /// named by its hash): a collection's children are written straight into the target as they verify (no second
    /// copy; the store keeps their outboards and references the files in place), files the store could not place
    /// (duplicates, blobs it already held, an in-memory store) are exported after. Never overwrites; run again after an
    /// interruption to resume.
    /// </summary>
    /// <exception cref="CollectionExportException">A name is unsafe or its path exists.</exception>
    /// <exception cref="IOException">The raw blob's target file exists.</exception>
    public async Task<(GetResult Download, ExportSummary Export)> ReceiveAsync(BlobTicket ticket, string targetDirectory, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var target = Path.GetFullPath(targetDirectory);
        if (ticket.Format == BlobFormat.Raw)
        {
            var blobPath = Path.Combine(target, ticket.Hash.ToHex());
            if (Path.Exists(blobPath))
                throw new IOException($"{blobPath} exists; refusing to overwrite it");
            var got = await DownloadAsync(ticket, progress, cancellationToken).ConfigureAwait(false);
            Directory.CreateDirectory(target);
            return (got, await ExportAsync(ticket.Hash, ticket.Format, blobPath, cancellationToken).ConfigureAwait(false));
        }
        var connection = await ConnectAsync(ticket.Node, cancellationToken).ConfigureAwait(false);
        await Store.SetTagAsync(ContentImporter.TagName(ticket.Hash), ticket.Hash, ticket.Format, cancellationToken).ConfigureAwait(false);
        var placement = new DirectoryPlacement(target);
        var result = await new BlobGetter(Store, progress).GetCollectionAsync(connection, ticket.Hash, placement, cancellationToken).ConfigureAwait(false);
        return (result, await ExportPlacedAsync(ticket.Hash, placement, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>After a download that placed children under <paramref name="placement"/>: exports the collection's other files there (no overwriting).</summary>
    internal async Task<ExportSummary> ExportPlacedAsync(Hash root, DirectoryPlacement placement, CancellationToken cancellationToken)
    {
        // Every file in place already: the export would read the collection twice more only to skip each link.
        if (placement.PlacedAll)
            return new ExportSummary(placement.Placed.Count, 0);
        var collection = await CollectionReader.OpenAsync(await StoreBlobReader.OpenAsync(Store, root, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return await CollectionExporter.ExportAsync(collection, placement.Root, OpenContentAsync, placement.AlreadyThere, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a complete blob to <paramref name="path"/>, or a complete collection's files under <paramref name="path"/> (safe export: no overwriting, hostile names refused).</summary>
    public async Task<ExportSummary> ExportAsync(Hash hash, BlobFormat format, string path, CancellationToken cancellationToken = default)
    {
        if (format == BlobFormat.Raw)
        {
            await Store.ExportAsync(hash, path, ExportMode.TryHardLink, cancellationToken).ConfigureAwait(false);
            return new ExportSummary(1, new FileInfo(path).Length);
        }
        var collection = await CollectionReader.OpenAsync(await StoreBlobReader.OpenAsync(Store, hash, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return await CollectionExporter.ExportAsync(collection, path, OpenContentAsync, overwrite: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops listening, closes connections, stops the actors and releases the store and key it owns.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
            return;
        _stopping.Cancel();
        if (_listener is not null)
            await _listener.DisposeAsync().ConfigureAwait(false);
        await System.Terminate().ConfigureAwait(false);
        _endpoint.Dispose();
        if (_ownsStore)
            await Store.DisposeAsync().ConfigureAwait(false);
        _ownedKey?.Dispose();
        _stopping.Dispose();
    }

    private async ValueTask<Stream> OpenContentAsync(Hash hash, CancellationToken cancellationToken)
    {
        var status = await Store.StatusAsync(hash, cancellationToken).ConfigureAwait(false);
        var reader = await Store.OpenReaderAsync(hash, Bao.ChunkRanges.All, cancellationToken).ConfigureAwait(false);
        return new VerifiedDataStream(reader, (long)status.Size);
    }

    private static async Task AcceptStreamsAsync(NodeConnection connection, IActorRef provider, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var stream = await connection.AcceptStreamAsync(cancellationToken).ConfigureAwait(false);
                provider.Tell(new ServeStream(stream), ActorRefs.NoSender);
            }
        }
        catch (Exception e) when (e is ConnectionClosedException or OperationCanceledException)
        {
            // The connection ended; its streams ended with it.
        }
    }

    private static IReadOnlyList<IPEndPoint> DialableAddresses(IPEndPoint bound)
    {
        if (!bound.Address.Equals(IPAddress.Any) && !bound.Address.Equals(IPAddress.IPv6Any))
            return [bound];
        var result = new List<IPEndPoint> { new(IPAddress.Loopback, bound.Port) };
        try
        {
            foreach (var ip in Dns.GetHostAddresses(Dns.GetHostName()))
                if (ip.AddressFamily == global::System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(ip))
                    result.Add(new IPEndPoint(ip, bound.Port));
        }
        catch (global::System.Net.Sockets.SocketException)
        {
            // No resolvable host name: loopback only.
        }
        return result;
    }
}
