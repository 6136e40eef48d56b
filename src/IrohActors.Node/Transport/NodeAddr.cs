using System.Net;
using IrohActors.Node.Identity;

namespace IrohActors.Node.Transport;

/// <summary>How to reach a node: its id and the direct addresses to try, in order.</summary>
public sealed record NodeAddr(NodeId NodeId, IReadOnlyList<IPEndPoint> DirectAddresses)
{
    /// <summary>A node reachable at one address.</summary>
    public NodeAddr(NodeId nodeId, IPEndPoint address) : this(nodeId, [address]) { }

    /// <summary>The id and addresses, for logs.</summary>
    public override string ToString() => $"{NodeId} @ [{string.Join(", ", DirectAddresses)}]";
}
