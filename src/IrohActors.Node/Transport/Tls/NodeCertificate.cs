using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IrohActors.Node.Identity;

namespace IrohActors.Node.Transport;

/// <summary>
/// A short-lived self-signed X.509 certificate whose own key is the node key, made on the fly. It binds
/// the TLS handshake to the node id: the peer derives the id from the certificate's public key, and the
/// handshake's CertificateVerify proves we hold the matching secret key.
/// </summary>
public sealed class NodeCertificate : IDisposable
{
    /// <summary>Default validity; <see cref="NodeEndpoint"/> makes a new certificate well before it ends.</summary>
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(1);

    /// <summary>How far back NotBefore is set, to tolerate a peer whose clock is behind ours.</summary>
    public static readonly TimeSpan BackdatedBy = TimeSpan.FromHours(1);

    private SslStreamCertificateContext? _context;
    private OpenSsl.OpenSslContext? _openSsl;

    private NodeCertificate(X509Certificate2 certificate, NodeId nodeId)
    {
        Certificate = certificate;
        NodeId = nodeId;
    }

    /// <summary>The certificate, with its private key usable by SslStream.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The node id the certificate proves.</summary>
    public NodeId NodeId { get; }

    /// <summary>The end of validity.</summary>
    public DateTimeOffset NotAfter => new(Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);

    /// <summary>The context SslStream uses to present this certificate (no chain, offline).</summary>
    internal SslStreamCertificateContext Context =>
        _context ??= SslStreamCertificateContext.Create(Certificate, additionalCertificates: null, offline: true);

    /// <summary>Creates a certificate for <paramref name="key"/>, valid from one hour ago for <paramref name="validity"/>.</summary>
    public static NodeCertificate Create(SecretKey key, TimeSpan? validity = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var now = DateTimeOffset.UtcNow;
        var request = new CertificateRequest($"CN={key.NodeId}", key.Ecdsa, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using var ephemeral = request.CreateSelfSigned(now - BackdatedBy, now + (validity ?? DefaultValidity));
        // SslStream on Linux needs the key attached the way a PKCS#12 import attaches it.
        var pfx = ephemeral.Export(X509ContentType.Pkcs12);
        try
        {
            var usable = X509CertificateLoader.LoadPkcs12(pfx, password: null, X509KeyStorageFlags.Exportable);
            return new NodeCertificate(usable, key.NodeId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pfx);
        }
    }

    /// <inheritdoc/>
    /// <summary>The OpenSSL context presenting this certificate (<see cref="TlsProvider.OpenSsl"/>), built on first use.</summary>
    internal OpenSsl.OpenSslContext OpenSslContext
    {
        get
        {
            if (Volatile.Read(ref _openSsl) is { } existing)
                return existing;
            var created = OpenSsl.OpenSslContext.Create(this);
            var winner = Interlocked.CompareExchange(ref _openSsl, created, null);
            if (winner is null)
                return created;
            created.Dispose();
            return winner;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        // Sessions still open keep their own reference to the OpenSSL context.
        Interlocked.Exchange(ref _openSsl, null)?.Dispose();
        Certificate.Dispose();
    }
}
