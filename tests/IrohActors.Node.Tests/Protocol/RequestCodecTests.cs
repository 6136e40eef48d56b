using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.Protocol;

namespace IrohActors.Node.Tests.Protocol;

/// <summary>Wire vectors from iroh-blobs' own tests (range_spec.rs and protocol.rs, quoted in ../shared/reference/iroh_blobs.md §2.2).</summary>
public class RequestCodecTests
{
    private static readonly Hash Da = Hash.FromBytes(Enumerable.Repeat((byte)0xda, 32).ToArray());

    private static string Spec(ChunkRanges ranges)
    {
        var w = new WireWriter();
        w.WriteRangeSpec(ranges);
        return Convert.ToHexStringLower(w.ToArray());
    }

    private static string Seq(ChunkRangesSeq seq)
    {
        var w = new WireWriter();
        RequestCodec.WriteSeq(w, seq);
        return Convert.ToHexStringLower(w.ToArray());
    }

    [Fact]
    public void RangeSpecMatchesIrohVectors()
    {
        Assert.Equal("00", Spec(ChunkRanges.Empty));
        Assert.Equal("0100", Spec(ChunkRanges.All));
        Assert.Equal("0140", Spec(ChunkRanges.From(64)));
        Assert.Equal("01904e", Spec(ChunkRanges.From(10000)));
        Assert.Equal("020040", Spec(ChunkRanges.Range(0, 64)));
        Assert.Equal("0401020604", Spec(ChunkRanges.Range(1, 3) | ChunkRanges.Range(9, 13)));
    }

    [Fact]
    public void RangeSpecSeqMatchesIrohVectors()
    {
        Assert.Equal("01000100", Seq(ChunkRangesSeq.All));
        Assert.Equal("03" + "00020102" + "01020706" + "0100", Seq(ChunkRangesSeq.FromRanges([ChunkRanges.Range(1, 3), ChunkRanges.Range(7, 13)])));
        Assert.Equal("02" + "030107" + "010100", Seq(ChunkRangesSeq.FromRangesInfinite([ChunkRanges.Empty, ChunkRanges.Empty, ChunkRanges.Empty, ChunkRanges.From(7), ChunkRanges.All])));
    }

    [Fact]
    public void GetRequestAfterTheVersionByteIsIrohsRequest()
    {
        var hash = Convert.ToHexStringLower(Da.AsSpan());
        Assert.Equal("01" + "00" + hash + "020001000100", Convert.ToHexStringLower(RequestCodec.Encode(GetRequest.Blob(Da))));
        Assert.Equal("01" + "00" + hash + "01000100", Convert.ToHexStringLower(RequestCodec.Encode(GetRequest.All(Da))));
    }

    [Fact]
    public void SeqLookupFollowsRunLengthSemantics()
    {
        var seq = ChunkRangesSeq.FromRanges([ChunkRanges.Range(1, 3), ChunkRanges.Range(7, 13)]);
        Assert.Equal(ChunkRanges.Range(1, 3), seq[0]);
        Assert.Equal(ChunkRanges.Range(7, 13), seq[1]);
        Assert.True(seq[2].IsEmpty);
        Assert.True(seq[1000].IsEmpty);
        Assert.False(seq.IsInfinite);
        Assert.Equal(2UL, seq.End);
        var all = ChunkRangesSeq.All;
        Assert.True(all.IsInfinite);
        Assert.True(all[123456].IsAll);
        Assert.True(ChunkRangesSeq.Single(ChunkRanges.All).IsSingleBlob);
        Assert.False(all.IsSingleBlob);
    }

    [Fact]
    public void RandomRequestsRoundTrip()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var ranges = Enumerable.Range(0, random.Next(0, 6)).Select(_ => RandomRanges(random)).ToList();
            var seq = random.Next(2) == 0 ? ChunkRangesSeq.FromRanges(ranges) : ChunkRangesSeq.FromRangesInfinite(ranges);
            var hash = RandomHash(random);
            BlobRequest request = random.Next(3) switch
            {
                0 => new GetRequest(hash, seq),
                1 => new GetManyRequest([.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => RandomHash(random))], seq),
                _ => new ObserveRequest(hash, RandomRanges(random), random.Next(2) == 0),
            };
            var decoded = RequestCodec.Decode(RequestCodec.Encode(request));
            switch (request)
            {
                case GetManyRequest many:
                    var back = Assert.IsType<GetManyRequest>(decoded);
                    Assert.Equal(many.Hashes, back.Hashes);
                    Assert.Equal(many.Ranges, back.Ranges);
                    break;
                default:
                    Assert.Equal(request, decoded);
                    break;
            }
        }
    }

    [Theory]
    [InlineData("", 0, "version")]
    [InlineData("02", 0, "version 2 is not supported")]
    [InlineData("0107", 1, "unknown request type 0x07")]
    [InlineData("0100aa", 2, "hash")]
    public void MalformedRequestsNameTheOffset(string hex, int offset, string text)
    {
        var e = Assert.Throws<MalformedRequestException>(() => RequestCodec.Decode(Convert.FromHexString(hex)));
        Assert.Equal(offset, e.Offset);
        Assert.Contains(text, e.Message);
    }

    [Fact]
    public void TrailingBytesAndBadRangesAreRefused()
    {
        var good = RequestCodec.Encode(GetRequest.Blob(Da));
        var e = Assert.Throws<MalformedRequestException>(() => RequestCodec.Decode([.. good, 0x00]));
        Assert.Equal(good.Length, e.Offset);
        // A RangeSpec whose second delta is zero would repeat a boundary.
        var repeated = Convert.FromHexString("0100" + Convert.ToHexStringLower(Da.AsSpan()) + "0100" + "020100");
        Assert.Contains("repeats", Assert.Throws<MalformedRequestException>(() => RequestCodec.Decode(repeated)).Message);
        // A count larger than the bytes left.
        var huge = Convert.FromHexString("0100" + Convert.ToHexStringLower(Da.AsSpan()) + "ffffffff0f");
        Assert.Contains("exceeds", Assert.Throws<MalformedRequestException>(() => RequestCodec.Decode(huge)).Message);
    }

    private static Hash RandomHash(Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        return Hash.FromBytes(bytes);
    }

    private static ChunkRanges RandomRanges(Random random)
    {
        var count = random.Next(0, 5);
        var boundaries = new List<ulong>();
        ulong at = 0;
        for (var i = 0; i < count; i++)
        {
            at += (ulong)random.Next(i == 0 ? 0 : 1, 1000);
            boundaries.Add(at);
        }
        return ChunkRanges.FromBoundaries(boundaries.ToArray());
    }
}
