using System.Runtime.InteropServices;

namespace IrohActors.Node.Transport.OpenSsl;

/// <summary>
/// The few functions of OpenSSL 3 (libssl.so.3, libcrypto.so.3: the libraries .NET's own SslStream uses on Linux) that
/// a TLS 1.3 connection over a socket needs. Only <see cref="OpenSslStream"/> and <see cref="OpenSslContext"/> call them.
/// </summary>
internal static unsafe partial class LibSsl
{
    private const string Ssl = "libssl.so.3";
    private const string Crypto = "libcrypto.so.3";

    public const int Tls13Version = 0x0304;
    public const int CtrlSetMinProtoVersion = 123;
    public const int CtrlSetMaxProtoVersion = 124;
    public const int CtrlSetReadAhead = 41;
    public const int VerifyPeer = 1;
    public const int VerifyFailIfNoPeerCert = 2;
    /// <summary>SSL_OP_IGNORE_UNEXPECTED_EOF: a peer that closes TCP without close_notify reads as an end of stream.</summary>
    public const ulong OpIgnoreUnexpectedEof = 1UL << 7;
    public const int ErrorNone = 0;
    public const int ErrorSsl = 1;
    public const int ErrorWantRead = 2;
    public const int ErrorWantWrite = 3;
    public const int ErrorSyscall = 5;
    public const int ErrorZeroReturn = 6;
    public const int BioCtrlReset = 1;
    public const int BioCtrlInfo = 3;
    public const int BioCtrlPending = 10;
    public const int TlsExtErrOk = 0;
    public const int TlsExtErrNoAck = 3;
    /// <summary>SSL_KEY_UPDATE_NOT_REQUESTED / SSL_KEY_UPDATE_REQUESTED.</summary>
    public const int KeyUpdateNotRequested = 0;
    public const int KeyUpdateRequested = 1;
    /// <summary>EVP_CTRL_AEAD_SET_TAG / EVP_CTRL_AEAD_GET_TAG (GCM and ChaCha20-Poly1305 alike).</summary>
    public const int CtrlAeadSetTag = 0x11;
    public const int CtrlAeadGetTag = 0x10;

    [LibraryImport(Ssl)]
    public static partial IntPtr TLS_method();

    [LibraryImport(Ssl)]
    public static partial IntPtr SSL_CTX_new(IntPtr method);

    [LibraryImport(Ssl)]
    public static partial void SSL_CTX_free(IntPtr ctx);

    [LibraryImport(Ssl)]
    public static partial long SSL_CTX_ctrl(IntPtr ctx, int cmd, long larg, IntPtr parg);

    [LibraryImport(Ssl)]
    public static partial int SSL_CTX_set_ciphersuites(IntPtr ctx, byte* suites);

    [LibraryImport(Ssl)]
    public static partial int SSL_CTX_use_certificate(IntPtr ctx, IntPtr x509);

    [LibraryImport(Ssl)]
    public static partial int SSL_CTX_use_PrivateKey(IntPtr ctx, IntPtr pkey);

    [LibraryImport(Ssl)]
    public static partial int SSL_CTX_check_private_key(IntPtr ctx);

    [LibraryImport(Ssl)]
    public static partial void SSL_CTX_set_verify(IntPtr ctx, int mode, delegate* unmanaged<int, IntPtr, int> callback);

    [LibraryImport(Ssl)]
    public static partial void SSL_CTX_set_alpn_select_cb(IntPtr ctx, delegate* unmanaged<IntPtr, byte**, byte*, byte*, uint, IntPtr, int> callback, IntPtr arg);

    [LibraryImport(Ssl)]
    public static partial int SSL_CTX_set_num_tickets(IntPtr ctx, nuint tickets);

    [LibraryImport(Ssl)]
    public static partial void SSL_CTX_set_default_read_buffer_len(IntPtr ctx, nuint length);

    [LibraryImport(Ssl)]
    public static partial ulong SSL_CTX_set_options(IntPtr ctx, ulong options);

    [LibraryImport(Ssl)]
    public static partial IntPtr SSL_new(IntPtr ctx);

    [LibraryImport(Ssl)]
    public static partial void SSL_free(IntPtr ssl);

    [LibraryImport(Ssl)]
    public static partial void SSL_set_bio(IntPtr ssl, IntPtr rbio, IntPtr wbio);

    [LibraryImport(Ssl)]
    public static partial int SSL_set_alpn_protos(IntPtr ssl, byte* protos, uint length);

    [LibraryImport(Ssl)]
    public static partial void SSL_set_connect_state(IntPtr ssl);

    [LibraryImport(Ssl)]
    public static partial void SSL_set_accept_state(IntPtr ssl);

    [LibraryImport(Ssl, SetLastError = true)]
    public static partial int SSL_do_handshake(IntPtr ssl);

    [LibraryImport(Ssl)]
    public static partial int SSL_get_error(IntPtr ssl, int ret);

    [LibraryImport(Ssl, SetLastError = true)]
    public static partial int SSL_read(IntPtr ssl, byte* buffer, int length);

    [LibraryImport(Ssl, SetLastError = true)]
    public static partial int SSL_write(IntPtr ssl, byte* buffer, int length);

    [LibraryImport(Ssl, SetLastError = true)]
    public static partial int SSL_shutdown(IntPtr ssl);

    [LibraryImport(Ssl)]
    public static partial IntPtr SSL_get1_peer_certificate(IntPtr ssl);

    [LibraryImport(Ssl)]
    public static partial void SSL_get0_alpn_selected(IntPtr ssl, byte** data, uint* length);

    [LibraryImport(Ssl)]
    public static partial IntPtr SSL_get_current_cipher(IntPtr ssl);

    [LibraryImport(Ssl)]
    public static partial ushort SSL_CIPHER_get_protocol_id(IntPtr cipher);

    [LibraryImport(Ssl)]
    public static partial long SSL_ctrl(IntPtr ssl, int cmd, long larg, IntPtr parg);

    [LibraryImport(Ssl)]
    public static partial int SSL_has_pending(IntPtr ssl);

    [LibraryImport(Ssl)]
    public static partial int SSL_key_update(IntPtr ssl, int updateType);

    [LibraryImport(Ssl)]
    public static partial void SSL_CTX_set_keylog_callback(IntPtr ctx, delegate* unmanaged<IntPtr, byte*, void> callback);

    [LibraryImport(Crypto)]
    public static partial IntPtr EVP_CIPHER_CTX_new();

    [LibraryImport(Crypto)]
    public static partial void EVP_CIPHER_CTX_free(IntPtr ctx);

    [LibraryImport(Crypto)]
    public static partial IntPtr EVP_aes_128_gcm();

    [LibraryImport(Crypto)]
    public static partial IntPtr EVP_aes_256_gcm();

    [LibraryImport(Crypto)]
    public static partial IntPtr EVP_chacha20_poly1305();

    [LibraryImport(Crypto)]
    public static partial int EVP_DecryptInit_ex(IntPtr ctx, IntPtr cipher, IntPtr engine, byte* key, byte* iv);

    [LibraryImport(Crypto)]
    public static partial int EVP_DecryptUpdate(IntPtr ctx, byte* output, int* outputLength, byte* input, int inputLength);

    [LibraryImport(Crypto)]
    public static partial int EVP_DecryptFinal_ex(IntPtr ctx, byte* output, int* outputLength);

    [LibraryImport(Crypto)]
    public static partial int EVP_EncryptInit_ex(IntPtr ctx, IntPtr cipher, IntPtr engine, byte* key, byte* iv);

    [LibraryImport(Crypto)]
    public static partial int EVP_EncryptUpdate(IntPtr ctx, byte* output, int* outputLength, byte* input, int inputLength);

    [LibraryImport(Crypto)]
    public static partial int EVP_EncryptFinal_ex(IntPtr ctx, byte* output, int* outputLength);

    [LibraryImport(Crypto)]
    public static partial int EVP_CIPHER_CTX_ctrl(IntPtr ctx, int type, int arg, byte* ptr);

    [LibraryImport(Crypto)]
    public static partial IntPtr BIO_new_socket(int fd, int closeFlag);

    [LibraryImport(Crypto)]
    public static partial IntPtr BIO_s_mem();

    [LibraryImport(Crypto)]
    public static partial IntPtr BIO_new(IntPtr method);

    [LibraryImport(Crypto)]
    public static partial long BIO_ctrl(IntPtr bio, int cmd, long larg, IntPtr parg);

    [LibraryImport(Crypto)]
    public static partial IntPtr d2i_X509(IntPtr reuse, byte** input, long length);

    [LibraryImport(Crypto)]
    public static partial int i2d_X509(IntPtr x509, byte** output);

    [LibraryImport(Crypto)]
    public static partial void X509_free(IntPtr x509);

    [LibraryImport(Crypto)]
    public static partial IntPtr d2i_AutoPrivateKey(IntPtr reuse, byte** input, long length);

    [LibraryImport(Crypto)]
    public static partial void EVP_PKEY_free(IntPtr pkey);

    [LibraryImport(Crypto)]
    public static partial ulong ERR_get_error();

    [LibraryImport(Crypto)]
    public static partial void ERR_error_string_n(ulong error, byte* buffer, nuint length);

    [LibraryImport(Crypto)]
    public static partial void ERR_clear_error();

    /// <summary>SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE: a server that requires a client certificate got none.</summary>
    public const int ReasonPeerDidNotReturnACertificate = 199;

    /// <summary>The reason part of a packed OpenSSL 3 error code (ERR_GET_REASON).</summary>
    public static int Reason(ulong error) => (int)(error & 0x7FFFFF);

    /// <summary>Takes this thread's OpenSSL errors, the first one as text ("" if there was none).</summary>
    public static string TakeErrors() => TakeErrors(out _);

    /// <summary>Takes this thread's OpenSSL errors: the first one as text ("" if there was none) and its code.</summary>
    public static string TakeErrors(out ulong code)
    {
        var first = code = ERR_get_error();
        if (first == 0)
            return "";
        var text = stackalloc byte[256];
        ERR_error_string_n(first, text, 256);
        ERR_clear_error();
        return Marshal.PtrToStringUTF8((IntPtr)text) ?? "";
    }

    private static readonly Lazy<bool> Available = new(() =>
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            return TLS_method() != IntPtr.Zero;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    });

    /// <summary>True where OpenSSL 3 can be loaded (Linux with libssl.so.3).</summary>
    public static bool IsAvailable => Available.Value;
}
