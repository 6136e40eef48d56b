using System.Diagnostics;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Store;

namespace IrohActors.Store.Tests;

/// <summary>
/// Kills a child process (SIGKILL) at random points while it imports and writes partial blobs, then reopens the
/// store and checks it: it opens, every complete blob re-hashes to its hash, every recorded range verifies.
/// </summary>
public sealed class CrashSafetyTests : IDisposable
{
    private const int Kills = 50;
    private readonly string _dir = TestData.TempDir("crash");

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task Kill_minus_9_at_random_points_leaves_a_consistent_store()
    {
        var helper = Path.Combine(AppContext.BaseDirectory, "IrohActors.Store.CrashHelper.dll");
        Assert.True(File.Exists(helper), $"crash helper not built at {helper}");
        var storeDir = Path.Combine(_dir, "store");
        var random = new Random(5);
        var completeChecked = 0;
        var rangesChecked = 0;
        var resumed = 0;
        var reportedChecked = 0;
        for (var run = 0; run < Kills; run++)
        {
            var reported = new List<Hash>();
            var psi = new ProcessStartInfo("dotnet", [helper, storeDir, Path.Combine(_dir, "scratch"), run.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using (var child = Process.Start(psi)!)
            {
                var ready = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                if (ready != "ready")
                    Assert.Fail($"run {run}: helper said '{ready}': {await child.StandardError.ReadToEndAsync()}");
                await Task.Delay(random.Next(10, 400));
                if (child.HasExited)
                    Assert.Fail($"run {run}: helper exited early: {await child.StandardError.ReadToEndAsync()}");
                child.Kill(entireProcessTree: true); // SIGKILL on Unix
                await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                var output = await child.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
                foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    if (line.StartsWith("complete ", StringComparison.Ordinal))
                        reported.Add(Hash.Parse(line["complete ".Length..]));
            }

            await using var store = BlobStores.OpenFileSystem(storeDir);
            // No import is reported complete before it is durable: every one the helper announced is still there.
            foreach (var hash in reported)
                Assert.True((await store.StatusAsync(hash)).State == BlobState.Complete, $"run {run}: import {hash} was reported complete but is {(await store.StatusAsync(hash)).State} after the kill");
            reportedChecked += reported.Count;
            await foreach (var status in store.ListAsync())
            {
                switch (status.State)
                {
                    case BlobState.Complete:
                        var data = await TestData.ReadAllAsync(store, status.Hash);
                        Assert.True(Hasher.Hash(data) == status.Hash, $"run {run}: complete blob {status.Hash} re-hashes to {Hasher.Hash(data)}");
                        Assert.Equal(status.Size, (ulong)data.Length);
                        completeChecked++;
                        break;
                    case BlobState.Partial when !status.Ranges.IsEmpty:
                        // The reader verifies every parent and leaf of the recorded ranges against the hash.
                        using (var reader = await store.OpenReaderAsync(status.Hash, status.Ranges))
                            await reader.WriteToAsync(Stream.Null);
                        rangesChecked++;
                        resumed++;
                        break;
                    case BlobState.Partial:
                        break;
                    default:
                        Assert.Fail($"run {run}: blob {status.Hash} is {status.State} after a crash");
                        break;
                }
            }
        }
        Assert.True(completeChecked > 0, "no complete blob was ever checked");
        Assert.True(rangesChecked > 0, "no partial blob with recorded ranges was ever checked");
        Assert.True(resumed > 0);
        Assert.True(reportedChecked > 0, "no import was ever reported complete before a kill");
    }
}
