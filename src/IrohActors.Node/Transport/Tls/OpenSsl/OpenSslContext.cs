using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IrohActors.Node.Transport.OpenSsl;

/// <summary>
/// An OpenSSL SSL_CTX presenting one node certificate, for both directions: TLS 1.3 only, TLS_AES_128_GCM_SHA256 first
/// (then AES-256-GCM and ChaCha20, as <see cref="TlsHandshake.CipherSuites"/>), a client certificate required, no
/// session tickets, read-ahead into a 64 KiB buffer, and our ALPN id. Chain validation is left out (node certificates
/// are self-signed): the connection checks the peer's certificate against its node id after the handshake, with the
/// same verifier SslStream's callback uses, and OpenSSL has already checked that the peer holds the certificate's key.
/// </summary>
internal sealed unsafe class OpenSslContext : SafeHandle
{
    /// <summary>
    /// Bytes OpenSSL reads from the socket at once (read-ahead): about four records per <c>recv</c>. Larger is slower
    /// here: the records are decrypted in this buffer and copied out of it, so it must stay in the core's cache (1 GiB
    /// took 1.88–2.04 s with 1 MiB, 1.45–1.70 s with 256 KiB, 1.40–1.72 s with 64 KiB; docs/transport.md §6.8).
    /// </summary>
    private const int ReadBufferBytes = 64 * 1024;

    /// <summary>The ALPN id as a protocol list: one length byte, then the id.</summary>
    internal static readonly byte[] AlpnList = [(byte)TlsHandshake.Alpn.Protocol.Length, .. TlsHandshake.Alpn.Protocol.Span];

    private OpenSslContext(IntPtr ctx)
        : base(IntPtr.Zero, ownsHandle: true) => SetHandle(ctx);

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Builds a context presenting <paramref name="certificate"/> (its private key must be exportable).</summary>
    public static OpenSslContext Create(NodeCertificate certificate)
    {
        var ctx = LibSsl.SSL_CTX_new(LibSsl.TLS_method());
        if (ctx == IntPtr.Zero)
            throw new CryptographicException($"OpenSSL could not create a TLS context: {LibSsl.TakeErrors()}");
        var context = new OpenSslContext(ctx);
        try
        {
            Check(LibSsl.SSL_CTX_ctrl(ctx, LibSsl.CtrlSetMinProtoVersion, LibSsl.Tls13Version, IntPtr.Zero) == 1, "set TLS 1.3 as the least version");
            Check(LibSsl.SSL_CTX_ctrl(ctx, LibSsl.CtrlSetMaxProtoVersion, LibSsl.Tls13Version, IntPtr.Zero) == 1, "set TLS 1.3 as the greatest version");
            fixed (byte* suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256\0"u8)
                Check(LibSsl.SSL_CTX_set_ciphersuites(ctx, suites) == 1, "set the cipher suites");
            var der = certificate.Certificate.RawData;
            fixed (byte* start = der)
            {
                var p = start;
                var x509 = LibSsl.d2i_X509(IntPtr.Zero, &p, der.Length);
                Check(x509 != IntPtr.Zero, "read the node certificate");
                try
                {
                    Check(LibSsl.SSL_CTX_use_certificate(ctx, x509) == 1, "use the node certificate");
                }
                finally
                {
                    LibSsl.X509_free(x509); // the context holds its own reference
                }
            }
            using (var key = certificate.Certificate.GetECDsaPrivateKey() ?? throw new CryptographicException("the node certificate has no ECDSA private key"))
            {
                var pkcs8 = key.ExportPkcs8PrivateKey();
                try
                {
                    fixed (byte* start = pkcs8)
                    {
                        var p = start;
                        var pkey = LibSsl.d2i_AutoPrivateKey(IntPtr.Zero, &p, pkcs8.Length);
                        Check(pkey != IntPtr.Zero, "read the node key");
                        try
                        {
                            Check(LibSsl.SSL_CTX_use_PrivateKey(ctx, pkey) == 1, "use the node key");
                        }
                        finally
                        {
                            LibSsl.EVP_PKEY_free(pkey);
                        }
                    }
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(pkcs8);
                }
            }
            Check(LibSsl.SSL_CTX_check_private_key(ctx) == 1, "match the node key to its certificate");
            LibSsl.SSL_CTX_set_verify(ctx, LibSsl.VerifyPeer | LibSsl.VerifyFailIfNoPeerCert, &AcceptAnyChain);
            LibSsl.SSL_CTX_set_alpn_select_cb(ctx, &SelectAlpn, IntPtr.Zero);
            // The peer's traffic secret, for reading its records after the handshake (OpenSslStream, RecordReader).
            LibSsl.SSL_CTX_set_keylog_callback(ctx, &KeyLog);
            Check(LibSsl.SSL_CTX_set_num_tickets(ctx, 0) == 1, "turn session tickets off");
            LibSsl.SSL_CTX_ctrl(ctx, LibSsl.CtrlSetReadAhead, 1, IntPtr.Zero);
            LibSsl.SSL_CTX_set_default_read_buffer_len(ctx, ReadBufferBytes);
            LibSsl.SSL_CTX_set_options(ctx, LibSsl.OpIgnoreUnexpectedEof);
            return context;
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    protected override bool ReleaseHandle()
    {
        LibSsl.SSL_CTX_free(handle);
        return true;
    }

    private static void Check(bool ok, string what)
    {
        if (!ok)
            throw new CryptographicException($"OpenSSL could not {what}: {LibSsl.TakeErrors()}");
    }

    // The chain of a self-signed node certificate never validates; the node id check after the handshake decides.
    [UnmanagedCallersOnly]
    private static int AcceptAnyChain(int preverified, IntPtr store) => 1;

    [UnmanagedCallersOnly]
    private static void KeyLog(IntPtr ssl, byte* line) => OpenSslStream.OnKeyLog(ssl, line);

    // The server's choice: our id if the client offers it; otherwise no ALPN, which the handshake's check then refuses.
    [UnmanagedCallersOnly]
    private static int SelectAlpn(IntPtr ssl, byte** selected, byte* selectedLength, byte* offered, uint offeredLength, IntPtr arg)
    {
        var list = new ReadOnlySpan<byte>(offered, (int)offeredLength);
        var ours = AlpnList.AsSpan(1);
        for (var at = 0; at < list.Length;)
        {
            int length = list[at];
            if (at + 1 + length > list.Length)
                break;
            if (list.Slice(at + 1, length).SequenceEqual(ours))
            {
                *selected = offered + at + 1;
                *selectedLength = (byte)length;
                return LibSsl.TlsExtErrOk;
            }
            at += 1 + length;
        }
        return LibSsl.TlsExtErrNoAck;
    }
}
