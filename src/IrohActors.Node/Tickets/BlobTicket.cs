using IrohActors.Collections.Cids;
using System.Net;
using System.Net.Sockets;
using IrohActors.Blake3;
using IrohActors.Node.Identity;
using IrohActors.Node.Protocol;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Tickets;

/// <summary>
/// Everything needed to fetch content from one node, as one copy-pasteable string: <c>blob</c> followed by the
/// lowercase base32 (RFC 4648, no padding) of a versioned binary form (docs/protocol.md §6), like iroh's
/// BlobTicket: the provider's NodeId, its direct addresses, an optional relay URL, the hash and its format.
/// </summary>
public sealed record BlobTicket
{
    /// <summary>The fixed prefix of every ticket string.</summary>
    public const string Prefix = "blob";

    /// <summary>The binary form's version byte this code writes and reads.</summary>
    public const byte Version = 0;

    private const int MaxAddresses = 64;
    private const int MaxRelayUrl = 1024;

    /// <summary>Creates a ticket.</summary>
    public BlobTicket(NodeAddr node, Hash hash, BlobFormat format, Uri? relayUrl = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.DirectAddresses.Count > MaxAddresses)
            throw new ArgumentException($"at most {MaxAddresses} direct addresses fit a ticket", nameof(node));
        if (relayUrl is not null && !relayUrl.IsAbsoluteUri)
            throw new ArgumentException("the relay URL must be absolute", nameof(relayUrl));
        Node = node;
        Hash = hash;
        Format = format;
        RelayUrl = relayUrl;
    }

    /// <summary>The provider and where to dial it.</summary>
    public NodeAddr Node { get; }

    /// <summary>The content's hash.</summary>
    public Hash Hash { get; }

    /// <summary>A raw blob, or a collection (<see cref="BlobFormat.HashSeq"/>) to fetch with all its children.</summary>
    public BlobFormat Format { get; }

    /// <summary>A relay through which the provider can be reached, if any (carried, not used by this node yet).</summary>
    public Uri? RelayUrl { get; }

    /// <summary>The binary form.</summary>
    public byte[] ToBytes()
    {
        var w = new WireWriter();
        w.WriteByte(Version);
        Span<byte> id = stackalloc byte[NodeId.ByteLength];
        Node.NodeId.CopyTo(id);
        w.WriteBytes(id);
        if (RelayUrl is null)
            w.WriteByte(0);
        else
        {
            var url = System.Text.Encoding.UTF8.GetBytes(RelayUrl.OriginalString);
            w.WriteByte(1);
            w.WriteVarint((ulong)url.Length);
            w.WriteBytes(url);
        }
        w.WriteVarint((ulong)Node.DirectAddresses.Count);
        foreach (var address in Node.DirectAddresses)
        {
            var ip = address.Address.IsIPv4MappedToIPv6 ? address.Address.MapToIPv4() : address.Address;
            w.WriteByte(ip.AddressFamily == AddressFamily.InterNetwork ? (byte)0 : (byte)1);
            w.WriteBytes(ip.GetAddressBytes());
            w.WriteVarint((ulong)address.Port);
        }
        w.WriteVarint(Format == BlobFormat.HashSeq ? 1UL : 0UL);
        w.WriteBytes(Hash.AsSpan());
        return w.ToArray();
    }

    /// <summary>The ticket string: <c>blob</c> + lowercase base32 of <see cref="ToBytes"/>.</summary>
    public override string ToString() => Prefix + Base32.Encode(ToBytes());

    /// <summary>Parses a ticket string (surrounding white space is ignored, upper case accepted).</summary>
    /// <exception cref="TicketFormatException">Wrong prefix, bad base32 (offset given), truncated or trailing bytes, unknown version.</exception>
    public static BlobTicket Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim().ToLowerInvariant();
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
            throw new TicketFormatException($"a blob ticket starts with \"{Prefix}\"; this starts with \"{text[..Math.Min(text.Length, 8)]}\"");
        var body = text.AsSpan(Prefix.Length);
        var bytes = new byte[body.Length * 5 / 8];
        try
        {
            Base32.Decode(body, bytes, "ticket");
        }
        catch (FormatException e)
        {
            throw new TicketFormatException($"{e.Message} (offsets count from the end of \"{Prefix}\")", e);
        }
        return FromBytes(bytes);
    }

    /// <summary>Reads the binary form.</summary>
    /// <exception cref="TicketFormatException">Truncated, trailing or invalid bytes (the offset is given).</exception>
    public static BlobTicket FromBytes(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var r = new WireReader(bytes);
            var version = r.ReadByte("version");
            if (version != Version)
                throw new TicketFormatException($"ticket version {version} is not supported (this node reads version {Version})");
            var idOffset = r.Offset;
            NodeId nodeId;
            try
            {
                nodeId = NodeId.FromBytes(r.ReadBytes(NodeId.ByteLength, "node id"));
            }
            catch (NodeIdFormatException e)
            {
                throw new TicketFormatException($"node id at byte {idOffset}: {e.Message}", e);
            }
            Uri? relay = null;
            var relayOffset = r.Offset;
            switch (r.ReadByte("relay URL flag"))
            {
                case 0:
                    break;
                case 1:
                    var length = r.ReadVarint("relay URL length");
                    if (length > MaxRelayUrl)
                        throw new TicketFormatException($"relay URL at byte {relayOffset} is {length} bytes long (at most {MaxRelayUrl})");
                    var url = System.Text.Encoding.UTF8.GetString(r.ReadBytes((int)length, "relay URL"));
                    if (!Uri.TryCreate(url, UriKind.Absolute, out relay))
                        throw new TicketFormatException($"relay URL at byte {relayOffset} is not an absolute URL");
                    break;
                case var flag:
                    throw new TicketFormatException($"relay URL flag at byte {relayOffset} is {flag}, not 0 or 1");
            }
            var countOffset = r.Offset;
            var count = r.ReadVarint("address count");
            if (count > MaxAddresses)
                throw new TicketFormatException($"address count at byte {countOffset} is {count} (at most {MaxAddresses})");
            var addresses = new List<IPEndPoint>((int)count);
            for (var i = 0; i < (int)count; i++)
            {
                var at = r.Offset;
                var family = r.ReadByte($"address {i} family");
                var ipLength = family switch
                {
                    0 => 4,
                    1 => 16,
                    _ => throw new TicketFormatException($"address {i} at byte {at}: family {family} is neither 0 (IPv4) nor 1 (IPv6)"),
                };
                var ip = new IPAddress(r.ReadBytes(ipLength, $"address {i}"));
                var port = r.ReadVarint($"address {i} port");
                if (port > ushort.MaxValue)
                    throw new TicketFormatException($"address {i} at byte {at}: port {port} is out of range");
                addresses.Add(new IPEndPoint(ip, (int)port));
            }
            var formatOffset = r.Offset;
            var format = r.ReadVarint("format") switch
            {
                0 => BlobFormat.Raw,
                1 => BlobFormat.HashSeq,
                var f => throw new TicketFormatException($"format at byte {formatOffset} is {f}, neither 0 (raw) nor 1 (collection)"),
            };
            var hash = Hash.FromBytes(r.ReadBytes(Hash.Size, "hash"));
            r.ExpectEnd("ticket");
            return new BlobTicket(new NodeAddr(nodeId, addresses), hash, format, relay);
        }
        catch (MalformedRequestException e)
        {
            // The wire reader speaks of requests; a ticket's bytes are the same encoding.
            throw new TicketFormatException(e.Message.Replace("malformed request", "truncated or malformed ticket", StringComparison.Ordinal), e);
        }
    }
}
