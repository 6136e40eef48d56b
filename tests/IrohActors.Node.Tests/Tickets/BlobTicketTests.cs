using System.Net;
using IrohActors.Blake3;
using IrohActors.Node.Identity;
using IrohActors.Node.Tickets;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Tickets;

public class BlobTicketTests
{
    private static NodeId SomeNode()
    {
        using var key = SecretKey.Generate();
        return key.NodeId;
    }

    [Fact]
    public void RoundTripsWithAddressesRelayAndFormat()
    {
        var node = SomeNode();
        var addresses = new[] { new IPEndPoint(IPAddress.Loopback, 4433), new IPEndPoint(IPAddress.Parse("2001:db8::7"), 65535), new IPEndPoint(IPAddress.Parse("10.1.2.3"), 0) };
        var hash = Hasher.Hash("hello"u8);
        var ticket = new BlobTicket(new NodeAddr(node, addresses), hash, BlobFormat.HashSeq, new Uri("https://relay.example.org/"));
        var text = ticket.ToString();
        Assert.StartsWith("blob", text);
        Assert.Matches("^blob[a-z2-7]+$", text);
        var back = BlobTicket.Parse(text);
        Assert.Equal(node, back.Node.NodeId);
        Assert.Equal(addresses, back.Node.DirectAddresses);
        Assert.Equal(hash, back.Hash);
        Assert.Equal(BlobFormat.HashSeq, back.Format);
        Assert.Equal(ticket.RelayUrl, back.RelayUrl);
        // Copy-paste tolerance: upper case and surrounding white space.
        Assert.Equal(hash, BlobTicket.Parse("  " + text.ToUpperInvariant() + "\n").Hash);
    }

    [Fact]
    public void TheBinaryLayoutIsVersionIdRelayAddressesFormatHash()
    {
        var node = SomeNode();
        var hash = Hasher.Hash("x"u8);
        var bytes = new BlobTicket(new NodeAddr(node, [new IPEndPoint(IPAddress.Parse("127.0.0.1"), 300)]), hash, BlobFormat.Raw).ToBytes();
        var expected = new List<byte> { 0 };
        expected.AddRange(node.ToByteArray());
        expected.Add(0);                                   // no relay
        expected.Add(1);                                   // one address
        expected.AddRange([0, 127, 0, 0, 1, 0xac, 0x02]);  // IPv4, port 300 as LEB128
        expected.Add(0);                                   // raw
        expected.AddRange(hash.ToArray());
        Assert.Equal(expected.ToArray(), bytes);
    }

    [Fact]
    public void WrongPrefixIsNamed()
    {
        var e = Assert.Throws<TicketFormatException>(() => BlobTicket.Parse("docaaaa"));
        Assert.Contains("starts with \"blob\"", e.Message);
    }

    [Fact]
    public void GarbageBase32IsNamedWithItsOffset()
    {
        var e = Assert.Throws<TicketFormatException>(() => BlobTicket.Parse("blobaa!aaaaa"));
        Assert.Contains("offset 2", e.Message);
    }

    [Fact]
    public void TruncatedTicketsAreRefusedAtEveryLength()
    {
        var text = new BlobTicket(new NodeAddr(SomeNode(), [new IPEndPoint(IPAddress.Loopback, 1)]), Hasher.Hash("y"u8), BlobFormat.Raw).ToString();
        for (var cut = 4; cut < text.Length; cut++)
        {
            var truncated = text[..cut];
            Assert.Throws<TicketFormatException>(() => BlobTicket.Parse(truncated));
        }
    }

    [Fact]
    public void TrailingBytesAndUnknownVersionsAreRefused()
    {
        var bytes = new BlobTicket(new NodeAddr(SomeNode(), []), Hasher.Hash("z"u8), BlobFormat.Raw).ToBytes();
        Assert.Contains("unexpected bytes", Assert.Throws<TicketFormatException>(() => BlobTicket.FromBytes([.. bytes, 0])).Message);
        bytes[0] = 7;
        Assert.Contains("version 7", Assert.Throws<TicketFormatException>(() => BlobTicket.FromBytes(bytes)).Message);
    }

    [Fact]
    public void AnInvalidNodeIdIsRefused()
    {
        var bytes = new BlobTicket(new NodeAddr(SomeNode(), []), Hasher.Hash("z"u8), BlobFormat.Raw).ToBytes();
        bytes[1] = 0x05; // not a compressed-point prefix
        Assert.Contains("node id at byte 1", Assert.Throws<TicketFormatException>(() => BlobTicket.FromBytes(bytes)).Message);
    }
}
