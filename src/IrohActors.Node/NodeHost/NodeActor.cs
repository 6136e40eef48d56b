using IrohActors.Actors;
using IrohActors.Node.Peers;
using IrohActors.Node.Provider;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.NodeHost;

/// <summary>Asks the node actor for its children; the reply is <see cref="NodeChildren"/>.</summary>
internal sealed record GetNodeChildren
{
    public static GetNodeChildren Instance { get; } = new();
}

/// <summary>The node actor's children.</summary>
internal sealed record NodeChildren(IActorRef Provider, IActorRef Peers);

/// <summary>The root of a node's actors (<c>/user/node</c>): the provider and the peers parent.</summary>
internal sealed class NodeActor : ReceiveActor
{
    public NodeActor(IBlobStore store, NodeEndpoint endpoint, IrohNodeOptions options)
    {
        var provider = Context.ActorOf(ProviderActor.Props(store, options.Provider), "provider");
        var peers = Context.ActorOf(PeersActor.Props(endpoint, options.Peers), "peers");
        Receive<GetNodeChildren>(_ => Sender.Tell(new NodeChildren(provider, peers), Self));
    }
}
