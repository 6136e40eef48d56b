using System.Diagnostics;
using System.Runtime.Versioning;
using IrohActors.Node.Identity;

namespace IrohActors.Cli.Tests;

/// <summary><c>send</c> and <c>receive</c> as two separate processes over 127.0.0.1.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class SendReceiveCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "node-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    internal static ProcessStartInfo Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "iroh-actors.dll"));
        foreach (var a in args)
            start.ArgumentList.Add(a);
        start.Environment.Remove(NodeDataDirectory.EnvironmentVariable);
        return start;
    }

    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var process = Process.Start(Start(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "iroh-actors did not exit");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public async Task ADirectoryGoesFromSendToReceiveAndIsNotOverwritten()
    {
        var source = Path.Combine(_dir, "src");
        var files = new Dictionary<string, byte[]>
        {
            ["top.bin"] = RandomBytes(700_000, 1),
            ["nested/deeper/x.txt"] = "x"u8.ToArray(),
            ["nested/empty"] = [],
        };
        foreach (var (name, bytes) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(source, name))!);
            File.WriteAllBytes(Path.Combine(source, name), bytes);
        }
        // A named pipe in the tree: reading it would wait for a writer for ever; send leaves it out and says so.
        IrohActors.TestSupport.SpecialFiles.MakeNamedPipe(Path.Combine(source, "nested", "pipe"));
        using var sender = Process.Start(Start("send", source, "--data-dir", Path.Combine(_dir, "send-data"), "--listen", "127.0.0.1:0", "--no-progress"))!;
        try
        {
            var ticket = await sender.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.NotNull(ticket);
            Assert.StartsWith("blob", ticket);
            // Printed with --no-progress too: it is a warning that content was left out.
            Assert.Equal("skipped named pipe: nested/pipe", await sender.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1)));
            // The running send owns its data directory: another command on it is refused, not run beside it.
            var busy = Run("ls", "--data-dir", Path.Combine(_dir, "send-data"));
            Assert.Equal(1, busy.Code);
            Assert.Contains("is in use by another process", busy.Err);

            var output = Path.Combine(_dir, "out");
            var received = Run("receive", ticket, "--out", output, "--data-dir", Path.Combine(_dir, "recv-data"), "--no-progress");
            Assert.True(received.Code == 0, received.Err);
            foreach (var (name, bytes) in files)
                Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(output, name)));
            // Written straight into the target: the receiver's store has outboards only, no second copy of the data.
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dir, "recv-data", "data"), "*.data"));
            Assert.Equal(files.Count, Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Count());

            // Run again: files that already hold their content count as received (that is how a resume finishes)...
            var rerun = Run("receive", ticket, "--out", output, "--data-dir", Path.Combine(_dir, "recv-data"), "--no-progress");
            Assert.True(rerun.Code == 0, rerun.Err);
            // ...but a file with other content is never overwritten.
            File.WriteAllText(Path.Combine(output, "nested/deeper/x.txt"), "edited");
            var again = Run("receive", ticket, "--out", output, "--data-dir", Path.Combine(_dir, "recv-data"), "--no-progress");
            Assert.Equal("edited", File.ReadAllText(Path.Combine(output, "nested/deeper/x.txt")));
            Assert.NotEqual(0, again.Code);
            Assert.Contains("already exists", again.Err);
            Assert.Single(again.Err.Trim().Split('\n'));
        }
        finally
        {
            sender.Kill(entireProcessTree: true);
            await sender.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task AReceiverKilledMidTransferResumesWhenRunAgain()
    {
        var source = Path.Combine(_dir, "src");
        Directory.CreateDirectory(source);
        var big = RandomBytes(96 * 1024 * 1024, 3);
        File.WriteAllBytes(Path.Combine(source, "big.bin"), big);
        using var sender = Process.Start(Start("send", source, "--data-dir", Path.Combine(_dir, "send-data"), "--listen", "127.0.0.1:0", "--no-progress"))!;
        try
        {
            var ticket = await sender.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.NotNull(ticket);
            var receiveData = Path.Combine(_dir, "recv-data");
            var output = Path.Combine(_dir, "out");
            using (var receiver = Process.Start(Start("receive", ticket, "--out", output, "--data-dir", receiveData, "--no-progress"))!)
            {
                // Kill it (SIGKILL) once the file is being written in place and some progress was made durable (the
                // getter checkpoints once a second); if it finished first, the rerun below still must succeed.
                var partial = Path.Combine(output, ".big.bin.iroh-partial");
                var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
                while (!receiver.HasExited && DateTime.UtcNow < deadline && !File.Exists(partial))
                    await Task.Delay(10);
                if (File.Exists(partial))
                    await Task.Delay(1500);
                if (!receiver.HasExited)
                    receiver.Kill(entireProcessTree: true);
                await receiver.WaitForExitAsync();
            }
            var again = Run("receive", ticket, "--out", output, "--data-dir", receiveData, "--no-progress");
            Assert.True(again.Code == 0, again.Err);
            Assert.Equal(big, File.ReadAllBytes(Path.Combine(output, "big.bin")));
            Assert.Equal([Path.Combine(output, "big.bin")], Directory.EnumerateFiles(output));
        }
        finally
        {
            sender.Kill(entireProcessTree: true);
            await sender.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task AFileChangedAfterSendImportedItIsReportedOnBothSides()
    {
        var source = Path.Combine(_dir, "src");
        Directory.CreateDirectory(source);
        var shared = Path.Combine(source, "shared.bin");
        File.WriteAllBytes(shared, RandomBytes(4 * 1024 * 1024, 5));
        using var sender = Process.Start(Start("send", source, "--data-dir", Path.Combine(_dir, "send-data"), "--listen", "127.0.0.1:0", "--no-progress"))!;
        try
        {
            var ticket = await sender.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.NotNull(ticket);
            // One byte in the middle changes behind send's back; size and modification time stay, so only the
            // provider's verification while it streams can find it.
            var mtime = File.GetLastWriteTimeUtc(shared);
            await using (var file = new FileStream(shared, FileMode.Open, FileAccess.ReadWrite))
            {
                file.Position = 3 * 1024 * 1024 + 5;
                var b = file.ReadByte();
                file.Position--;
                file.WriteByte((byte)(b ^ 1));
            }
            File.SetLastWriteTimeUtc(shared, mtime);

            var received = Run("receive", ticket, "--out", Path.Combine(_dir, "out"), "--data-dir", Path.Combine(_dir, "recv-data"), "--no-progress");

            Assert.Equal(1, received.Code);
            Assert.Contains("stopped while sending blob", received.Err);
            Assert.Contains("its own copy failed its verification", received.Err);
            Assert.False(File.Exists(Path.Combine(_dir, "out", "shared.bin")));
            // The provider says so too, with --no-progress: what it shares is no longer what it imported.
            var line = await sender.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));
            Assert.NotNull(line);
            Assert.Contains("failed: Internal: blob", line);
            Assert.Contains($"{shared}: chunk 3072", line);
        }
        finally
        {
            sender.Kill(entireProcessTree: true);
            await sender.WaitForExitAsync();
        }
    }

    [Fact]
    public void AnOutPathThatIsAFileIsRefusedBeforeAnythingIsFetched()
    {
        var file = Path.Combine(_dir, "not-a-dir");
        Directory.CreateDirectory(_dir);
        File.WriteAllText(file, "keep me");
        using var key = SecretKey.Generate();
        // Nobody listens there: the refusal must come before any connection attempt.
        var ticket = new IrohActors.Node.Tickets.BlobTicket(new IrohActors.Node.Transport.NodeAddr(key.NodeId, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9)),
            IrohActors.Blake3.Hasher.Hash("x"u8), IrohActors.Store.BlobFormat.HashSeq);

        var result = Run("receive", ticket.ToString(), "--out", file, "--data-dir", Path.Combine(_dir, "d"), "--no-progress");

        Assert.Equal(1, result.Code);
        Assert.Equal($"receive: --out {file} is a file, not a directory; nothing was fetched", result.Err.Trim());
        Assert.Equal("keep me", File.ReadAllText(file));
    }

    [Fact]
    public void AGarbageTicketIsAOneLineError()
    {
        var result = Run("receive", "blobnot-a-ticket", "--data-dir", Path.Combine(_dir, "d"), "--no-progress");
        Assert.NotEqual(0, result.Code);
        var lines = result.Err.Trim().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("receive: invalid ticket", lines[0]);
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
