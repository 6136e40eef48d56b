using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IrohActors.Node.Identity;
using IrohActors.Node.Transport;

namespace IrohActors.Node.Tests.Transport;

public class CertificateTests
{
    [Fact]
    public void OwnCertificateProvesTheNodeId()
    {
        using var key = SecretKey.Generate();
        using var certificate = NodeCertificate.Create(key);
        Assert.True(certificate.Certificate.HasPrivateKey);
        Assert.Equal(key.NodeId, PeerCertificateVerifier.Verify(certificate.Certificate, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void ACertificateCarryingAForeignKeyIsRefused()
    {
        // Signed by the attacker's key but carrying the victim's public key.
        using var victim = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var victimPublic = X509Certificates.PublicKeyFromEcdsa(victim);
        var request = new CertificateRequest(new X500DistinguishedName("CN=forged"), victimPublic, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        using var forged = request.Create(new X500DistinguishedName("CN=forged"), X509SignatureGenerator.CreateForECDsa(attacker),
            now.AddHours(-1), now.AddHours(1), [1, 2, 3, 4]);
        var e = Assert.Throws<PeerAuthenticationException>(() => PeerCertificateVerifier.Verify(forged, now));
        Assert.Contains("not signed by its own key", e.Message);
    }

    [Fact]
    public void ANonEcdsaCertificateIsRefused()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=rsa", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));
        var e = Assert.Throws<PeerAuthenticationException>(() => PeerCertificateVerifier.Verify(certificate, DateTimeOffset.UtcNow));
        Assert.Contains("not ECDSA P-256", e.Message);
    }

    [Fact]
    public void AnotherCurveIsRefused()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var request = new CertificateRequest("CN=p384", p384, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));
        var e = Assert.Throws<PeerAuthenticationException>(() => PeerCertificateVerifier.Verify(certificate, DateTimeOffset.UtcNow));
        Assert.Contains("P-256", e.Message);
    }

    [Fact]
    public void AnExpiredCertificateIsRefused()
    {
        using var key = SecretKey.Generate();
        using var certificate = NodeCertificate.Create(key, TimeSpan.FromHours(2));
        var later = DateTimeOffset.UtcNow.AddHours(3);
        var e = Assert.Throws<PeerAuthenticationException>(() => PeerCertificateVerifier.Verify(certificate.Certificate, later));
        Assert.Contains("expired", e.Message);
        Assert.Contains(key.NodeId.ToString(), e.Message);
    }

    private static class X509Certificates
    {
        public static System.Security.Cryptography.X509Certificates.PublicKey PublicKeyFromEcdsa(ECDsa key) =>
            System.Security.Cryptography.X509Certificates.PublicKey.CreateFromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
    }
}
