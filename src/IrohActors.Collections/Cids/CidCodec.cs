namespace IrohActors.Collections;

/// <summary>The multicodec content types a CID of ours can carry.</summary>
public enum CidCodec : ulong
{
    /// <summary><c>raw</c> (0x55): a blob's bytes.</summary>
    Raw = 0x55,

    /// <summary><c>blake3-hashseq</c> (0x80): iroh's hash sequence (concatenated 32-byte hashes); recognised when parsing.</summary>
    Blake3HashSeq = 0x80,

    /// <summary>
    /// An IrohActors collection (docs/collections.md). 0x300c01 lies in the multicodec private-use range
    /// 0x300000–0x3fffff; its varint is <c>81 98 c0 01</c>.
    /// </summary>
    Collection = 0x300c01,
}
