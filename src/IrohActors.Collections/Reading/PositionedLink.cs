namespace IrohActors.Collections;

/// <summary>A link with its place in the collection: its index in name order and its byte offset in the blob.</summary>
/// <param name="Index">Zero-based position in name order.</param>
/// <param name="Offset">Absolute byte offset of the encoded link in the collection blob.</param>
/// <param name="Link">The link.</param>
public readonly record struct PositionedLink(long Index, long Offset, Link Link);
