using System.Buffers.Binary;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text;

namespace IrohActors.Node.Transport.OpenSsl;

/// <summary>
/// What <see cref="RecordReader"/> and <see cref="RecordWriter"/> share (RFC 8446 §5.3, §7): a suite's AEAD in an
/// OpenSSL cipher context, the traffic secret with the key and IV derived from it, the record sequence number and the
/// nonce built from it, and the move to the next secret on a KeyUpdate. Keys and secrets are wiped when replaced or disposed.
/// </summary>
internal abstract unsafe class RecordCipher : IDisposable
{
    public const int NonceSize = 12;
    protected const int HeaderSize = 5;
    protected const int TagSize = 16;

    private readonly bool _encrypt;
    private readonly bool _wide;
    private readonly HashAlgorithmName _hash;
    private readonly int _keyLength;
    private readonly IntPtr _cipher;
    private readonly byte[] _iv = new byte[NonceSize];
    private byte[] _secret;

    /// <summary>
    /// A context for <paramref name="suite"/> with keys from <paramref name="trafficSecret"/>, to encrypt or to decrypt;
    /// AES-128-GCM runs on <see cref="WideAesGcm"/> where the CPU has it, unless <paramref name="wide"/> is false.
    /// </summary>
    protected RecordCipher(TlsCipherSuite suite, ReadOnlySpan<byte> trafficSecret, bool encrypt, bool wide)
    {
        _wide = wide && suite == TlsCipherSuite.TLS_AES_128_GCM_SHA256 && WideAesGcm.IsSupported;
        (_hash, var hashLength, _keyLength) = Parameters(suite) ?? throw new ArgumentException($"no record protection for cipher suite {suite}", nameof(suite));
        _cipher = suite == TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256 ? LibSsl.EVP_chacha20_poly1305()
            : _keyLength == 16 ? LibSsl.EVP_aes_128_gcm() : LibSsl.EVP_aes_256_gcm();
        if (trafficSecret.Length != hashLength)
            throw new ArgumentException($"a {suite} traffic secret has {hashLength} bytes, not {trafficSecret.Length}", nameof(trafficSecret));
        _encrypt = encrypt;
        _secret = trafficSecret.ToArray();
        Context = LibSsl.EVP_CIPHER_CTX_new();
        if (Context == IntPtr.Zero)
            throw new CryptographicException($"OpenSSL could not create a cipher context: {LibSsl.TakeErrors()}");
        try
        {
            InstallKeys();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The OpenSSL cipher context (zero once disposed).</summary>
    protected IntPtr Context { get; private set; }

    /// <summary>Our AES-128-GCM with the current key, when it runs the records instead of the context.</summary>
    protected WideAesGcm? Wide { get; private set; }

    /// <summary>The next record's sequence number under the current key.</summary>
    protected ulong Sequence { get; set; }

    /// <summary>The bytes of a traffic secret of <paramref name="suite"/> (its hash's length), or 0 if unsupported.</summary>
    public static int SecretLength(TlsCipherSuite suite) => Parameters(suite)?.HashLength ?? 0;

    // A suite's hash, hash length and key length (the one list of the suites protected here); null for any other.
    private static (HashAlgorithmName Hash, int HashLength, int KeyLength)? Parameters(TlsCipherSuite suite) => suite switch
    {
        TlsCipherSuite.TLS_AES_128_GCM_SHA256 => (HashAlgorithmName.SHA256, 32, 16),
        TlsCipherSuite.TLS_AES_256_GCM_SHA384 => (HashAlgorithmName.SHA384, 48, 32),
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256 => (HashAlgorithmName.SHA256, 32, 32),
        _ => null,
    };

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

    /// <summary>The current record's nonce: the IV with the sequence number (big-endian, left-padded) XORed in.</summary>
    protected void Nonce(Span<byte> nonce)
    {
        _iv.CopyTo(nonce);
        var tail = nonce[(NonceSize - 8)..];
        BinaryPrimitives.WriteUInt64BigEndian(tail, BinaryPrimitives.ReadUInt64BigEndian(tail) ^ Sequence);
    }

    /// <summary>Moves to the next traffic secret (a KeyUpdate's "traffic upd") and its key and IV; the sequence starts again at 0.</summary>
    protected void NextKeys()
    {
        var next = ExpandLabel(_hash, _secret, "traffic upd", _secret.Length);
        CryptographicOperations.ZeroMemory(_secret);
        _secret = next;
        InstallKeys();
    }

    // Key and IV from the current traffic secret (RFC 8446 §7.3).
    private void InstallKeys()
    {
        var key = ExpandLabel(_hash, _secret, "key", _keyLength);
        var iv = ExpandLabel(_hash, _secret, "iv", NonceSize);
        try
        {
            if (_wide)
            {
                Wide?.Clear();
                Wide = new WideAesGcm(key);
            }
            else
            {
                fixed (byte* k = key)
                {
                    var ok = _encrypt
                    ? LibSsl.EVP_EncryptInit_ex(Context, _cipher, IntPtr.Zero, k, null)
                        : LibSsl.EVP_DecryptInit_ex(Context, _cipher, IntPtr.Zero, k, null);
                    if (ok != 1)
                        throw new CryptographicException($"OpenSSL could not set the record key: {LibSsl.TakeErrors()}");
                }
            }
            iv.CopyTo(_iv, 0);
            Sequence = 0;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(iv);
        }
    }

    public void Dispose()
    {
        if (Context != IntPtr.Zero)
        {
            LibSsl.EVP_CIPHER_CTX_free(Context);
            Context = IntPtr.Zero;
        }
        Wide?.Clear();
        CryptographicOperations.ZeroMemory(_secret);
        CryptographicOperations.ZeroMemory(_iv);
    }
}
