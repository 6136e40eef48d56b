using System.Net;
using System.Net.Security;
using System.Runtime.Versioning;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IrohActors.Node.Identity;

namespace IrohActors.Node.Transport;

/// <summary>
/// Runs the TLS 1.3 handshake with mutual node-certificate authentication. The validation callback is set
/// only in the authentication options (setting it in the SslStream constructor too throws); it records
/// the peer's node id, or the reason it was refused, so the caller can raise a precise exception.
/// </summary>
internal static class TlsHandshake
{
    /// <summary>The ALPN protocol id of this transport.</summary>
    public static readonly SslApplicationProtocol Alpn = new("iroh-actors/0");

    [UnsupportedOSPlatform("windows")]
    private static readonly Lazy<CipherSuitesPolicy?> Suites = new(CreatePolicy);

    /// <summary>The cipher suite policy: TLS_AES_128_GCM_SHA256 first (fastest here); null where the platform has no policy support.</summary>
    public static CipherSuitesPolicy? CipherSuites => OperatingSystem.IsWindows() ? null : Suites.Value;

    /// <summary>Dials: authenticates the server and checks it proves <paramref name="expected"/>.</summary>
    public static async Task<SslStream> AsClientAsync(Stream transport, NodeCertificate certificate, NodeId expected, IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var verdict = new Verdict();
        var tls = new SslStream(transport, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = string.Empty, // no SNI: the node id is checked from the certificate, not a host name
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [Alpn],
            ClientCertificateContext = certificate.Context,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CipherSuitesPolicy = CipherSuites,
            RemoteCertificateValidationCallback = (_, cert, _, errors) => verdict.Check(cert, errors, expected, endPoint),
        };
        await AuthenticateAsync(tls, tls.AuthenticateAsClientAsync(options, cancellationToken), verdict, $"{endPoint}").ConfigureAwait(false);
        return Finish(tls, verdict, endPoint);
    }

    /// <summary>Accepts: requires a client certificate and learns the dialer's node id from it.</summary>
    public static async Task<(SslStream Tls, NodeId Remote)> AsServerAsync(Stream transport, NodeCertificate certificate, IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var verdict = new Verdict();
        var tls = new SslStream(transport, leaveInnerStreamOpen: false);
        var options = new SslServerAuthenticationOptions
        {
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [Alpn],
            ServerCertificateContext = certificate.Context,
            ClientCertificateRequired = true,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CipherSuitesPolicy = CipherSuites,
            RemoteCertificateValidationCallback = (_, cert, _, errors) => verdict.Check(cert, errors, expected: null, endPoint),
        };
        await AuthenticateAsync(tls, tls.AuthenticateAsServerAsync(options, cancellationToken), verdict, $"dialer {endPoint}").ConfigureAwait(false);
        var finished = Finish(tls, verdict, endPoint);
        return (finished, verdict.Remote!.Value);
    }

    /// <summary>Awaits the handshake; on failure disposes the stream and prefers the callback's precise reason.</summary>
    private static async Task AuthenticateAsync(SslStream tls, Task handshake, Verdict verdict, string peer)
    {
        try
        {
            await handshake.ConfigureAwait(false);
        }
        catch (AuthenticationException e)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw verdict.Failure ?? new PeerAuthenticationException($"TLS handshake with {peer} failed: {e.Message}", e);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static SslStream Finish(SslStream tls, Verdict verdict, IPEndPoint endPoint)
    {
        if (verdict.Failure != null || verdict.Remote is null)
        {
            tls.Dispose();
            throw verdict.Failure ?? new PeerAuthenticationException($"peer at {endPoint} presented no certificate");
        }
        if (tls.NegotiatedApplicationProtocol != Alpn)
        {
            tls.Dispose();
            throw new PeerAuthenticationException($"peer at {endPoint} did not agree to ALPN protocol {Alpn}");
        }
        return tls;
    }

    [UnsupportedOSPlatform("windows")]
    private static CipherSuitesPolicy? CreatePolicy()
    {
        try
        {
            return new CipherSuitesPolicy([
                TlsCipherSuite.TLS_AES_128_GCM_SHA256,
                TlsCipherSuite.TLS_AES_256_GCM_SHA384,
                TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
            ]);
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>What the validation callback (or, for <see cref="OpenSsl.OpenSslStream"/>, the check after the handshake) concluded.</summary>
    internal sealed class Verdict
    {
        public NodeId? Remote { get; private set; }

        public PeerAuthenticationException? Failure { get; private set; }

        public bool Check(X509Certificate? certificate, SslPolicyErrors errors, NodeId? expected, IPEndPoint endPoint)
        {
            // Chain and name errors are expected for self-signed node certificates; trust comes from the node id.
            if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            {
                Failure = new PeerAuthenticationException($"peer at {endPoint} presented no certificate; node certificates are required on both sides");
                return false;
            }
            try
            {
                using var owned = certificate as X509Certificate2 is null ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
                var id = PeerCertificateVerifier.Verify(owned ?? (X509Certificate2)certificate, DateTimeOffset.UtcNow);
                if (expected is { } want && want != id)
                {
                    Failure = new PeerIdentityMismatchException(want, id, endPoint);
                    return false;
                }
                Remote = id;
                return true;
            }
            catch (PeerAuthenticationException e)
            {
                Failure = new PeerAuthenticationException($"peer at {endPoint}: {e.Message}", e);
                return false;
            }
        }
    }
}
