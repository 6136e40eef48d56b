using System.Net;
using System.Security.Authentication;
using IrohActors.Node.Identity;

namespace IrohActors.Node.Transport;

/// <summary>The peer did not prove an acceptable identity during the handshake.</summary>
public class PeerAuthenticationException : AuthenticationException
{
    /// <summary>Creates the exception.</summary>
    public PeerAuthenticationException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>A dialer expected node <see cref="Expected"/> but the peer at the address proved node <see cref="Actual"/>.</summary>
public sealed class PeerIdentityMismatchException : PeerAuthenticationException
{
    /// <summary>Creates the exception naming both node ids and the address.</summary>
    public PeerIdentityMismatchException(NodeId expected, NodeId actual, IPEndPoint? endPoint)
        : base($"dialed node {expected} at {endPoint?.ToString() ?? "(unknown address)"} but the peer proved it is node {actual}")
    {
        Expected = expected;
        Actual = actual;
        EndPoint = endPoint;
    }

    /// <summary>The node id the dialer asked for.</summary>
    public NodeId Expected { get; }

    /// <summary>The node id the peer's certificate proved.</summary>
    public NodeId Actual { get; }

    /// <summary>The address dialed.</summary>
    public IPEndPoint? EndPoint { get; }
}

/// <summary>Connecting to one address (TCP, TLS and the mux hello) did not finish within the connect timeout.</summary>
public sealed class ConnectTimeoutException : TimeoutException
{
    /// <summary>Creates the exception naming the address and the timeout.</summary>
    public ConnectTimeoutException(NodeId node, IPEndPoint endPoint, TimeSpan timeout, string stage)
        : base($"connecting to node {node} at {endPoint} timed out after {timeout.TotalMilliseconds:0} ms during {stage}")
    {
        EndPoint = endPoint;
    }

    /// <summary>The address that did not answer in time.</summary>
    public IPEndPoint EndPoint { get; }
}

/// <summary>No address of a node could be connected; <see cref="Failures"/> holds the error of each address in order.</summary>
public sealed class NodeConnectException : IOException
{
    /// <summary>Creates the exception from the per-address failures.</summary>
    public NodeConnectException(NodeId node, IReadOnlyList<(IPEndPoint EndPoint, Exception Error)> failures)
        : base(Describe(node, failures), failures.Count > 0 ? failures[0].Error : null)
    {
        Node = node;
        Failures = failures;
    }

    /// <summary>The node dialed.</summary>
    public NodeId Node { get; }

    /// <summary>Each address tried, with its error.</summary>
    public IReadOnlyList<(IPEndPoint EndPoint, Exception Error)> Failures { get; }

    private static string Describe(NodeId node, IReadOnlyList<(IPEndPoint EndPoint, Exception Error)> failures) =>
        failures.Count == 0
            ? $"node {node} has no direct addresses to dial"
            : $"could not connect to node {node}: " + string.Join("; ", failures.Select(f => $"{f.EndPoint}: {f.Error.Message}"));
}
