using System.Buffers.Binary;
using System.Net.Security;
using System.Security.Cryptography;

namespace IrohActors.Node.Transport.OpenSsl;

/// <summary>
/// The sending half of a TLS 1.3 connection once OpenSSL has finished the handshake (RFC 8446 §5.2): seals plaintext
/// into records of at most 2^14 bytes, encrypted with OpenSSL's AEAD straight from the caller's memory into the bytes
/// that go to the socket. OpenSSL's own record layer encrypts into its record buffer and then copies the records into
/// a memory BIO (docs/transport.md §6.9). Sends a KeyUpdate when asked (by the peer or by us) and by itself after
/// <see cref="RecordsPerKey"/> records, well inside AES-GCM's limit of about 2^24.5 records per key (RFC 8446 §5.5).
/// Not thread-safe: the caller serializes writes.
/// </summary>
internal sealed unsafe class RecordWriter : RecordCipher
{
    /// <summary>Content bytes per record at most.</summary>
    public const int MaxContent = 1 << 14;

    /// <summary>Bytes a record adds to its content: header, content type, tag.</summary>
    private const int Overhead = HeaderSize + 1 + TagSize;

    /// <summary>Seals records with <paramref name="trafficSecret"/> (our application traffic secret) under <paramref name="suite"/>.</summary>
    public RecordWriter(TlsCipherSuite suite, ReadOnlySpan<byte> trafficSecret, bool wide = true)
        : base(suite, trafficSecret, encrypt: true, wide)
    {
    }

    /// <summary>Records sealed under one key before the writer moves to the next by itself (2^23: 128 GiB of full records).</summary>
    public ulong RecordsPerKey { get; init; } = 1UL << 23;

    /// <summary>KeyUpdate messages sent (each one switched to new keys after it).</summary>
    public int KeyUpdates { get; private set; }

    /// <summary>True once the current key has sealed <see cref="RecordsPerKey"/> records: the next write sends a KeyUpdate first.</summary>
    public bool KeyWornOut => Sequence >= RecordsPerKey;

    /// <summary>The bytes <paramref name="content"/> bytes take as records (at most; the same for any content type).</summary>
    public static int SealedLength(int content) => content + Math.Max(1, (content + MaxContent - 1) / MaxContent) * Overhead;

    /// <summary>The bytes of a sealed KeyUpdate.</summary>
    public static int KeyUpdateLength => SealedLength(5);

    /// <summary>
    /// Seals <paramref name="content"/> as records of <paramref name="type"/> (23 application data, 21 alert) into
    /// <paramref name="output"/>, which holds at least <see cref="SealedLength"/> bytes; returns the bytes written.
    /// </summary>
    public int Seal(ReadOnlySpan<byte> content, byte type, Span<byte> output)
    {
        if (Context == IntPtr.Zero)
            throw new IOException("the TLS connection is closed");
        if (output.Length < SealedLength(content.Length))
            throw new ArgumentException("the output is too small for the records", nameof(output));
        var written = 0;
        var at = 0;
        do
        {
            var n = Math.Min(MaxContent, content.Length - at);
            written += SealRecord(content.Slice(at, n), type, output[written..]);
            at += n;
        }
        while (at < content.Length);
        return written;
    }

    /// <summary>
    /// Seals a KeyUpdate (asking the peer to update its keys too, if <paramref name="requestPeer"/>) under the current
    /// keys, then moves to the next ones (RFC 8446 §4.6.3); returns the bytes written.
    /// </summary>
    public int SealKeyUpdate(bool requestPeer, Span<byte> output)
    {
        ReadOnlySpan<byte> message = [24, 0, 0, 1, requestPeer ? (byte)1 : (byte)0];
        var written = Seal(message, 22, output);
        NextKeys();
        KeyUpdates++;
        return written;
    }

    private int SealRecord(ReadOnlySpan<byte> content, byte type, Span<byte> output)
    {
        var length = content.Length + 1 + TagSize;
        var nonce = stackalloc byte[NonceSize];
        Nonce(new Span<byte>(nonce, NonceSize));
        output[0] = 23;
        output[1] = 3;
        output[2] = 3;
        BinaryPrimitives.WriteUInt16BigEndian(output[3..], (ushort)length);
        bool ok = true;
        if (Wide is { } wide)
        {
            wide.Seal(new ReadOnlySpan<byte>(nonce, NonceSize), output[..HeaderSize], content, type,
                output.Slice(HeaderSize, content.Length + 1), output.Slice(HeaderSize + content.Length + 1, TagSize));
        }
        else
        fixed (byte* c = content)
        fixed (byte* o = output)
        {
            int produced;
            var typeByte = type;
            ok = LibSsl.EVP_EncryptInit_ex(Context, IntPtr.Zero, IntPtr.Zero, null, nonce) == 1
                && LibSsl.EVP_EncryptUpdate(Context, null, &produced, o, HeaderSize) == 1
                && (content.Length == 0 || LibSsl.EVP_EncryptUpdate(Context, o + HeaderSize, &produced, c, content.Length) == 1)
                && LibSsl.EVP_EncryptUpdate(Context, o + HeaderSize + content.Length, &produced, &typeByte, 1) == 1
                && LibSsl.EVP_EncryptFinal_ex(Context, o + HeaderSize + content.Length + 1, &produced) == 1
                && LibSsl.EVP_CIPHER_CTX_ctrl(Context, LibSsl.CtrlAeadGetTag, TagSize, o + HeaderSize + content.Length + 1) == 1;
        }
        if (!ok)
            throw new IOException($"TLS write failed: OpenSSL could not seal a record: {LibSsl.TakeErrors()}");
        Sequence++;
        return HeaderSize + length;
    }
}
