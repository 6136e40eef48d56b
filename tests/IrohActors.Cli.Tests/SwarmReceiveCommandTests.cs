using System.Diagnostics;
using System.Runtime.Versioning;
using IrohActors.Node.Identity;

namespace IrohActors.Cli.Tests;

/// <summary><c>receive T1 T2</c> and <c>get T1 --from T2</c>: the same content from two <c>send</c> processes at once.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class SwarmReceiveCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "swarm-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    private static byte[] SwarmBytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task TwoTicketsForTheSameFolderDownloadFromBothSenders()
    {
        var source = Path.Combine(_dir, "src");
        var files = new Dictionary<string, byte[]> { ["big.bin"] = SwarmBytes(6 << 20), ["small/x.txt"] = "x"u8.ToArray() };
        foreach (var (name, bytes) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(source, name))!);
            File.WriteAllBytes(Path.Combine(source, name), bytes);
        }
        using var first = Process.Start(SendReceiveCommandTests.Start("send", source, "--data-dir", Path.Combine(_dir, "a"), "--listen", "127.0.0.1:0", "--no-progress"))!;
        using var second = Process.Start(SendReceiveCommandTests.Start("send", source, "--data-dir", Path.Combine(_dir, "b"), "--listen", "127.0.0.1:0", "--no-progress"))!;
        try
        {
            var t1 = await first.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(3));
            var t2 = await second.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.NotNull(t1);
            Assert.NotNull(t2);
            Assert.NotEqual(t1, t2);

            var output = Path.Combine(_dir, "out");
            var received = SendReceiveCommandTests.Run("receive", t1, t2, "--out", output, "--data-dir", Path.Combine(_dir, "r"), "--no-progress");
            Assert.True(received.Code == 0, received.Err);
            foreach (var (name, bytes) in files)
                Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(output, name)));

            var got = SendReceiveCommandTests.Run("get", t1, "--from", t2, "--data-dir", Path.Combine(_dir, "g"), "--no-progress");
            Assert.True(got.Code == 0, got.Err);
            Assert.Matches("^[0-9a-f]{64}$", got.Out.Trim());
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            second.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
            await second.WaitForExitAsync();
        }
    }

    [Fact]
    public void TicketsForDifferentContentAreAOneLineError()
    {
        var key = SecretKey.Generate();
        var a = new Node.Tickets.BlobTicket(new Node.Transport.NodeAddr(key.NodeId, [new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1)]), Blake3.Hasher.Hash("a"u8), Store.BlobFormat.Raw);
        var b = new Node.Tickets.BlobTicket(a.Node, Blake3.Hasher.Hash("b"u8), Store.BlobFormat.Raw);
        key.Dispose();
        var result = SendReceiveCommandTests.Run("receive", a.ToString(), b.ToString(), "--out", Path.Combine(_dir, "o"), "--data-dir", Path.Combine(_dir, "d"), "--no-progress");
        Assert.NotEqual(0, result.Code);
        var lines = result.Err.Trim().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("receive: the tickets name different content", lines[0]);
    }
}
