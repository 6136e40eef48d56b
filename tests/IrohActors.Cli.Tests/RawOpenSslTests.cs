using IrohActors.Cli.Commands;
using IrohActors.Node.Identity;
using IrohActors.Node.Transport;

namespace IrohActors.Cli.Tests;

/// <summary>The OpenSSL part of the benches' floors: it must move every byte, including a last partial write.</summary>
public sealed class RawOpenSslTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3 * 1024 * 1024 + 5)]
    public void MovesEveryByte(long bytes)
    {
        if (!OperatingSystem.IsLinux())
            return; // the floors use SslStream there (OpenSSL is called directly on Linux only)
        using var serverKey = SecretKey.Generate();
        using var clientKey = SecretKey.Generate();
        using var server = NodeCertificate.Create(serverKey);
        using var client = NodeCertificate.Create(clientKey);
        var payload = new byte[256 * 1024];
        Random.Shared.NextBytes(payload);

        // It checks what arrived against what was sent and throws otherwise.
        var (seconds, cpu) = BenchTlsCommand.RawOpenSsl(server, client, payload, bytes);

        Assert.True(seconds > 0 && cpu >= 0, $"{seconds} s, cpu {cpu} s");
    }
}
