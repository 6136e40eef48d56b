using System.Text;
using IrohActors.Blake3;

namespace IrohActors.Collections.Tests;

public class CidTests
{
    // The expected CIDs of issue 6 §5 (also in shared/reference/connectivity.md §1.4, checked there against JS multiformats).
    [Theory]
    [InlineData("", "bafkr4ifpcne3t5pzugtkaqcn5i3nzskjtpfslsnnyejlpte2spfoihzsmi")]
    [InlineData("abc", "bafkr4ideg6z2yocgkez77nr3outtvdnvjdcvqrs5phnqh7jvtrwnlpm5qu")]
    [InlineData("hello world", "bafkr4igxjga67jykbseaxdmmdgc5a5o3zp3htom2l6mrjznk7fvyggu6eq")]
    public void RawBlobCidsMatchTheIssue(string input, string expected)
    {
        var hash = Hasher.Hash(Encoding.UTF8.GetBytes(input));
        Assert.Equal(expected, Cid.ForBlob(hash).ToString());
        var parsed = Cid.Parse(expected);
        Assert.Equal(CidCodec.Raw, parsed.Codec);
        Assert.Equal(hash, parsed.Hash);
    }

    [Fact]
    public void RecognisesBlake3HashSeq()
    {
        // connectivity.md §1.4: "" as blake3-hashseq (0x80), bytes 01 8001 1e20 af13…
        const string text = "bagaachrav4jutopv7gq2nicajxvdnxgjjgn4wjojvxarfn6mtkj4vza7gjra";
        var cid = Cid.Parse(text);
        Assert.Equal(CidCodec.Blake3HashSeq, cid.Codec);
        Assert.Equal(Hash.Empty, cid.Hash);
        Assert.Equal("0180011e20" + Hash.Empty.ToHex(), Convert.ToHexStringLower(cid.ToBytes()));
        Assert.Equal(text, cid.ToString());
    }

    [Fact]
    public void CollectionCodecIsInThePrivateUseRange()
    {
        Assert.InRange((ulong)CidCodec.Collection, 0x300000UL, 0x3fffffUL);
        var cid = Cid.ForCollection(Hash.Empty);
        var bytes = cid.ToBytes();
        Assert.Equal("01" + "8198c001" + "1e20", Convert.ToHexStringLower(bytes, 0, 7));
        Assert.Equal(cid, Cid.Parse(cid.ToString()));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB", "CIDv0")]
    [InlineData("zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA", "multibase prefix 'z'")]
    [InlineData("Bafkr4ifpcne3t5pzugtkaqcn5i3nzskjtpfslsnnyejlpte2spfoihzsmi", "multibase prefix 'B'")]
    [InlineData("bafkr4ifpcne3t5pzugtkaqcn5i3nzskjtpfslsnnyejlpte2spfoihzsmj", "non-zero trailing bits")]
    [InlineData("bafkr4ifpcne3t5pzugtkaqcn5i3nzskjtpfslsnnyejlpte2spfoihzsm", "not a whole number of bytes")]
    [InlineData("bafkr4ifpcne3t5pzugtkaqcn5i3nzskjtpfslsnnyejlpte2spfoihzsmI", "invalid base32 character 'I'")]
    [InlineData("bafyr4ifpcne3t5pzugtkaqcn5i3nzskjtpfslsnnyejlpte2spfoihzsmi", "unsupported codec 0x71")]
    public void RejectsMalformedText(string text, string expectedInMessage)
    {
        var e = Assert.Throws<CidFormatException>(() => Cid.Parse(text));
        Assert.Contains(expectedInMessage, e.Message);
    }

    [Theory]
    [InlineData("12201e20", "CIDv0")]                              // binary CIDv0 (sha2-256 multihash)
    [InlineData("02551e20", "version 2")]
    [InlineData("01551220", "multihash code 0x12")]               // sha2-256 in a CIDv1
    [InlineData("01551e1f", "digest length 31")]
    [InlineData("01551e21", "digest length 33")]
    [InlineData("0180", "codec: truncated varint at byte 1")]
    [InlineData("01d5001e20", "codec: non-minimal varint encoding at byte 1")]
    [InlineData("01551e20aa", "truncated digest: 1 of 32")]
    public void RejectsMalformedBinary(string hexPrefix, string expectedInMessage)
    {
        var bytes = Convert.FromHexString(hexPrefix);
        var e = Assert.Throws<CidFormatException>(() => Cid.FromBytes(bytes));
        Assert.Contains(expectedInMessage, e.Message);
    }

    [Fact]
    public void RejectsTrailingBytes()
    {
        var bytes = Cid.ForBlob(Hash.Empty).ToBytes().Append((byte)0).ToArray();
        var e = Assert.Throws<CidFormatException>(() => Cid.FromBytes(bytes));
        Assert.Contains("1 trailing bytes", e.Message);
        Assert.Equal(36, e.Position);
    }

    [Fact]
    public void HashOrCidAcceptsHexAndCids()
    {
        var hash = Hasher.Hash("abc"u8);
        var hex = HashOrCid.Parse(hash.ToHex().ToUpperInvariant());
        Assert.Equal(hash, hex.Hash);
        Assert.Null(hex.Codec);

        var raw = HashOrCid.Parse(" bafkr4ideg6z2yocgkez77nr3outtvdnvjdcvqrs5phnqh7jvtrwnlpm5qu\n");
        Assert.Equal(new HashOrCid(hash, CidCodec.Raw), raw);

        string collectionCid = Cid.ForCollection(hash).ToString();
        Assert.Equal(64, collectionCid.Length); // same length as hex: must still be read as a CID
        Assert.Equal(new HashOrCid(hash, CidCodec.Collection), HashOrCid.Parse(collectionCid));

        Assert.Contains("64 hex digits", Assert.ThrowsAny<FormatException>(() => HashOrCid.Parse("abc123")).Message);
        Assert.Contains("neither", Assert.ThrowsAny<FormatException>(() => HashOrCid.Parse("xyz")).Message);
        Assert.IsType<CidFormatException>(Assert.ThrowsAny<FormatException>(() => HashOrCid.Parse("bafkr4i")));
    }
}
