namespace IrohActors.Blake3.Internal;

/// <summary>Sizes, domain flags and the IV of BLAKE3 (spec §2.1, Table 3).</summary>
internal static class Blake3Constants
{
    public const int BlockLen = 64;
    public const int ChunkLen = 1024;
    public const int OutLen = 32;
    public const int KeyLen = 32;

    /// <summary>Deepest CV stack a 2^64-byte input can need: 64 - log2(ChunkLen) + 1.</summary>
    public const int MaxDepth = 54;

    public const uint ChunkStart = 1 << 0;
    public const uint ChunkEnd = 1 << 1;
    public const uint Parent = 1 << 2;
    public const uint Root = 1 << 3;
    public const uint KeyedHash = 1 << 4;
    public const uint DeriveKeyContext = 1 << 5;
    public const uint DeriveKeyMaterial = 1 << 6;

    public const uint IV0 = 0x6A09E667, IV1 = 0xBB67AE85, IV2 = 0x3C6EF372, IV3 = 0xA54FF53A;
    public const uint IV4 = 0x510E527F, IV5 = 0x9B05688C, IV6 = 0x1F83D9AB, IV7 = 0x5BE0CD19;

    /// <summary>The IV as a key (the default hash mode's key words).</summary>
    public static CvWords IV
    {
        get
        {
            var k = default(CvWords);
            k[0] = IV0; k[1] = IV1; k[2] = IV2; k[3] = IV3; k[4] = IV4; k[5] = IV5; k[6] = IV6; k[7] = IV7;
            return k;
        }
    }
}
