using System.Buffers.Binary;
using System.Net.Security;
using System.Security.Cryptography;
using IrohActors.Node.Transport.OpenSsl;

namespace IrohActors.Node.Tests.Transport;

/// <summary>
/// Our reading of TLS 1.3 records after OpenSSL's handshake (<see cref="RecordReader"/>), fed records sealed here with
/// .NET's own AEADs: what it returns, and everything it must refuse (RFC 8446 §5).
/// </summary>
public class RecordReaderTests
{
    // RFC 8448 §3: the server's application traffic secret, and the key and IV derived from it.
    private static readonly byte[] Rfc8448Secret = Convert.FromHexString("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643");

    [Fact]
    public void KeyAndIvAreDerivedAsInRfc8448()
    {
        Assert.Equal("9f02283b6c9c07efc26bb9f2ac92e356", Convert.ToHexStringLower(RecordCipher.ExpandLabel(HashAlgorithmName.SHA256, Rfc8448Secret, "key", 16)));
        Assert.Equal("cf782b88dd83549aadf1e984", Convert.ToHexStringLower(RecordCipher.ExpandLabel(HashAlgorithmName.SHA256, Rfc8448Secret, "iv", 12)));
    }

    // AES-128-GCM twice: on our wide AES-GCM where the CPU has it, and on OpenSSL's EVP.
    [Theory]
    [InlineData(TlsCipherSuite.TLS_AES_128_GCM_SHA256, true)]
    [InlineData(TlsCipherSuite.TLS_AES_128_GCM_SHA256, false)]
    [InlineData(TlsCipherSuite.TLS_AES_256_GCM_SHA384, true)]
    [InlineData(TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256, true)]
    public void RecordsOfEverySuiteReadBackWhateverTheReadSizes(TlsCipherSuite suite, bool wide)
    {
        if (!LibSsl.IsAvailable)
            return;
        var sealer = new Sealer(suite);
        var payload = NodePair.Payload(3, 300_000);
        var wire = new MemoryStream();
        var random = new Random(7);
        for (var at = 0; at < payload.Length;)
        {
            var n = Math.Min(payload.Length - at, random.Next(0, 1 << 14) + 1);
            // Padding, where the inner plaintext (content, type, zeros) stays within 2^14 + 1 bytes.
            var padding = random.Next(0, 3) == 0 ? Math.Min(random.Next(1, 200), (1 << 14) - n) : 0;
            wire.Write(sealer.Seal(23, payload.AsSpan(at, n), padding));
            at += n;
        }
        // Reads of every size, over a socket that hands out a few bytes at a time, then many.
        foreach (var (chunk, readSize) in new[] { (7, 1), (1000, 100), (70_000, 20_000), (1 << 20, 64 * 1024), (5, 1 << 20) })
        {
            var feed = new Feed(wire.ToArray(), chunk);
            using var reader = new RecordReader(suite, sealer.Secret, client: true, feed.Receive, wide);
            Assert.Equal(payload, ReadAll(reader, readSize, out var end));
            Assert.Equal(0, end);
        }
    }

    [Fact]
    public void AFlippedBitFailsItsRecordAndNothingOfItIsReturned()
    {
        if (!LibSsl.IsAvailable)
            return;
        var sealer = new Sealer(TlsCipherSuite.TLS_AES_128_GCM_SHA256);
        var first = sealer.Seal(23, NodePair.Payload(1, 10_000));
        var second = sealer.Seal(23, NodePair.Payload(2, 10_000));
        var third = sealer.Seal(23, NodePair.Payload(3, 10_000));
        second[100] ^= 0x10;
        using var reader = new RecordReader(TlsCipherSuite.TLS_AES_128_GCM_SHA256, sealer.Secret, client: true, new Feed([.. first, .. second, .. third], 1 << 20).Receive);
        var buffer = new byte[64 * 1024];
        Assert.Equal(10_000, reader.Read(buffer)); // what authenticated before the bad record
        Assert.Equal(NodePair.Payload(1, 10_000), buffer[..10_000]);
        Assert.All(buffer[10_000..20_000], b => Assert.Equal(0, b)); // the bad record's plaintext was wiped
        var failure = Assert.Throws<IOException>(() => reader.Read(buffer));
        Assert.Contains("did not authenticate", failure.Message);
        Assert.Throws<IOException>(() => reader.Read(buffer)); // and stays failed
    }

    [Fact]
    public void RecordsOutOfOrderDoNotAuthenticate()
    {
        if (!LibSsl.IsAvailable)
            return;
        var sealer = new Sealer(TlsCipherSuite.TLS_AES_128_GCM_SHA256);
        var first = sealer.Seal(23, "one"u8);
        var second = sealer.Seal(23, "two"u8);
        using var reader = new RecordReader(TlsCipherSuite.TLS_AES_128_GCM_SHA256, sealer.Secret, client: true, new Feed([.. second, .. first], 1 << 20).Receive);
        Assert.Contains("did not authenticate", Assert.Throws<IOException>(() => reader.Read(new byte[100])).Message);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "ccs", "change_cipher_spec" },
        { "handshake-outer", "outer type 22" },
        { "version", "version 3.1" },
        { "too-long", "at most 16640" },
        { "too-short", "too short to hold its tag" },
        { "no-type", "no content type" },
        { "unknown-type", "content type 24" },
        { "long-plaintext", "plaintext bytes" },
        { "alert", "alert 40" },
        { "alert-length", "an alert of 3 bytes" },
        { "empty-handshake", "an empty handshake record" },
        { "client-hello", "handshake message 1 after the handshake" },
        { "key-update-value", "a malformed KeyUpdate" },
        { "key-update-not-last", "does not end its record" },
        { "ticket-to-server", "handshake message 4 after the handshake" },
        { "huge-handshake", "post-handshake message of" },
        { "truncated", "ended inside a record" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedRecordsAreRefusedWithAClearError(string what, string expected)
    {
        if (!LibSsl.IsAvailable)
            return;
        var sealer = new Sealer(TlsCipherSuite.TLS_AES_128_GCM_SHA256);
        var good = sealer.Seal(23, "before"u8);
        byte[] bad = what switch
        {
            "ccs" => [20, 3, 3, 0, 1, 1],
            "handshake-outer" => [22, 3, 3, 0, 17, .. new byte[17]],
            "version" => [23, 3, 1, 0, 17, .. new byte[17]],
            "too-long" => [23, 3, 3, 0x41, 0x01, .. new byte[16641]],
            "too-short" => [23, 3, 3, 0, 16, .. new byte[16]],
            "no-type" => sealer.SealRaw(new byte[40]),
            "unknown-type" => sealer.Seal(24, "x"u8),
            "long-plaintext" => sealer.SealRaw([.. new byte[(1 << 14) + 1], 23]),
            "alert" => sealer.Seal(21, [2, 40]),
            "alert-length" => sealer.Seal(21, [2, 0, 0]),
            "empty-handshake" => sealer.Seal(22, []),
            "client-hello" => sealer.Seal(22, [1, 0, 0, 2, 3, 3]),
            "key-update-value" => sealer.Seal(22, [24, 0, 0, 1, 2]),
            "key-update-not-last" => sealer.Seal(22, [24, 0, 0, 1, 0, 4, 0, 0, 0]),
            "ticket-to-server" => sealer.Seal(22, [4, 0, 0, 0]),
            "huge-handshake" => sealer.Seal(22, [4, 0x01, 0, 1]),
            "truncated" => sealer.Seal(23, "cut short"u8)[..^3],
            _ => throw new ArgumentException(what),
        };
        var client = what != "ticket-to-server";
        using var reader = new RecordReader(TlsCipherSuite.TLS_AES_128_GCM_SHA256, sealer.Secret, client, new Feed([.. good, .. bad], 1 << 20).Receive);
        var buffer = new byte[64 * 1024];
        Assert.Equal(6, reader.Read(buffer));
        Assert.Equal("before"u8.ToArray(), buffer[..6]);
        var failure = Assert.Throws<IOException>(() => reader.Read(buffer));
        Assert.StartsWith("TLS read failed: ", failure.Message);
        Assert.Contains(expected, failure.Message);
    }

    [Fact]
    public void CloseNotifyEndsTheStreamAfterTheDataBeforeIt()
    {
        if (!LibSsl.IsAvailable)
            return;
        var sealer = new Sealer(TlsCipherSuite.TLS_AES_128_GCM_SHA256);
        var feed = new Feed([.. sealer.Seal(23, "data"u8), .. sealer.Seal(21, [1, 0]), .. sealer.Seal(23, "after"u8)], 1 << 20);
        using var reader = new RecordReader(TlsCipherSuite.TLS_AES_128_GCM_SHA256, sealer.Secret, client: true, feed.Receive);
        var buffer = new byte[100];
        Assert.Equal(4, reader.Read(buffer));
        Assert.Equal(0, reader.Read(buffer));
        Assert.Equal(0, reader.Read(buffer)); // nothing after close_notify is read
    }

    [Fact]
    public void AnEndOfTcpBetweenRecordsIsAnEndAndAnEmptySocketIsNoneYet()
    {
        if (!LibSsl.IsAvailable)
            return;
        var sealer = new Sealer(TlsCipherSuite.TLS_AES_128_GCM_SHA256);
        var record = sealer.Seal(23, "data"u8);
        var feed = new Feed(record, 1 << 20) { Pause = record.Length - 3 };
        using var reader = new RecordReader(TlsCipherSuite.TLS_AES_128_GCM_SHA256, sealer.Secret, client: true, feed.Receive);
        var buffer = new byte[100];
        Assert.Equal(-1, reader.Read(buffer)); // part of a record: nothing to return yet
        feed.Pause = -1;
        Assert.Equal(4, reader.Read(buffer));
        Assert.Equal(0, reader.Read(buffer));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AKeyUpdateSwitchesToTheNextKeysAndPassesOnARequest(bool requested)
    {
        if (!LibSsl.IsAvailable)
            return;
        var sealer = new Sealer(TlsCipherSuite.TLS_AES_256_GCM_SHA384);
        var before = sealer.Seal(23, "old keys"u8);
        var update = sealer.Seal(22, [24, 0, 0, 1, (byte)(requested ? 1 : 0)]);
        sealer.Update();
        var after = sealer.Seal(23, "new keys"u8);
        using var reader = new RecordReader(TlsCipherSuite.TLS_AES_256_GCM_SHA384, sealer.InitialSecret, client: true, new Feed([.. before, .. update, .. after], 1 << 20).Receive);
        Assert.Equal(16, ReadAll(reader, 100, out _).Length);
        Assert.Equal(1, reader.KeyUpdates);
        Assert.Equal(requested, reader.PeerRequestedKeyUpdate);
    }

    [Fact]
    public void AClientIgnoresSessionTicketsEvenSplitOverRecords()
    {
        if (!LibSsl.IsAvailable)
            return;
        var sealer = new Sealer(TlsCipherSuite.TLS_AES_128_GCM_SHA256);
        byte[] ticket = [4, 0, 0, 10, .. new byte[10]];
        var feed = new Feed([.. sealer.Seal(22, ticket[..5]), .. sealer.Seal(22, ticket[5..]), .. sealer.Seal(23, "data"u8)], 1 << 20);
        using var reader = new RecordReader(TlsCipherSuite.TLS_AES_128_GCM_SHA256, sealer.Secret, client: true, feed.Receive);
        Assert.Equal("data"u8.ToArray(), ReadAll(reader, 100, out _));
    }

    [Theory]
    [InlineData(TlsCipherSuite.TLS_AES_128_GCM_SHA256, true)]
    [InlineData(TlsCipherSuite.TLS_AES_128_GCM_SHA256, false)]
    [InlineData(TlsCipherSuite.TLS_AES_256_GCM_SHA384, true)]
    [InlineData(TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256, true)]
    public void TheWritersRecordsOpenWithDotNetsAeadAndReadBack(TlsCipherSuite suite, bool wide)
    {
        if (!LibSsl.IsAvailable)
            return;
        var secret = RandomNumberGenerator.GetBytes(RecordCipher.SecretLength(suite));
        using var writer = new RecordWriter(suite, secret, wide);
        var opener = new Sealer(suite, secret);
        var payload = NodePair.Payload(4, 100_000);
        var records = new byte[RecordWriter.SealedLength(payload.Length)];
        var length = writer.Seal(payload, 23, records);
        Assert.Equal(payload.Length + 7 * 22, length); // 2^14 of content per record: seven records
        // Each record: header, content and type under the sequence's nonce, opened by .NET's AEAD.
        var opened = new MemoryStream();
        for (var at = 0; at < length;)
        {
            var (type, content, size) = opener.Open(records.AsSpan(at, length - at));
            Assert.Equal(23, type);
            Assert.True(content.Length <= 1 << 14);
            opened.Write(content);
            at += size;
        }
        Assert.Equal(payload, opened.ToArray());
        // A KeyUpdate under the old keys, then records under the next ones; an empty record and an alert as well.
        var more = new byte[4096];
        var n = writer.SealKeyUpdate(requestPeer: true, more);
        var keyUpdate = opener.Open(more.AsSpan(0, n));
        Assert.Equal((byte)22, keyUpdate.Type);
        Assert.Equal([24, 0, 0, 1, 1], keyUpdate.Content);
        var (afterType, afterContent, _) = opener.Open(more.AsSpan(n, writer.Seal("after"u8, 23, more.AsSpan(n))));
        Assert.Equal((byte)23, afterType);
        Assert.Equal("after"u8.ToArray(), afterContent);
        n += 5 + 5 + 1 + 16;
        n += writer.Seal([], 23, more.AsSpan(n));
        n += writer.Seal([1, 0], 21, more.AsSpan(n));
        using var reader = new RecordReader(suite, secret, client: true, new Feed([.. records.AsSpan(0, length), .. more.AsSpan(0, n)], 1 << 20).Receive, !wide);
        Assert.Equal([.. payload, .. "after"u8], ReadAll(reader, 64 * 1024, out var end));
        Assert.Equal(0, end); // close_notify
        Assert.Equal(1, reader.KeyUpdates);
        Assert.True(reader.PeerRequestedKeyUpdate);
        Assert.Equal(1, writer.KeyUpdates);
    }

    [Fact]
    public void AWornKeyIsReportedAfterItsRecords()
    {
        if (!LibSsl.IsAvailable)
            return;
        using var writer = new RecordWriter(TlsCipherSuite.TLS_AES_128_GCM_SHA256, new byte[32]) { RecordsPerKey = 3 };
        var output = new byte[1024];
        for (var i = 0; i < 3; i++)
        {
            Assert.False(writer.KeyWornOut);
            writer.Seal("x"u8, 23, output);
        }
        Assert.True(writer.KeyWornOut);
        writer.SealKeyUpdate(requestPeer: false, output);
        Assert.False(writer.KeyWornOut);
    }

    private static byte[] ReadAll(RecordReader reader, int readSize, out int end)
    {
        var output = new MemoryStream();
        var buffer = new byte[readSize];
        while (true)
        {
            var n = reader.Read(buffer);
            if (n <= 0)
            {
                end = n;
                return output.ToArray();
            }
            output.Write(buffer, 0, n);
        }
    }

    /// <summary>Seals records as a TLS 1.3 sender does, with .NET's AEADs (not OpenSSL's).</summary>
    private sealed class Sealer
    {
        private readonly TlsCipherSuite _suite;
        private readonly HashAlgorithmName _hash;
        private byte[] _key = [];
        private byte[] _iv = [];
        private ulong _sequence;

        public Sealer(TlsCipherSuite suite, byte[]? secret = null)
        {
            _suite = suite;
            _hash = suite == TlsCipherSuite.TLS_AES_256_GCM_SHA384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;
            Secret = InitialSecret = secret ?? RandomNumberGenerator.GetBytes(RecordCipher.SecretLength(suite));
            Install();
        }

        /// <summary>Opens the record at the start of <paramref name="wire"/>: its type, content and size; a KeyUpdate moves to the next keys.</summary>
        public (byte Type, byte[] Content, int Size) Open(ReadOnlySpan<byte> wire)
        {
            Assert.Equal(23, wire[0]);
            Assert.Equal(3, wire[1]);
            Assert.Equal(3, wire[2]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(wire[3..]);
            var inner = new byte[length - 16];
            var nonce = _iv.ToArray();
            for (var i = 0; i < 8; i++)
                nonce[4 + i] ^= (byte)(_sequence >> (56 - 8 * i));
            var header = wire[..5];
            if (_suite == TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256)
            {
                using var aead = new ChaCha20Poly1305(_key);
                aead.Decrypt(nonce, wire.Slice(5, inner.Length), wire.Slice(5 + inner.Length, 16), inner, header);
            }
            else
            {
                using var aead = new AesGcm(_key, 16);
                aead.Decrypt(nonce, wire.Slice(5, inner.Length), wire.Slice(5 + inner.Length, 16), inner, header);
            }
            _sequence++;
            var end = inner.Length;
            while (inner[end - 1] == 0)
                end--;
            var type = inner[end - 1];
            var content = inner[..(end - 1)];
            if (type == 22 && content[0] == 24)
                Update();
            return (type, content, 5 + length);
        }

        public byte[] InitialSecret { get; }

        public byte[] Secret { get; private set; }

        public void Update()
        {
            Secret = RecordCipher.ExpandLabel(_hash, Secret, "traffic upd", Secret.Length);
            Install();
        }

        public byte[] Seal(byte type, ReadOnlySpan<byte> content, int padding = 0) => SealRaw([.. content, type, .. new byte[padding]]);

        public byte[] SealRaw(ReadOnlySpan<byte> inner)
        {
            var record = new byte[5 + inner.Length + 16];
            record[0] = 23;
            record[1] = 3;
            record[2] = 3;
            BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(3), (ushort)(inner.Length + 16));
            var nonce = _iv.ToArray();
            for (var i = 0; i < 8; i++)
                nonce[4 + i] ^= (byte)(_sequence >> (56 - 8 * i));
            _sequence++;
            var header = record[..5];
            var ciphertext = record.AsSpan(5, inner.Length);
            var tag = record.AsSpan(5 + inner.Length, 16);
            if (_suite == TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256)
            {
                using var aead = new ChaCha20Poly1305(_key);
                aead.Encrypt(nonce, inner, ciphertext, tag, header);
            }
            else
            {
                using var aead = new AesGcm(_key, 16);
                aead.Encrypt(nonce, inner, ciphertext, tag, header);
            }
            return record;
        }

        private void Install()
        {
            _key = RecordCipher.ExpandLabel(_hash, Secret, "key", _suite == TlsCipherSuite.TLS_AES_128_GCM_SHA256 ? 16 : 32);
            _iv = RecordCipher.ExpandLabel(_hash, Secret, "iv", 12);
            _sequence = 0;
        }
    }

    /// <summary>A socket's reads over fixed bytes: at most <c>chunk</c> at a time, none past <see cref="Pause"/> (-1 when none there), then the end.</summary>
    private sealed class Feed(byte[] bytes, int chunk)
    {
        private int _at;

        public int Pause { get; set; } = -1;

        public int Receive(Span<byte> buffer)
        {
            var limit = Pause >= 0 ? Pause : bytes.Length;
            if (_at >= limit)
                return Pause >= 0 ? -1 : 0;
            var n = Math.Min(Math.Min(chunk, buffer.Length), limit - _at);
            bytes.AsSpan(_at, n).CopyTo(buffer);
            _at += n;
            return n;
        }
    }
}
