using System.Buffers.Binary;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text;

namespace IrohActors.Node.Transport.OpenSsl;

/// <summary>What <see cref="RecordReader"/> and <see cref="RecordWriter"/> share: a suite's algorithms, key schedule and nonces (RFC 8446 §5.3, §7).</summary>
internal static class RecordProtection
{
    public const int NonceSize = 12;

    /// <summary>The hash, its length, the key length and OpenSSL's AEAD of <paramref name="suite"/>.</summary>
    public static (HashAlgorithmName Hash, int HashLength, int KeyLength, IntPtr Cipher) Suite(TlsCipherSuite suite) => suite switch
    {
        TlsCipherSuite.TLS_AES_128_GCM_SHA256 => (HashAlgorithmName.SHA256, 32, 16, LibSsl.EVP_aes_128_gcm()),
        TlsCipherSuite.TLS_AES_256_GCM_SHA384 => (HashAlgorithmName.SHA384, 48, 32, LibSsl.EVP_aes_256_gcm()),
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256 => (HashAlgorithmName.SHA256, 32, 32, LibSsl.EVP_chacha20_poly1305()),
        _ => throw new ArgumentException($"no record protection for cipher suite {suite}", nameof(suite)),
    };

    /// <summary>Whether records of <paramref name="suite"/> can be protected here.</summary>
    public static bool Supports(TlsCipherSuite suite) =>
        suite is TlsCipherSuite.TLS_AES_128_GCM_SHA256 or TlsCipherSuite.TLS_AES_256_GCM_SHA384 or TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256;

    /// <summary>The bytes of a traffic secret of <paramref name="suite"/> (its hash's length), or 0 if unsupported.</summary>
    public static int SecretLength(TlsCipherSuite suite) => suite == TlsCipherSuite.TLS_AES_256_GCM_SHA384 ? 48 : Supports(suite) ? 32 : 0;

    /// <summary>A record's nonce: the IV with the sequence number (big-endian, left-padded) XORed in.</summary>
    public static void Nonce(ReadOnlySpan<byte> iv, ulong sequence, Span<byte> nonce)
    {
        iv.CopyTo(nonce);
        var tail = nonce[(NonceSize - 8)..];
        BinaryPrimitives.WriteUInt64BigEndian(tail, BinaryPrimitives.ReadUInt64BigEndian(tail) ^ sequence);
    }

    /// <summary>HKDF-Expand-Label(secret, label, "", length) of RFC 8446 §7.1.</summary>
    public static byte[] ExpandLabel(HashAlgorithmName hash, ReadOnlySpan<byte> secret, string label, int length)
    {
        var full = Encoding.ASCII.GetBytes("tls13 " + label);
        var info = new byte[2 + 1 + full.Length + 1];
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)length);
        info[2] = (byte)full.Length;
        full.CopyTo(info, 3);
        info[^1] = 0; // empty context
        var output = new byte[length];
        HKDF.Expand(hash, secret, output, info);
        return output;
    }

    /// <summary>
    /// Runs <paramref name="install"/> with the key derived from <paramref name="secret"/> and copies the derived IV to
    /// <paramref name="iv"/> (RFC 8446 §7.3); the key is wiped afterwards.
    /// </summary>
    public static void InstallKeys(HashAlgorithmName hash, ReadOnlySpan<byte> secret, int keyLength, Span<byte> iv, Action<byte[]> install)
    {
        var key = ExpandLabel(hash, secret, "key", keyLength);
        var derived = ExpandLabel(hash, secret, "iv", NonceSize);
        try
        {
            install(key);
            derived.CopyTo(iv);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    /// <summary>The secret after <paramref name="secret"/> (a KeyUpdate's "traffic upd"); the old one is wiped.</summary>
    public static byte[] NextSecret(HashAlgorithmName hash, byte[] secret)
    {
        var next = ExpandLabel(hash, secret, "traffic upd", secret.Length);
        CryptographicOperations.ZeroMemory(secret);
        return next;
    }
}
