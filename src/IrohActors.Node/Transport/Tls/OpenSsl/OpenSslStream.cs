using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IrohActors.Node.Identity;

namespace IrohActors.Node.Transport.OpenSsl;

/// <summary>
/// A TLS 1.3 connection run by OpenSSL directly (<see cref="TlsProvider.OpenSsl"/>), under a connection that has a thread
/// of its own. OpenSSL reads the socket itself (read-ahead: several records per <c>recv</c>, decrypted where they landed,
/// then copied once to the reader), and writes its records into a memory buffer that is sent straight from OpenSSL's
/// memory. SslStream on Linux runs the same library through memory buffers on both sides, and copies each byte two
/// more times on the way out and three more on the way in (docs/transport.md §6.8).
/// </summary>
/// <remarks>
/// One SSL object must not be used by two threads at once, so every OpenSSL call holds <see cref="_lock"/>; none of
/// them blocks (the socket is non-blocking). Waits happen outside it: a read on the connection's thread waits in
/// <c>poll</c>, a read elsewhere awaits readability from the runtime's engine, and a write that finds the socket full
/// copies what is left and awaits the engine's send (writes keep their order under <see cref="_send"/>).
/// </remarks>
internal sealed class OpenSslStream : Stream
{
    private readonly Socket _socket;
    private readonly Thread _owner;
    private readonly object _lock = new();
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly object _readLock = new();
    private readonly bool _client;
    private readonly bool _readRecords;
    private readonly bool _writeRecords;
    private IntPtr _ssl;
    private IntPtr _writeBio;
    private int _deferredSends;
    private readonly object _writeLock = new();
    // After the handshake, our own reading of the peer's records (null: OpenSSL reads them).
    private RecordReader? _records;
    // After the handshake, our own sealing of our records (null: OpenSSL writes them), under _writeLock.
    private RecordWriter? _writer;
    private bool _writeClosed;
    // A KeyUpdate to send before the next record (our writer): 0 none, 1 not requesting the peer's, 2 requesting it.
    private int _keyUpdateWanted;
    // The application traffic secrets, the peer's and ours, as the handshake's key log gave them (until the record
    // reader and writer take them).
    private byte[]? _peerSecret;
    private byte[]? _ownSecret;

    // Sessions in their handshake, for the key log callback (which gets only the SSL pointer).
    private static readonly ConcurrentDictionary<IntPtr, OpenSslStream> Handshaking = new();

    private OpenSslStream(Socket socket, IntPtr ssl, IntPtr writeBio, bool client, bool readRecords, bool writeRecords)
    {
        _readRecords = readRecords;
        _writeRecords = writeRecords;
        _socket = socket;
        _ssl = ssl;
        _writeBio = writeBio;
        _client = client;
        _owner = Thread.CurrentThread;
    }

    /// <summary>True when this stream reads the peer's records itself (<see cref="RecordReader"/>), not through OpenSSL.</summary>
    internal bool ReadsRecords => _records is not null;

    /// <summary>True when this stream seals its records itself (<see cref="RecordWriter"/>), not through OpenSSL.</summary>
    internal bool WritesRecords
    {
        get
        {
            lock (_writeLock)
                return _writer is not null;
        }
    }

    /// <summary>KeyUpdates sent (when this stream seals its records).</summary>
    internal int KeyUpdatesSent
    {
        get
        {
            lock (_writeLock)
                return _writer?.KeyUpdates ?? 0;
        }
    }

    /// <summary>KeyUpdates received from the peer (when this stream reads its records).</summary>
    internal int KeyUpdatesReceived
    {
        get
        {
            lock (_readLock)
                return _records?.KeyUpdates ?? 0;
        }
    }

    /// <summary>Writes that found the socket full and left the rest to the runtime's engine.</summary>
    internal int DeferredSends => Volatile.Read(ref _deferredSends);

    /// <summary>The negotiated cipher suite.</summary>
    public TlsCipherSuite NegotiatedCipherSuite { get; private set; }

    /// <summary>Dials: runs the client handshake on the calling thread (the connection's) and checks that the peer proves <paramref name="expected"/>.</summary>
    /// <param name="readRecords">Read the peer's records with <see cref="RecordReader"/> after the handshake (false: OpenSSL reads them).</param>
    /// <param name="writeRecords">Seal our records with <see cref="RecordWriter"/> after the handshake (false: OpenSSL writes them).</param>
    public static OpenSslStream AsClient(Socket socket, OpenSslContext context, NodeId expected, IPEndPoint endPoint, CancellationToken cancellationToken, bool readRecords = true, bool writeRecords = true)
    {
        var stream = Create(socket, context, client: true, readRecords, writeRecords);
        return stream.Authenticate(expected, endPoint, $"{endPoint}", cancellationToken).Stream;
    }

    /// <summary>Accepts: runs the server handshake on the calling thread, requiring a client certificate, and learns the dialer's node id from it.</summary>
    public static (OpenSslStream Tls, NodeId Remote) AsServer(Socket socket, OpenSslContext context, IPEndPoint endPoint, CancellationToken cancellationToken, bool readRecords = true, bool writeRecords = true)
    {
        var stream = Create(socket, context, client: false, readRecords, writeRecords);
        return stream.Authenticate(expected: null, endPoint, $"dialer {endPoint}", cancellationToken);
    }

    private static unsafe OpenSslStream Create(Socket socket, OpenSslContext context, bool client, bool readRecords, bool writeRecords)
    {
        socket.Blocking = false;
        var added = false;
        context.DangerousAddRef(ref added);
        try
        {
            var ssl = LibSsl.SSL_new(context.DangerousGetHandle());
            if (ssl == IntPtr.Zero)
                throw new PeerAuthenticationException($"OpenSSL could not start a TLS session: {LibSsl.TakeErrors()}");
            var readBio = LibSsl.BIO_new_socket((int)socket.Handle, 0);
            var writeBio = LibSsl.BIO_new(LibSsl.BIO_s_mem());
            LibSsl.SSL_set_bio(ssl, readBio, writeBio); // the session owns both from here on
            var stream = new OpenSslStream(socket, ssl, writeBio, client, readRecords, writeRecords);
            if (readRecords)
            {
                // OpenSSL must not read past the handshake's last record: whatever follows is ours to read.
                LibSsl.SSL_ctrl(ssl, LibSsl.CtrlSetReadAhead, 0, IntPtr.Zero);
            }
            if (readRecords || writeRecords)
                Handshaking[ssl] = stream;
            if (client)
            {
                fixed (byte* alpn = OpenSslContext.AlpnList)
                {
                    if (LibSsl.SSL_set_alpn_protos(ssl, alpn, (uint)OpenSslContext.AlpnList.Length) != 0)
                    {
                        stream.Dispose();
                        throw new PeerAuthenticationException($"OpenSSL could not offer ALPN {TlsHandshake.Alpn}: {LibSsl.TakeErrors()}");
                    }
                }
                LibSsl.SSL_set_connect_state(ssl);
            }
            else
            {
                LibSsl.SSL_set_accept_state(ssl);
            }
            return stream;
        }
        finally
        {
            if (added)
                context.DangerousRelease(); // SSL_new took a reference of its own
        }
    }

    // The handshake, with waits in poll on this thread; then the checks SslStream's callback and TlsHandshake.Finish make.
    private (OpenSslStream Stream, NodeId Remote) Authenticate(NodeId? expected, IPEndPoint endPoint, string peer, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                int result, error;
                string errors;
                ulong code;
                lock (_lock)
                {
                    ThrowIfClosed();
                    LibSsl.ERR_clear_error();
                    Hold();
                    try
                    {
                        result = LibSsl.SSL_do_handshake(_ssl);
                    }
                    finally
                    {
                        Release();
                    }
                    error = result == 1 ? LibSsl.ErrorNone : LibSsl.SSL_get_error(_ssl, result);
                    errors = LibSsl.TakeErrors(out code);
                }
                // What the handshake wrote goes out first, an alert too, so that a refused peer learns why.
                FlushWaiting(cancellationToken);
                if (result == 1)
                    break;
                if (error == LibSsl.ErrorWantRead)
                {
                    WaitReadable(cancellationToken);
                    continue;
                }
                if (LibSsl.Reason(code) == LibSsl.ReasonPeerDidNotReturnACertificate)
                    throw new PeerAuthenticationException($"peer at {endPoint} presented no certificate; node certificates are required on both sides");
                throw new PeerAuthenticationException(error is LibSsl.ErrorSyscall or LibSsl.ErrorZeroReturn && errors.Length == 0
                    ? $"TLS handshake with {peer} failed: the peer closed the connection"
                    : $"TLS handshake with {peer} failed: {(errors.Length > 0 ? errors : $"OpenSSL error {error}")}");
            }
            var verdict = new TlsHandshake.Verdict();
            using (var certificate = PeerCertificate())
            {
                if (!verdict.Check(certificate, certificate is null ? SslPolicyErrors.RemoteCertificateNotAvailable : SslPolicyErrors.None, expected, endPoint))
                    throw verdict.Failure!;
            }
            if (!AgreedAlpn())
                throw new PeerAuthenticationException($"peer at {endPoint} did not agree to ALPN protocol {TlsHandshake.Alpn}");
            lock (_lock)
            {
                ThrowIfClosed();
                NegotiatedCipherSuite = (TlsCipherSuite)LibSsl.SSL_CIPHER_get_protocol_id(LibSsl.SSL_get_current_cipher(_ssl));
                TakeOverRecords();
            }
            return (this, verdict.Remote!.Value);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    // Under _lock, after the handshake: the peer's records are read by a RecordReader from here on, if the key log gave
    // the peer's traffic secret, the suite is one it reads, and OpenSSL holds no byte beyond the handshake (otherwise
    // OpenSSL goes on reading, with its read-ahead back on); ours are sealed by a RecordWriter, if we read, the key log
    // gave our secret and OpenSSL has nothing left to send.
    private void TakeOverRecords()
    {
        var registered = Handshaking.TryRemove(_ssl, out _);
        var peerSecret = Interlocked.Exchange(ref _peerSecret, null);
        var ownSecret = Interlocked.Exchange(ref _ownSecret, null);
        var length = RecordCipher.SecretLength(NegotiatedCipherSuite);
        try
        {
            if (registered && _readRecords)
            {
                if (peerSecret is not null && peerSecret.Length == length && LibSsl.SSL_has_pending(_ssl) == 0)
                {
                    lock (_readLock)
                        _records = new RecordReader(NegotiatedCipherSuite, peerSecret, _client, ReceiveSome);
                }
                else
                {
                    LibSsl.SSL_ctrl(_ssl, LibSsl.CtrlSetReadAhead, 1, IntPtr.Zero);
                }
            }
            // Only with our reader: OpenSSL reading would answer a KeyUpdate itself, under keys our writer has moved past.
            if (_records is not null && _writeRecords && ownSecret is not null && ownSecret.Length == length
                && LibSsl.BIO_ctrl(_writeBio, LibSsl.BioCtrlPending, 0, IntPtr.Zero) == 0)
            {
                lock (_writeLock)
                    _writer = new RecordWriter(NegotiatedCipherSuite, ownSecret);
            }
        }
        finally
        {
            if (peerSecret is not null)
                CryptographicOperations.ZeroMemory(peerSecret);
            if (ownSecret is not null)
                CryptographicOperations.ZeroMemory(ownSecret);
        }
    }

    /// <summary>
    /// OpenSSL's key log callback (<see cref="OpenSslContext"/>): keeps the two application traffic secrets (the peer's
    /// and ours) of a session in its handshake. Never throws (it runs inside OpenSSL).
    /// </summary>
    internal static unsafe void OnKeyLog(IntPtr ssl, byte* line)
    {
        try
        {
            if (!Handshaking.TryGetValue(ssl, out var stream))
                return;
            // "LABEL <client random, hex> <secret, hex>"
            var text = new ReadOnlySpan<byte>(line, MemoryMarshal.CreateReadOnlySpanFromNullTerminated(line).Length);
            var peers = stream._client ? "SERVER_TRAFFIC_SECRET_0 "u8 : "CLIENT_TRAFFIC_SECRET_0 "u8;
            var ours = stream._client ? "CLIENT_TRAFFIC_SECRET_0 "u8 : "SERVER_TRAFFIC_SECRET_0 "u8;
            var own = text.StartsWith(ours);
            if (!own && !text.StartsWith(peers))
                return;
            var rest = text[(own ? ours.Length : peers.Length)..];
            var space = rest.IndexOf((byte)' ');
            if (space < 0)
                return;
            var hex = rest[(space + 1)..];
            var secret = new byte[hex.Length / 2];
            // The UTF-8 overload: no string holds the secret where it cannot be wiped.
            if (hex.Length % 2 != 0 || Convert.FromHexString(hex, secret, out _, out var written) != OperationStatus.Done || written != secret.Length)
            {
                CryptographicOperations.ZeroMemory(secret);
                return;
            }
            stream.KeepSecret(secret, own);
        }
        catch
        {
            // A session without the secret keeps OpenSSL reading its records.
        }
    }

    private void KeepSecret(byte[] secret, bool own)
    {
        if (Interlocked.Exchange(ref own ? ref _ownSecret : ref _peerSecret, secret) is { } old)
            CryptographicOperations.ZeroMemory(old);
    }

    // The record reader's socket reads: non-blocking, -1 when nothing is there.
    private int ReceiveSome(Span<byte> buffer)
    {
        int n;
        SocketError error;
        try
        {
            n = _socket.Receive(buffer, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException e)
        {
            throw new IOException("reading from the connection failed: the socket is closed", e);
        }
        if (error == SocketError.WouldBlock)
            return -1;
        if (error != SocketError.Success)
            throw new IOException($"reading from the connection failed: {new SocketException((int)error).Message}", new SocketException((int)error));
        return n;
    }

    private unsafe X509Certificate2? PeerCertificate()
    {
        byte[] der;
        lock (_lock)
        {
            ThrowIfClosed();
            var x509 = LibSsl.SSL_get1_peer_certificate(_ssl);
            if (x509 == IntPtr.Zero)
                return null;
            try
            {
                var length = LibSsl.i2d_X509(x509, null);
                if (length <= 0)
                    throw new PeerAuthenticationException($"the peer's certificate could not be encoded: {LibSsl.TakeErrors()}");
                der = new byte[length];
                fixed (byte* start = der)
                {
                    var p = start;
                    LibSsl.i2d_X509(x509, &p);
                }
            }
            finally
            {
                LibSsl.X509_free(x509);
            }
        }
        return X509CertificateLoader.LoadCertificate(der);
    }

    private unsafe bool AgreedAlpn()
    {
        lock (_lock)
        {
            ThrowIfClosed();
            byte* data;
            uint length;
            LibSsl.SSL_get0_alpn_selected(_ssl, &data, &length);
            return length > 0 && new ReadOnlySpan<byte>(data, (int)length).SequenceEqual(TlsHandshake.Alpn.Protocol.Span);
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
            return ValueTask.FromResult(0);
        try
        {
            while (true)
            {
                var (n, error) = TryRead(buffer.Span);
                if (n > 0 || error == LibSsl.ErrorZeroReturn)
                    return ValueTask.FromResult(n);
                if (!ReferenceEquals(Thread.CurrentThread, _owner))
                    return ReadElsewhereAsync(buffer, cancellationToken);
                WaitReadable(cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            return ValueTask.FromException<int>(e);
        }
    }

    // Off the connection's thread: the runtime's engine waits for readability (a zero-byte receive) instead of poll.
    private async ValueTask<int> ReadElsewhereAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                throw new IOException($"reading from the socket failed: {e.Message}", e);
            }
            var (n, error) = TryRead(buffer.Span);
            if (n > 0 || error == LibSsl.ErrorZeroReturn)
                return n;
        }
    }

    // One SSL_read: (bytes, 0), (0, ZeroReturn) at the end of the stream, or (0, WantRead) when the socket is empty.
    private (int Bytes, int Error) TryRead(Span<byte> buffer)
    {
        if (_records is { } records)
        {
            int n;
            bool update;
            lock (_readLock)
            {
                if (_ssl == IntPtr.Zero)
                    throw new IOException("the TLS connection is closed");
                n = records.Read(buffer);
                update = records.PeerRequestedKeyUpdate;
                records.PeerRequestedKeyUpdate = false;
            }
            if (update)
                UpdateSendingKeys(requestPeer: false);
            return n > 0 ? (n, LibSsl.ErrorNone) : n == 0 ? (0, LibSsl.ErrorZeroReturn) : (0, LibSsl.ErrorWantRead);
        }
        return TryReadOpenSsl(buffer);
    }

    /// <summary>
    /// Switches our sending keys (a KeyUpdate goes out before the next record of data); with <paramref name="requestPeer"/>
    /// the peer is asked to switch its own.
    /// </summary>
    internal void UpdateSendingKeys(bool requestPeer)
    {
        lock (_writeLock)
        {
            if (_writer is not null)
            {
                // Sealed before the next record, as the RFC asks of an answer to the peer's request.
                _keyUpdateWanted = Math.Max(_keyUpdateWanted, requestPeer ? 2 : 1);
                return;
            }
        }
        lock (_lock)
        {
            ThrowIfClosed();
            LibSsl.ERR_clear_error();
            if (LibSsl.SSL_key_update(_ssl, requestPeer ? LibSsl.KeyUpdateRequested : LibSsl.KeyUpdateNotRequested) != 1)
                throw new IOException($"TLS key update failed: {LibSsl.TakeErrors()}");
        }
    }

    private unsafe (int Bytes, int Error) TryReadOpenSsl(Span<byte> buffer)
    {
        int result, error, errno;
        string errors;
        bool pending;
        lock (_lock)
        {
            ThrowIfClosed();
            LibSsl.ERR_clear_error();
            Hold();
            try
            {
                fixed (byte* p = buffer)
                    result = LibSsl.SSL_read(_ssl, p, buffer.Length);
                errno = Marshal.GetLastPInvokeError();
            }
            finally
            {
                Release();
            }
            error = result > 0 ? LibSsl.ErrorNone : LibSsl.SSL_get_error(_ssl, result);
            errors = error == LibSsl.ErrorNone ? "" : LibSsl.TakeErrors();
            pending = LibSsl.BIO_ctrl(_writeBio, LibSsl.BioCtrlPending, 0, IntPtr.Zero) > 0;
        }
        if (pending)
            _ = FlushQueuedAsync(); // e.g. an alert OpenSSL wrote while reading
        return error switch
        {
            LibSsl.ErrorNone => (result, error),
            LibSsl.ErrorZeroReturn => (0, error),
            LibSsl.ErrorWantRead => (0, error),
            // An end of TCP without close_notify reads as ZeroReturn (SSL_OP_IGNORE_UNEXPECTED_EOF); this is a socket error.
            LibSsl.ErrorSyscall => throw new IOException($"reading from the connection failed: {(errors.Length > 0 ? errors : Marshal.GetPInvokeErrorMessage(errno))}"),
            _ => throw new IOException($"TLS read failed: {(errors.Length > 0 ? errors : $"OpenSSL error {error}")}"),
        };
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rest = WritesRecords ? SealAndSend(buffer.Span) : WriteAndSend(buffer);
            if (rest is not null)
            {
                Interlocked.Increment(ref _deferredSends);
                await SendRestAsync(rest, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _send.Release();
        }
    }

    // Encrypts all of buffer into OpenSSL's memory buffer and sends it; returns what did not fit into the socket (or null).
    private unsafe byte[]? WriteAndSend(ReadOnlyMemory<byte> buffer)
    {
        lock (_lock)
        {
            ThrowIfClosed();
            using var pin = buffer.Pin();
            var p = (byte*)pin.Pointer;
            for (var at = 0; at < buffer.Length;)
            {
                LibSsl.ERR_clear_error();
                int result;
                Hold();
                try
                {
                    result = LibSsl.SSL_write(_ssl, p + at, buffer.Length - at);
                }
                finally
                {
                    Release();
                }
                if (result <= 0)
                {
                    var error = LibSsl.SSL_get_error(_ssl, result);
                    var errors = LibSsl.TakeErrors();
                    throw new IOException($"TLS write failed: {(errors.Length > 0 ? errors : $"OpenSSL error {error}")}");
                }
                at += result;
            }
            return SendQueuedLocked();
        }
    }

    // Under _send: seals buffer as records (after a KeyUpdate, if one is due) and sends them; returns what did not fit into
    // the socket (or null).
    private byte[]? SealAndSend(ReadOnlySpan<byte> buffer, byte type = 23)
    {
        var records = ArrayPool<byte>.Shared.Rent(RecordWriter.SealedLength(buffer.Length) + RecordWriter.KeyUpdateLength);
        try
        {
            int length;
            lock (_writeLock)
            {
                if (_writer is not { } writer || _writeClosed)
                    throw new IOException("TLS write failed: the connection is closed");
                length = 0;
                var update = _keyUpdateWanted;
                if (update != 0 || writer.KeyWornOut)
                    length += writer.SealKeyUpdate(requestPeer: update == 2, records);
                _keyUpdateWanted = 0;
                length += writer.Seal(buffer, type, records.AsSpan(length));
                if (type == 21)
                    _writeClosed = true;
            }
            return SendNow(records.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(records);
        }
    }

    /// <summary>Sends close_notify (the peer reads an orderly end of the stream).</summary>
    public async Task ShutdownAsync()
    {
        await _send.WaitAsync().ConfigureAwait(false);
        try
        {
            if (WritesRecords)
            {
                var remaining = SealAndSend([1, 0], type: 21);
                if (remaining is not null)
                    await SendRestAsync(remaining, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            byte[]? rest;
            lock (_lock)
            {
                ThrowIfClosed();
                LibSsl.ERR_clear_error();
                Hold();
                try
                {
                    LibSsl.SSL_shutdown(_ssl);
                }
                finally
                {
                    Release();
                }
                LibSsl.ERR_clear_error();
                rest = SendQueuedLocked();
            }
            if (rest is not null)
                await SendRestAsync(rest, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task FlushQueuedAsync()
    {
        try
        {
            await _send.WaitAsync().ConfigureAwait(false);
            try
            {
                byte[]? rest;
                lock (_lock)
                {
                    if (_ssl == IntPtr.Zero)
                        return;
                    rest = SendQueuedLocked();
                }
                if (rest is not null)
                    await SendRestAsync(rest, CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _send.Release();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The connection is failing anyway; its reads or writes report it.
        }
    }

    // Under _lock: sends what OpenSSL queued, straight from its memory buffer, with non-blocking sends. Returns null when
    // all of it left; otherwise a copy of the rest (the buffer is emptied either way), for SendRestAsync.
    private unsafe byte[]? SendQueuedLocked()
    {
        byte* data;
        var length = LibSsl.BIO_ctrl(_writeBio, LibSsl.BioCtrlInfo, 0, (IntPtr)(&data));
        if (length <= 0)
            return null;
        var rest = SendNow(new ReadOnlySpan<byte>(data, checked((int)length)));
        LibSsl.BIO_ctrl(_writeBio, LibSsl.BioCtrlReset, 0, IntPtr.Zero);
        return rest;
    }

    // Sends with non-blocking sends; returns null when all of it left, otherwise a copy of the rest (for SendRestAsync).
    private byte[]? SendNow(ReadOnlySpan<byte> queued)
    {
        while (!queued.IsEmpty)
        {
            int n;
            SocketError error;
            try
            {
                n = _socket.Send(queued, SocketFlags.None, out error);
            }
            catch (ObjectDisposedException e)
            {
                throw new IOException("writing to the socket failed: it is closed", e);
            }
            if (error == SocketError.WouldBlock)
                return queued.ToArray();
            if (error != SocketError.Success)
                throw new IOException($"writing to the socket failed: {new SocketException((int)error).Message}", new SocketException((int)error));
            queued = queued[n..];
        }
        return null;
    }

    // Under _send: the rest of a write that found the socket full, sent by the runtime's engine (the socket joins its epoll set).
    private ValueTask SendRestAsync(byte[] rest, CancellationToken cancellationToken) => PolledSocketStream.SendAllAsync(_socket, rest, cancellationToken);

    // The handshake's flights, sent from the connection's thread: waits for room in poll.
    private void FlushWaiting(CancellationToken cancellationToken)
    {
        byte[]? rest;
        lock (_lock)
        {
            ThrowIfClosed();
            rest = SendQueuedLocked();
        }
        for (var at = 0; rest is not null && at < rest.Length;)
        {
            var n = _socket.Send(rest.AsSpan(at), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                PolledSocketStream.Wait(_socket, SelectMode.SelectWrite, cancellationToken);
                continue;
            }
            if (error != SocketError.Success)
                throw new IOException($"writing to the socket failed: {new SocketException((int)error).Message}");
            at += n;
        }
    }

    private void WaitReadable(CancellationToken cancellationToken) => PolledSocketStream.Wait(_socket, SelectMode.SelectRead, cancellationToken);

    // Hold … Release: keeps the descriptor from being closed (and its number reused) while OpenSSL reads or writes it.
    private void Hold()
    {
        var added = false;
        try
        {
            _socket.SafeHandle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException e)
        {
            throw new IOException("the socket is closed", e);
        }
        if (!added)
            throw new IOException("the socket is closed");
    }

    private void Release() => _socket.SafeHandle.DangerousRelease();

    private void ThrowIfClosed()
    {
        if (_ssl == IntPtr.Zero)
            throw new IOException("the TLS connection is closed");
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>A synchronous read: on any thread, it waits in <c>poll</c> (as a blocking read does).</summary>
    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
            return 0;
        while (true)
        {
            var (n, error) = TryRead(buffer);
            if (n > 0 || error == LibSsl.ErrorZeroReturn)
                return n;
            WaitReadable(CancellationToken.None);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_lock)
            {
                if (_ssl != IntPtr.Zero)
                {
                    Handshaking.TryRemove(_ssl, out _);
                    lock (_readLock)
                    {
                        _records?.Dispose();
                        _records = null;
                    }
                    lock (_writeLock)
                    {
                        _writer?.Dispose();
                        _writer = null;
                    }
                    LibSsl.SSL_free(_ssl); // frees both BIOs; the socket stays open until disposed below
                    _ssl = IntPtr.Zero;
                    _writeBio = IntPtr.Zero;
                }
            }
            if (Interlocked.Exchange(ref _peerSecret, null) is { } secret)
                CryptographicOperations.ZeroMemory(secret);
            if (Interlocked.Exchange(ref _ownSecret, null) is { } own)
                CryptographicOperations.ZeroMemory(own);
            _socket.Dispose(); // wakes a read waiting in poll
        }
        base.Dispose(disposing);
    }
}
