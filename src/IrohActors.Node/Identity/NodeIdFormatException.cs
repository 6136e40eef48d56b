namespace IrohActors.Node.Identity;

/// <summary>A node id text or byte string is malformed; the message says what and at which offset.</summary>
public sealed class NodeIdFormatException : FormatException
{
    /// <summary>Creates the exception with a message naming the defect.</summary>
    public NodeIdFormatException(string message) : base(message) { }
}
