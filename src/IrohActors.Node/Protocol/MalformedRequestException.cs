namespace IrohActors.Node.Protocol;

/// <summary>Request bytes that do not decode; names the byte offset in the request header where decoding failed.</summary>
public sealed class MalformedRequestException : FormatException
{
    /// <summary>Creates the exception for byte <paramref name="offset"/> of the request.</summary>
    public MalformedRequestException(int offset, string reason)
        : base($"malformed request at byte {offset}: {reason}")
    {
        Offset = offset;
    }

    /// <summary>The byte offset in the request where decoding failed.</summary>
    public int Offset { get; }
}
