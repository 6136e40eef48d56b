using System.Diagnostics;
using System.Runtime.Versioning;
using IrohActors.Node.Identity;

namespace IrohActors.Cli.Tests;

/// <summary><c>iroh-actors node id</c>, run as a separate process like a user would.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class NodeCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "transport-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "iroh-actors.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var a in args)
            start.ArgumentList.Add(a);
        start.Environment.Remove(NodeDataDirectory.EnvironmentVariable);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "iroh-actors did not exit");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void NodeIdCreatesTheKeyOnceAndPrintsItsId()
    {
        var first = Run("node", "id", "--data-dir", _dir);
        Assert.Equal(0, first.Code);
        var printed = first.Out.Trim();
        var id = NodeId.Parse(printed);
        var keyPath = Path.Combine(_dir, KeyFile.FileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        using (var key = KeyFile.Load(keyPath))
            Assert.Equal(id, key.NodeId);

        var second = Run("node", "id", "--data-dir", _dir);
        Assert.Equal(0, second.Code);
        Assert.Equal(printed, second.Out.Trim());
    }

    [Fact]
    public void NodeIdRefusesAWorldReadableKeyWithAOneLineReason()
    {
        Assert.Equal(0, Run("node", "id", "--data-dir", _dir).Code);
        var keyPath = Path.Combine(_dir, KeyFile.FileName);
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var result = Run("node", "id", "--data-dir", _dir);
        Assert.NotEqual(0, result.Code);
        Assert.Equal("", result.Out);
        var lines = result.Err.Trim().Split('\n');
        Assert.Single(lines);
        Assert.Contains(keyPath, lines[0]);
        Assert.Contains("0604", lines[0]);
    }
}
