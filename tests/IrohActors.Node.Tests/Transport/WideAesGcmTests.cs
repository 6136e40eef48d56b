using System.Security.Cryptography;
using IrohActors.Node.Transport.OpenSsl;

namespace IrohActors.Node.Tests.Transport;

/// <summary>Our AES-128-GCM (<see cref="WideAesGcm"/>) against .NET's (OpenSSL's), and the NIST test case.</summary>
public class WideAesGcmTests
{
    [Fact]
    public void MatchesTheNistTestCase()
    {
        if (!WideAesGcm.IsSupported)
            return;
        // GCM spec (McGrew & Viega) test case 4: AES-128, 60-byte plaintext, 20-byte AAD, 96-bit IV.
        var key = Convert.FromHexString("feffe9928665731c6d6a8f9467308308");
        var iv = Convert.FromHexString("cafebabefacedbaddecaf888");
        var plaintext = Convert.FromHexString("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
        var aad = Convert.FromHexString("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        var expected = Convert.FromHexString("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091");
        var expectedTag = Convert.FromHexString("5bc94fbc3221a5db94fae95ae7121a47");
        var gcm = new WideAesGcm(key);
        // Seal takes a trailer byte after the plaintext: the spec's last byte.
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[16];
        gcm.Seal(iv, aad, plaintext.AsSpan(0, plaintext.Length - 1), plaintext[^1], ciphertext, tag);
        Assert.Equal(expected, ciphertext);
        Assert.Equal(expectedTag, tag);
        var opened = new byte[ciphertext.Length];
        Assert.True(gcm.Open(iv, aad, ciphertext, tag, opened));
        Assert.Equal(plaintext, opened);
    }

    [Fact]
    public void AgreesWithOpenSslOnEveryLengthAndRefusesAnyFlippedBit()
    {
        if (!WideAesGcm.IsSupported)
            return;
        var random = new Random(5);
        int[] lengths = [0, 1, 15, 16, 17, 127, 128, 129, 255, 256, 257, 1000, 4095, 16383, 16384, 16400];
        foreach (var length in lengths.Concat(Enumerable.Range(0, 40).Select(_ => random.Next(0, 17000))))
        {
            var key = RandomNumberGenerator.GetBytes(16);
            var nonce = RandomNumberGenerator.GetBytes(12);
            var aad = RandomNumberGenerator.GetBytes(random.Next(0, 40));
            var message = RandomNumberGenerator.GetBytes(length + 1);
            using var reference = new AesGcm(key, 16);
            var expected = new byte[message.Length];
            var expectedTag = new byte[16];
            reference.Encrypt(nonce, message, expected, expectedTag, aad);
            var gcm = new WideAesGcm(key);
            var ciphertext = new byte[message.Length];
            var tag = new byte[16];
            gcm.Seal(nonce, aad, message.AsSpan(0, length), message[^1], ciphertext, tag);
            Assert.Equal(expected, ciphertext);
            Assert.Equal(expectedTag, tag);
            var opened = new byte[message.Length];
            Assert.True(gcm.Open(nonce, aad, ciphertext, tag, opened));
            Assert.Equal(message, opened);
            // Any flipped bit, in the ciphertext, the tag or the associated data, fails and writes nothing.
            var bit = random.Next(0, (ciphertext.Length + 16 + aad.Length) * 8);
            var badCiphertext = ciphertext.ToArray();
            var badTag = tag.ToArray();
            var badAad = aad.ToArray();
            if (bit < ciphertext.Length * 8)
                badCiphertext[bit / 8] ^= (byte)(1 << (bit % 8));
            else if (bit < (ciphertext.Length + 16) * 8)
                badTag[bit / 8 - ciphertext.Length] ^= (byte)(1 << (bit % 8));
            else
                badAad[bit / 8 - ciphertext.Length - 16] ^= (byte)(1 << (bit % 8));
            var untouched = new byte[message.Length];
            Assert.False(gcm.Open(nonce, badAad, badCiphertext, badTag, untouched));
            Assert.All(untouched, b => Assert.Equal(0, b));
        }
    }
}
