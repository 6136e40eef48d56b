using IrohActors.Blake3;
using IrohActors.Cli.Commands;
using IrohActors.Node.Identity;
using IrohActors.Node.Transport;

namespace IrohActors.Cli.Tests;

/// <summary>
/// The minimal pipeline of <c>bench transfer</c>: it must move the whole file through TLS into a file on disk and check
/// what arrived against the blob's hash, so a figure it prints is a real transfer, not a partial or wrong one.
/// </summary>
public sealed class MinimalPipelineTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"minimal-pipeline-{Guid.NewGuid():N}");

    public MinimalPipelineTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    // Not a multiple of the 256 KiB unit or of the 4 KiB alignment: the direct writer's buffered tail is used.
    [InlineData(3 * 1024 * 1024 + 12345)]
    public void Moves_the_whole_file_and_checks_its_hash(int size)
    {
        var (file, hash) = WriteBlob(size);
        using var server = SecretKey.Generate();
        using var client = SecretKey.Generate();
        using var serverCertificate = NodeCertificate.Create(server);
        using var clientCertificate = NodeCertificate.Create(client);

        var (wall, cpu) = MinimalPipeline.Measure(file, hash, _root, serverCertificate, clientCertificate);

        Assert.True(wall > 0 && cpu >= 0, $"wall {wall}, cpu {cpu}");
        // The received copy is deleted afterwards: only the blob is left.
        Assert.Equal([file], Directory.GetFiles(_root));
    }

    [Fact]
    public void A_hash_that_is_not_the_files_fails_the_measurement()
    {
        var (file, _) = WriteBlob(300_000);
        var (_, other) = WriteBlob(300_001);
        using var server = SecretKey.Generate();
        using var client = SecretKey.Generate();
        using var serverCertificate = NodeCertificate.Create(server);
        using var clientCertificate = NodeCertificate.Create(client);

        var error = Assert.ThrowsAny<Exception>(() => MinimalPipeline.Measure(file, other, _root, serverCertificate, clientCertificate));

        Assert.Contains("minimal pipeline", error.ToString());
    }

    private (string File, Hash Hash) WriteBlob(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        var file = Path.Combine(_root, $"blob-{size}.bin");
        File.WriteAllBytes(file, bytes);
        return (file, Hasher.Hash(bytes));
    }
}
