using System.Buffers.Binary;
using System.Net.Security;
using System.Security.Cryptography;

namespace IrohActors.Node.Transport.OpenSsl;

/// <summary>
/// The receiving half of a TLS 1.3 connection once OpenSSL has finished the handshake (RFC 8446 §5): reads records from
/// the socket, checks each one's header, and decrypts and authenticates it with OpenSSL's AEAD straight into the
/// reader's memory. OpenSSL's own record layer decrypts into its read buffer and then copies the plaintext out; here
/// the only copy is the decryption itself (docs/transport.md §6.9). The sending half stays with OpenSSL.
/// </summary>
/// <remarks>
/// What a record may carry after the handshake: application data; an alert (close_notify ends the stream, any other
/// alert fails it); post-handshake handshake messages — KeyUpdate (new keys from the next record on; when the peer asks,
/// <see cref="PeerRequestedKeyUpdate"/> tells the caller to update its own sending keys) and, on a client,
/// NewSessionTicket (ignored: we resume no sessions). Anything else, a record that does not authenticate, or a malformed
/// one ends the stream with an <see cref="IOException"/>, and no byte of a record that did not authenticate is
/// returned. Not thread-safe: the caller serializes reads.
/// </remarks>
internal sealed unsafe class RecordReader : RecordCipher
{
    /// <summary>The largest record body (ciphertext with its tag) a peer may send: 2^14 + 256.</summary>
    public const int MaxCiphertext = (1 << 14) + 256;

    /// <summary>The largest inner plaintext (content plus its type byte): 2^14 + 1.</summary>
    private const int MaxInnerPlaintext = (1 << 14) + 1;

    private const byte ContentAlert = 21;
    private const byte ContentHandshake = 22;
    private const byte ContentApplicationData = 23;
    private const byte HandshakeNewSessionTicket = 4;
    private const byte HandshakeKeyUpdate = 24;

    /// <summary>Post-handshake messages are small (a ticket is a few hundred bytes); a larger one is refused.</summary>
    private const int MaxHandshakeMessage = 64 * 1024;

    /// <summary>
    /// Bytes read from the socket at once: several records per <c>recv</c>. Like OpenSSL's read-ahead before it, the
    /// buffer should stay in the core's cache (docs/transport.md §6.8).
    /// </summary>
    private const int ReceiveBufferBytes = 64 * 1024;

    /// <summary>Reads what the socket holds into the span: the byte count, 0 at the end of the stream, -1 when none is there yet.</summary>
    public delegate int Receive(Span<byte> buffer);

    private readonly Receive _receive;
    private readonly bool _client;
    private readonly byte[] _input = GC.AllocateUninitializedArray<byte>(ReceiveBufferBytes, pinned: true);
    private readonly byte[] _staging = GC.AllocateUninitializedArray<byte>(MaxCiphertext, pinned: true);
    private byte[] _handshake = [];
    private int _inputStart;
    private int _inputEnd;
    private int _stagedStart;
    private int _stagedEnd;
    private int _handshakeLength;
    private bool _ended;
    private string? _failed;

    /// <summary>
    /// Reads records protected with <paramref name="trafficSecret"/> (the peer's application traffic secret, from
    /// which key and IV are derived) under <paramref name="suite"/>; <paramref name="client"/> is our side's role.
    /// </summary>
    public RecordReader(TlsCipherSuite suite, ReadOnlySpan<byte> trafficSecret, bool client, Receive receive, bool wide = true)
        : base(suite, trafficSecret, encrypt: false, wide)
    {
        _client = client;
        _receive = receive;
    }

    /// <summary>KeyUpdate messages received (each one switched to new keys).</summary>
    public int KeyUpdates { get; private set; }

    /// <summary>Set when a KeyUpdate asked us to update our sending keys; the caller clears it once it has.</summary>
    public bool PeerRequestedKeyUpdate { get; set; }

    /// <summary>
    /// Reads application data into <paramref name="destination"/>: the byte count (one record or more, whatever is
    /// already here), 0 at the end of the stream (close_notify, or the connection's end between records), -1 when no
    /// whole record has arrived and the socket has nothing more yet.
    /// </summary>
    /// <exception cref="IOException">A record did not authenticate or broke the protocol, or the connection ended inside one.</exception>
    public int Read(Span<byte> destination)
    {
        if (Context == IntPtr.Zero)
            throw new IOException("the TLS connection is closed");
        if (_failed is not null)
            throw new IOException($"TLS read failed: {_failed}");
        if (destination.IsEmpty)
            return 0;
        if (_stagedEnd > _stagedStart)
        {
            var n = Math.Min(destination.Length, _stagedEnd - _stagedStart);
            _staging.AsSpan(_stagedStart, n).CopyTo(destination);
            _stagedStart += n;
            return n;
        }
        var total = 0;
        try
        {
            return ReadRecords(destination, ref total);
        }
        catch (IOException) when (total > 0 && _failed is not null)
        {
            return total; // what authenticated before the failure; the next read throws
        }
    }

    private int ReadRecords(Span<byte> destination, ref int total)
    {
        while (total < destination.Length && !_ended)
        {
            if (!TryTakeRecord(out var length))
            {
                // Never wait for the socket once there is something to return.
                if (total > 0)
                    return total;
                var received = Fill();
                if (received < 0)
                    return -1;
                if (received == 0)
                {
                    if (_inputEnd > _inputStart)
                        throw new IOException($"TLS read failed: the connection ended inside a record ({_inputEnd - _inputStart} bytes of it)");
                    _ended = true;
                }
                continue;
            }
            var record = _input.AsSpan(_inputStart, HeaderSize + length);
            _inputStart += HeaderSize + length;
            var innerLength = length - TagSize;
            if (innerLength > MaxInnerPlaintext)
                throw Failure($"a record of {innerLength} plaintext bytes (at most {MaxInnerPlaintext})");
            // The record is decrypted where its content goes, when all of it fits; otherwise aside, and copied.
            var direct = destination.Length - total >= innerLength;
            var inner = direct ? destination.Slice(total, innerLength) : _staging.AsSpan(0, innerLength);
            Open(record, inner);
            var end = innerLength;
            while (end > 0 && inner[end - 1] == 0)
                end--;
            if (end == 0)
                throw Failure("a record carried no content type");
            var type = inner[end - 1];
            var content = inner[..(end - 1)];
            switch (type)
            {
                case ContentApplicationData:
                    if (direct)
                    {
                        total += content.Length;
                        break;
                    }
                    var n = Math.Min(destination.Length - total, content.Length);
                    content[..n].CopyTo(destination[total..]);
                    total += n;
                    _stagedStart = n;
                    _stagedEnd = content.Length;
                    return total;
                case ContentAlert:
                    if (content.Length != 2)
                        throw Failure($"an alert of {content.Length} bytes");
                    if (content[1] != 0)
                        throw Failure($"the peer sent alert {content[1]} (level {content[0]})");
                    _ended = true; // close_notify
                    break;
                case ContentHandshake:
                    if (_handshakeLength == 0 && content.Length == 0)
                        throw Failure("an empty handshake record");
                    OnHandshake(content);
                    break;
                default:
                    throw Failure($"a record of content type {type}");
            }
        }
        return total;
    }

    // A whole record at the front of the input: checks its header (type, version, length); false when it has not all arrived.
    private bool TryTakeRecord(out int length)
    {
        length = 0;
        var available = _inputEnd - _inputStart;
        if (available < HeaderSize)
            return false;
        var header = _input.AsSpan(_inputStart, HeaderSize);
        if (header[0] != ContentApplicationData)
            throw Failure(header[0] == 20 ? "a change_cipher_spec record after the handshake" : $"a record of outer type {header[0]}");
        if (header[1] != 3 || header[2] != 3)
            throw Failure($"a record of version {header[1]}.{header[2]}");
        length = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
        if (length > MaxCiphertext)
            throw Failure($"a record of {length} bytes (at most {MaxCiphertext})");
        if (length <= TagSize)
            throw Failure($"a record of {length} bytes, too short to hold its tag");
        return available >= HeaderSize + length;
    }

    // Reads from the socket into the free end of the input, first moving a partial record to the front if a whole one might not fit.
    private int Fill()
    {
        if (_inputStart == _inputEnd)
            _inputStart = _inputEnd = 0;
        else if (_input.Length - _inputStart < HeaderSize + MaxCiphertext)
        {
            _input.AsSpan(_inputStart, _inputEnd - _inputStart).CopyTo(_input);
            _inputEnd -= _inputStart;
            _inputStart = 0;
        }
        var n = _receive(_input.AsSpan(_inputEnd));
        if (n > 0)
            _inputEnd += n;
        return n;
    }

    // Decrypts and authenticates one record (header as associated data) into inner; zeroes inner if it does not authenticate.
    private void Open(ReadOnlySpan<byte> record, Span<byte> inner)
    {
        if (Sequence == ulong.MaxValue)
            throw Failure("the record sequence number is exhausted");
        var nonce = stackalloc byte[NonceSize];
        Nonce(new Span<byte>(nonce, NonceSize));
        bool ok;
        if (Wide is { } wide)
        {
            ok = wide.Open(new ReadOnlySpan<byte>(nonce, NonceSize), record[..HeaderSize], record.Slice(HeaderSize, inner.Length),
                record.Slice(HeaderSize + inner.Length, TagSize), inner);
        }
        else
        fixed (byte* r = record)
        fixed (byte* p = inner)
        {
            var length = inner.Length;
            int produced, finished;
            ok = LibSsl.EVP_DecryptInit_ex(Context, IntPtr.Zero, IntPtr.Zero, null, nonce) == 1
                && LibSsl.EVP_DecryptUpdate(Context, null, &produced, r, HeaderSize) == 1
                && LibSsl.EVP_DecryptUpdate(Context, p, &produced, r + HeaderSize, length) == 1
                && LibSsl.EVP_CIPHER_CTX_ctrl(Context, LibSsl.CtrlAeadSetTag, TagSize, r + HeaderSize + length) == 1
                && LibSsl.EVP_DecryptFinal_ex(Context, p + produced, &finished) == 1;
        }
        if (!ok)
        {
            LibSsl.ERR_clear_error();
            inner.Clear();
            throw Failure("a record did not authenticate (bad record MAC)");
        }
        Sequence++;
    }

    // Post-handshake messages, which may be split over records or share one.
    private void OnHandshake(ReadOnlySpan<byte> content)
    {
        if (_handshakeLength + content.Length > _handshake.Length)
        {
            if (_handshakeLength + content.Length > MaxHandshakeMessage + 4)
                throw Failure($"a post-handshake message of more than {MaxHandshakeMessage} bytes");
            Array.Resize(ref _handshake, Math.Max(_handshakeLength + content.Length, 256));
        }
        content.CopyTo(_handshake.AsSpan(_handshakeLength));
        _handshakeLength += content.Length;
        var at = 0;
        while (_handshakeLength - at >= 4)
        {
            var type = _handshake[at];
            var length = (_handshake[at + 1] << 16) | (_handshake[at + 2] << 8) | _handshake[at + 3];
            if (length > MaxHandshakeMessage)
                throw Failure($"a post-handshake message of {length} bytes");
            if (_handshakeLength - at - 4 < length)
                break;
            var body = _handshake.AsSpan(at + 4, length);
            at += 4 + length;
            switch (type)
            {
                case HandshakeKeyUpdate:
                    if (length != 1 || body[0] > 1)
                        throw Failure("a malformed KeyUpdate");
                    // New keys apply from the next record: the message must end this one (RFC 8446 §5.1).
                    if (at != _handshakeLength)
                        throw Failure("a KeyUpdate that does not end its record");
                    if (body[0] == 1)
                        PeerRequestedKeyUpdate = true;
                    NextKeys();
                    KeyUpdates++;
                    break;
                case HandshakeNewSessionTicket when _client:
                    break; // no session is ever resumed
                default:
                    throw Failure($"handshake message {type} after the handshake");
            }
        }
        _handshake.AsSpan(at, _handshakeLength - at).CopyTo(_handshake);
        _handshakeLength -= at;
    }

    private IOException Failure(string what)
    {
        _failed = what;
        _stagedStart = _stagedEnd = 0;
        _inputStart = _inputEnd = 0;
        return new IOException($"TLS read failed: {what}");
    }
}
