using System.Net;
using IrohActors.Node.Identity;
using IrohActors.Node.Peers;
using IrohActors.Node.Provider;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.NodeHost;

/// <summary>How to start an <see cref="IrohNode"/> (HOCON sections <c>iroh.node</c>, <c>iroh.provider</c>, <c>iroh.store</c>).</summary>
public sealed record IrohNodeOptions
{
    /// <summary>Holds <c>node.key</c> and the file-system store (the same layout the <c>store</c> commands use); resolved like <see cref="NodeDataDirectory.Resolve"/>.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The node's key; when null it is loaded from (or created in) the data directory. Not disposed by the node.</summary>
    public SecretKey? Key { get; init; }

    /// <summary>A store to use instead of the data directory's; not disposed by the node.</summary>
    public IBlobStore? Store { get; init; }

    /// <summary>Settings of the data directory's store.</summary>
    public StoreOptions StoreOptions { get; init; } = new();

    /// <summary>Where to accept connections; null = do not listen (a getter-only node).</summary>
    public IPEndPoint? ListenAddress { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>Transport timeouts and limits.</summary>
    public TransportOptions Transport { get; init; } = new();

    /// <summary>Provider limits and access policy.</summary>
    public ProviderOptions Provider { get; init; } = new();

    /// <summary>Reconnect backoff of the peer actors.</summary>
    public PeerOptions Peers { get; init; } = new();
}
