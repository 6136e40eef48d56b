namespace IrohActors.Node.Protocol;

/// <summary>The first byte of every item of a v1 response.</summary>
internal enum ResponseTag : byte
{
    /// <summary>A blob: an 8-byte little-endian size, then the verified stream of the requested ranges.</summary>
    Blob = 0x00,

    /// <summary>An error: a code byte, a varint length and a UTF-8 message; it ends the response.</summary>
    Error = 0x01,

    /// <summary>An observe item: a varint size, then a RangeSpec of the ranges held.</summary>
    Observe = 0x02,
}
