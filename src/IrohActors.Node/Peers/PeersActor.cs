using IrohActors.Actors;
using IrohActors.Node.Transport;

namespace IrohActors.Node.Peers;

/// <summary>Parent of the per-node <see cref="PeerConnectionActor"/>s (<c>/user/node/peers</c>): routes each request to the child named by the NodeId, creating it on first use.</summary>
public sealed class PeersActor : ReceiveActor
{
    /// <summary>Creates the actor.</summary>
    public PeersActor(NodeEndpoint endpoint, PeerOptions options)
    {
        Receive<GetPeerConnection>(message =>
        {
            var name = message.Address.NodeId.ToString();
            var child = Context.Child(name);
            if (child.Equals(ActorRefs.Nobody))
                child = Context.ActorOf(PeerConnectionActor.Props(endpoint, message.Address, options), name);
            child.Forward(message);
        });
        Receive<GetPeerActor>(message => Sender.Tell(Context.Child(message.NodeId.ToString()), Self));
    }

    /// <summary>The recipe.</summary>
    public static Props Props(NodeEndpoint endpoint, PeerOptions options) => Actors.Props.Create(() => new PeersActor(endpoint, options));
}
