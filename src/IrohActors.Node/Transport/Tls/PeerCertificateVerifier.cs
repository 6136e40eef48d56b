using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IrohActors.Node.Identity;
using PublicKey = IrohActors.Node.Identity.PublicKey;

namespace IrohActors.Node.Transport;

/// <summary>
/// Checks a peer's certificate and derives the node id it proves: ECDSA P-256 key, signed by that same key
/// with ecdsa-with-SHA256 (so a certificate carrying a foreign key is refused), and within its validity.
/// Chain and host-name checks do not apply: trust comes from the node id, not from a CA.
/// </summary>
internal static class PeerCertificateVerifier
{
    /// <summary>Clock skew tolerated on NotBefore/NotAfter.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";

    /// <summary>Verifies the certificate and returns its node id.</summary>
    /// <exception cref="PeerAuthenticationException">Any check failed; the message says which.</exception>
    public static NodeId Verify(X509Certificate2 certificate, DateTimeOffset now)
    {
        using var key = certificate.GetECDsaPublicKey()
            ?? throw new PeerAuthenticationException($"peer certificate key is {certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value}, not ECDSA P-256");
        NodeId id;
        try
        {
            id = PublicKey.FromEcdsa(key).NodeId;
        }
        catch (CryptographicException e)
        {
            throw new PeerAuthenticationException("peer certificate: " + e.Message, e);
        }

        var (tbs, algorithm, signature) = Split(certificate.RawData, id);
        if (algorithm != EcdsaWithSha256)
            throw new PeerAuthenticationException($"peer certificate of node {id} is signed with algorithm {algorithm}, expected ecdsa-with-SHA256 ({EcdsaWithSha256})");
        if (!key.VerifyData(tbs.Span, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
            throw new PeerAuthenticationException($"peer certificate claiming node {id} is not signed by its own key");

        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        if (now + ClockSkew < notBefore)
            throw new PeerAuthenticationException($"peer certificate of node {id} is not valid before {notBefore:u} (now {now:u})");
        if (now - ClockSkew > notAfter)
            throw new PeerAuthenticationException($"peer certificate of node {id} expired at {notAfter:u} (now {now:u})");
        return id;
    }

    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
    private static (ReadOnlyMemory<byte> Tbs, string Algorithm, byte[] Signature) Split(byte[] der, NodeId id)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var certificate = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var tbs = certificate.ReadEncodedValue();
            var algorithm = certificate.ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            var signature = certificate.ReadBitString(out var unusedBits);
            certificate.ThrowIfNotEmpty();
            if (unusedBits != 0)
                throw new AsnContentException("signature BIT STRING has unused bits");
            return (tbs, oid, signature);
        }
        catch (AsnContentException e)
        {
            throw new PeerAuthenticationException($"peer certificate claiming node {id} is not valid DER: {e.Message}", e);
        }
    }
}
