using System.Security.Cryptography;

namespace IrohActors.Node.Identity;

/// <summary>A node's ECDSA P-256 secret key: it signs TLS handshakes and so proves the node's <see cref="NodeId"/>.</summary>
public sealed class SecretKey : IDisposable
{
    private readonly ECDsa _key;

    private SecretKey(ECDsa key)
    {
        _key = key;
        PublicKey = PublicKey.FromEcdsa(key);
    }

    /// <summary>The public half.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>The node id this key proves.</summary>
    public NodeId NodeId => PublicKey.NodeId;

    /// <summary>The key as a BCL object, for certificate creation; owned by this instance.</summary>
    internal ECDsa Ecdsa => _key;

    /// <summary>Generates a new random key.</summary>
    public static SecretKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Reads a PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>) holding a P-256 key.</summary>
    /// <exception cref="CryptographicException">Not a PEM private key, or not on P-256.</exception>
    public static SecretKey FromPkcs8Pem(ReadOnlySpan<char> pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (!PublicKey.IsP256(key.ExportParameters(false).Curve))
                throw new CryptographicException("the key is not on curve P-256");
            return new SecretKey(key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The key as PKCS#8 PEM text.</summary>
    public string ExportPkcs8Pem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>Signs data with ECDSA-SHA256, IEEE P1363 (r‖s) format; <see cref="PublicKey.Verify"/> checks it.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) => _key.SignData(data, HashAlgorithmName.SHA256);

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();

    /// <summary>The node id (never the secret).</summary>
    public override string ToString() => $"SecretKey({NodeId})";
}
