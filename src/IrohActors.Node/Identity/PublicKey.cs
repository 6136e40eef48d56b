using System.Security.Cryptography;

namespace IrohActors.Node.Identity;

/// <summary>A node's ECDSA P-256 public key; its <see cref="NodeId"/> is the compressed point.</summary>
public sealed class PublicKey : IEquatable<PublicKey>
{
    private readonly byte[] _x;
    private readonly byte[] _y;

    private PublicKey(NodeId id, byte[] x, byte[] y)
    {
        NodeId = id;
        _x = x;
        _y = y;
    }

    /// <summary>The node id this key proves.</summary>
    public NodeId NodeId { get; }

    /// <summary>Recovers the full key from a node id (point decompression).</summary>
    public static PublicKey FromNodeId(NodeId id)
    {
        if (id.IsDefault)
            throw new ArgumentException("default(NodeId) names no key", nameof(id));
        var compressed = id.ToByteArray();
        var y = P256.DecompressY(compressed);
        return new PublicKey(id, compressed[1..], y);
    }

    /// <summary>Takes the public half of a P-256 ECDSA key.</summary>
    /// <exception cref="CryptographicException">The key is not on P-256.</exception>
    public static PublicKey FromEcdsa(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var p = key.ExportParameters(includePrivateParameters: false);
        if (!IsP256(p.Curve))
            throw new CryptographicException($"key is on curve {p.Curve.Oid?.FriendlyName ?? p.Curve.Oid?.Value ?? "(explicit)"}, node keys must be P-256");
        var x = p.Q.X!;
        var y = p.Q.Y!;
        return new PublicKey(NodeId.FromValidPoint(x, y), x, y);
    }

    /// <summary>Verifies an IEEE P1363 (r‖s) ECDSA-SHA256 signature made by the matching secret key.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        using var ecdsa = CreateEcdsa();
        return ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256);
    }

    /// <summary>The DER SubjectPublicKeyInfo (uncompressed point), as carried in certificates.</summary>
    public byte[] ExportSubjectPublicKeyInfo()
    {
        using var ecdsa = CreateEcdsa();
        return ecdsa.ExportSubjectPublicKeyInfo();
    }

    /// <summary>A new ECDsa object holding this public key; the caller disposes it.</summary>
    internal ECDsa CreateEcdsa() => ECDsa.Create(new ECParameters
    {
        Curve = ECCurve.NamedCurves.nistP256,
        Q = new ECPoint { X = _x, Y = _y },
    });

    internal static bool IsP256(ECCurve curve) =>
        curve.IsNamed && (curve.Oid.Value == P256.Oid || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256" or "secp256r1" or "prime256v1");

    /// <inheritdoc/>
    public bool Equals(PublicKey? other) => other is not null && NodeId == other.NodeId;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as PublicKey);

    /// <inheritdoc/>
    public override int GetHashCode() => NodeId.GetHashCode();

    /// <summary>The node id text.</summary>
    public override string ToString() => NodeId.ToString();
}
