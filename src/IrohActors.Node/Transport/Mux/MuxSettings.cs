using System.Buffers.Binary;

namespace IrohActors.Node.Transport;

/// <summary>The HELLO payload: u16 version, u32 stream receive window, u32 max request header, u32 max concurrent streams.</summary>
internal readonly record struct MuxSettings(ushort Version, int StreamReceiveWindow, int MaxRequestHeaderSize, int MaxConcurrentStreams)
{
    /// <summary>The only protocol version so far.</summary>
    public const ushort CurrentVersion = 0;

    public const int Size = 14;

    public static MuxSettings From(TransportOptions options) =>
        new(CurrentVersion, options.StreamReceiveWindow, options.MaxRequestHeaderSize, options.MaxConcurrentStreams);

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, Version);
        BinaryPrimitives.WriteInt32BigEndian(destination[2..], StreamReceiveWindow);
        BinaryPrimitives.WriteInt32BigEndian(destination[6..], MaxRequestHeaderSize);
        BinaryPrimitives.WriteInt32BigEndian(destination[10..], MaxConcurrentStreams);
    }

    /// <exception cref="MuxProtocolException">Wrong size, unknown version or a non-positive limit.</exception>
    public static MuxSettings Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
            throw new MuxProtocolException(CloseCode.ProtocolError, $"HELLO payload is {source.Length} bytes, expected at least {Size}");
        var settings = new MuxSettings(
            BinaryPrimitives.ReadUInt16BigEndian(source),
            BinaryPrimitives.ReadInt32BigEndian(source[2..]),
            BinaryPrimitives.ReadInt32BigEndian(source[6..]),
            BinaryPrimitives.ReadInt32BigEndian(source[10..]));
        if (settings.Version != CurrentVersion)
            throw new MuxProtocolException(CloseCode.ProtocolError, $"peer speaks mux version {settings.Version}, we speak {CurrentVersion}");
        if (settings.StreamReceiveWindow <= 0 || settings.MaxRequestHeaderSize < 0 || settings.MaxConcurrentStreams <= 0)
            throw new MuxProtocolException(CloseCode.ProtocolError, $"peer sent invalid limits {settings}");
        return settings;
    }
}
