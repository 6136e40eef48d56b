using System.Buffers.Binary;

namespace IrohActors.Node.Transport;

/// <summary>The kinds of mux frame (byte 3 of the header); docs/transport.md gives each payload.</summary>
internal enum FrameType : byte
{
    /// <summary>First frame on each side: protocol version and the sender's limits.</summary>
    Hello = 0,
    /// <summary>Opens a stream; the payload is the request header.</summary>
    Open = 1,
    /// <summary>Stream bytes.</summary>
    Data = 2,
    /// <summary>The sender will write no more on this stream (half close).</summary>
    End = 3,
    /// <summary>Abandons a stream; payload u32 code.</summary>
    Reset = 4,
    /// <summary>Grants more send credit on a stream; payload u32 increment.</summary>
    Window = 5,
    /// <summary>Keep-alive probe; payload 8 opaque bytes.</summary>
    Ping = 6,
    /// <summary>Answer to a ping, echoing its payload.</summary>
    Pong = 7,
    /// <summary>The sender is closing the connection; payload u32 code and UTF-8 reason.</summary>
    GoAway = 8,
    /// <summary>The sender has more to send on the stream but no credit left; empty payload (the receiver may grow the window).</summary>
    Blocked = 9,
}

/// <summary>The 9-byte frame header: u24 payload length, u8 type, u8 flags (zero), u32 stream id, all big-endian.</summary>
internal readonly struct FrameHeader
{
    /// <summary>Encoded size.</summary>
    public const int Size = 9;

    /// <summary>Largest payload the 24-bit length field allows.</summary>
    public const int MaxPayload = (1 << 24) - 1;

    public FrameHeader(FrameType type, uint streamId, int length)
    {
        Type = type;
        StreamId = streamId;
        Length = length;
    }

    public FrameType Type { get; }

    public uint StreamId { get; }

    public int Length { get; }

    public void Write(Span<byte> destination)
    {
        destination[0] = (byte)(Length >> 16);
        destination[1] = (byte)(Length >> 8);
        destination[2] = (byte)Length;
        destination[3] = (byte)Type;
        destination[4] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], StreamId);
    }

    public static FrameHeader Read(ReadOnlySpan<byte> source) =>
        new((FrameType)source[3], BinaryPrimitives.ReadUInt32BigEndian(source[5..]), (source[0] << 16) | (source[1] << 8) | source[2]);

    public override string ToString() => $"{Type} stream {StreamId} ({Length} bytes)";
}
