using IrohActors.Collections;
using IrohActors.Node.Getter;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Blobs;

/// <summary><c>ReceiveAsync</c> with a file-system store: children go straight to the target directory, the store keeps outboards and references them.</summary>
public sealed class ReceiveIntoDirectoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("node-receive-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Dictionary<string, byte[]> WriteSource()
    {
        var files = new Dictionary<string, byte[]>
        {
            ["big.bin"] = TestNodes.RandomBytes(17 * 1024 * 1024 + 123, 1), // over SmallFilePlacer.MaxBytes: the store's placed writer
            ["dir/mid.bin"] = TestNodes.RandomBytes(100_000, 2),
            ["dir/sub/copy-of-mid.bin"] = TestNodes.RandomBytes(100_000, 2),
            ["dir/sub/small.txt"] = "small"u8.ToArray(),
            ["empty"] = [],
            ["zz/z.bin"] = TestNodes.RandomBytes(40_000, 3),
        };
        foreach (var (name, bytes) in files)
        {
            var path = Path.Combine(_dir, "src", name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }
        return files;
    }

    [Fact]
    public async Task EachFileIsWrittenOnceStraightIntoTheTargetAndTheStoreReferencesIt()
    {
        var files = WriteSource();
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var storeDir = Path.Combine(_dir, "store");
        var getter = await nodes.StartAsync(store: BlobStores.OpenFileSystem(storeDir));
        var (ticket, _) = await provider.ShareAsync(Path.Combine(_dir, "src"));
        var target = Path.Combine(_dir, "out");

        var (download, export) = await getter.ReceiveAsync(ticket, target).WaitAsync(TestNodes.Generous);

        Assert.Equal(files.Count, export.Files);
        foreach (var (name, bytes) in files)
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(target, name)));
        // Nothing else in the target: no temporary files, nothing outside the names.
        Assert.Equal(files.Keys.Select(n => Path.Combine(target, n)).Order(), Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Order());
        // No second copy: the store holds no data file for any child (only outboards), and the targets are not links into it.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(storeDir, "data"), "*.data"));
        foreach (var name in files.Keys)
            Assert.Equal(1, LinkCount(Path.Combine(target, name)));
        // The store serves each child from the file in place, verified.
        foreach (var (name, bytes) in files)
        {
            var hash = IrohActors.Blake3.Hasher.Hash(bytes);
            Assert.Equal(BlobState.Complete, (await getter.Store.StatusAsync(hash)).State);
            Assert.Equal(bytes, await TestNodes.ReadAllAsync(getter.Store, hash));
        }
        Assert.True(download.BytesReceived > 0);
    }

    [Fact]
    public async Task AnExistingFileInTheTargetRefusesTheReceiveBeforeAnythingIsWritten()
    {
        WriteSource();
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync(store: BlobStores.OpenFileSystem(Path.Combine(_dir, "store")));
        var (ticket, _) = await provider.ShareAsync(Path.Combine(_dir, "src"));
        var target = Path.Combine(_dir, "out");
        Directory.CreateDirectory(Path.Combine(target, "dir"));
        File.WriteAllText(Path.Combine(target, "dir", "mid.bin"), "mine");

        var e = await Assert.ThrowsAsync<CollectionExportException>(() => getter.ReceiveAsync(ticket, target).WaitAsync(TestNodes.Generous));

        Assert.Contains("already exists", e.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(target, "dir", "mid.bin")));
        Assert.Equal([Path.Combine(target, "dir", "mid.bin")], Directory.EnumerateFileSystemEntries(target, "*", SearchOption.AllDirectories).Where(File.Exists));
    }

    [Fact]
    public async Task AnInterruptedReceiveResumesAndLeavesNoTemporaryFiles()
    {
        var source = Path.Combine(_dir, "src");
        var files = new Dictionary<string, byte[]>();
        for (var i = 0; i < 6; i++)
            files[$"d{i % 2}/f{i}"] = TestNodes.RandomBytes(17 * 1024 * 1024, 10 + i); // over SmallFilePlacer.MaxBytes: the store's placed writer
        foreach (var (name, bytes) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(source, name))!);
            File.WriteAllBytes(Path.Combine(source, name), bytes);
        }
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync(store: BlobStores.OpenFileSystem(Path.Combine(_dir, "store")));
        var (ticket, _) = await provider.ShareAsync(source);
        var target = Path.Combine(_dir, "out");
        using var cancel = new CancellationTokenSource();
        var progress = new TransferTests.SyncProgress(p =>
        {
            if (p.BlobsDone >= 3 && p.BytesReceived > 60L * 1024 * 1024)
                cancel.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => getter.ReceiveAsync(ticket, target, progress, cancel.Token).WaitAsync(TestNodes.Generous));
        var placedBefore = Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.')).ToList();
        Assert.NotEmpty(placedBefore);
        Assert.True(placedBefore.Count < files.Count);

        var (download, export) = await getter.ReceiveAsync(ticket, target).WaitAsync(TestNodes.Generous);

        Assert.True(download.BytesReceived < files.Values.Sum(b => (long)b.Length), $"the resume received {download.BytesReceived} bytes");
        Assert.Equal(files.Count, export.Files);
        foreach (var (name, bytes) in files)
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(target, name)));
        Assert.Equal(files.Count, Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Count());
    }

    /// <summary>A tree of many small files (several commit batches, both writer threads busy), some identical, some empty, some over one chunk group.</summary>
    private Dictionary<string, byte[]> WriteManySmall(int count)
    {
        var files = new Dictionary<string, byte[]>();
        var random = new Random(7);
        for (var i = 0; i < count; i++)
        {
            var size = (i % 10) switch { 0 => 0, 1 => 40_000 + random.Next(60_000), _ => random.Next(9_000) };
            files[$"d{i % 23}/s{i / 100}/f{i:D5}.txt"] = i % 97 == 5 ? "same content"u8.ToArray() : TestNodes.RandomBytes(size, 1000 + i);
        }
        foreach (var (name, bytes) in files)
        {
            var path = Path.Combine(_dir, "src", name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }
        return files;
    }

    [Fact]
    public async Task ManySmallFilesArePlacedByTheWritersAndServedByTheStoreInPlace()
    {
        var files = WriteManySmall(2600);
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var storeDir = Path.Combine(_dir, "store");
        var getter = await nodes.StartAsync(store: BlobStores.OpenFileSystem(storeDir));
        var (ticket, _) = await provider.ShareAsync(Path.Combine(_dir, "src"));
        var target = Path.Combine(_dir, "out");

        var (_, export) = await getter.ReceiveAsync(ticket, target).WaitAsync(TestNodes.Generous);

        Assert.Equal(files.Count, export.Files);
        foreach (var (name, bytes) in files)
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(target, name)));
        // No journal, no temporary files: exactly the collection's files.
        Assert.Equal(files.Keys.Select(n => Path.Combine(target, n)).Order(), Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Order());
        // The only data file in the store is the collection's own (2600 links are too many to keep inline).
        Assert.All(Directory.EnumerateFiles(Path.Combine(storeDir, "data"), "*.data"), f => Assert.StartsWith(ticket.Hash.ToHex(), Path.GetFileName(f)));
        // Recorded without a second copy, served verified from the files in place (BLAKE3 of the source bytes).
        foreach (var (name, bytes) in files.Where((_, i) => i % 13 == 0))
        {
            var hash = IrohActors.Blake3.Hasher.Hash(bytes);
            Assert.Equal(BlobState.Complete, (await getter.Store.StatusAsync(hash)).State);
            Assert.Equal(bytes, await TestNodes.ReadAllAsync(getter.Store, hash));
        }
    }

    [Fact]
    public async Task AReceiveOfManySmallFilesCancelledMidwayResumesWithoutRefusingItsOwnFiles()
    {
        var files = WriteManySmall(2600);
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync(store: BlobStores.OpenFileSystem(Path.Combine(_dir, "store")));
        var (ticket, _) = await provider.ShareAsync(Path.Combine(_dir, "src"));
        var target = Path.Combine(_dir, "out");
        var total = files.Values.Sum(b => (long)b.Length);
        using var cancel = new CancellationTokenSource();
        var progress = new TransferTests.SyncProgress(p =>
        {
            if (p.BytesReceived > total / 3)
                cancel.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => getter.ReceiveAsync(ticket, target, progress, cancel.Token).WaitAsync(TestNodes.Generous));
        var placedBefore = Directory.EnumerateFiles(target, "*.txt", SearchOption.AllDirectories).Count();
        Assert.InRange(placedBefore, 1, files.Count - 1);

        var (download, export) = await getter.ReceiveAsync(ticket, target).WaitAsync(TestNodes.Generous);

        Assert.True(download.BytesReceived < total, $"the resume received {download.BytesReceived} of {total} bytes");
        Assert.Equal(files.Count, export.Files);
        foreach (var (name, bytes) in files)
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(target, name)));
        Assert.Equal(files.Count, Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Count());
    }

    [Fact]
    public async Task AFileACrashedReceiveLeftIncompleteIsReplacedOnlyBelowTheJournalMark()
    {
        // Children in collection (name) order: a.bin is child 0, b.bin child 1.
        var files = new Dictionary<string, byte[]> { ["a.bin"] = TestNodes.RandomBytes(3000, 1), ["b.bin"] = TestNodes.RandomBytes(5000, 2) };
        foreach (var (name, bytes) in files)
        {
            Directory.CreateDirectory(Path.Combine(_dir, "src"));
            File.WriteAllBytes(Path.Combine(_dir, "src", name), bytes);
        }
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync(store: BlobStores.OpenFileSystem(Path.Combine(_dir, "store")));
        var (ticket, _) = await provider.ShareAsync(Path.Combine(_dir, "src"));
        var target = Path.Combine(_dir, "out");
        Directory.CreateDirectory(target);
        // What a power cut leaves: the journal's mark (child 0 may have been created: 8 bytes, little-endian 1), a.bin
        // created but its bytes never synced (empty), and b.bin, which the journal does not cover.
        File.WriteAllBytes(Path.Combine(target, $".iroh-receive-{ticket.Hash.ToHex()}"), [1, 0, 0, 0, 0, 0, 0, 0]);
        File.WriteAllBytes(Path.Combine(target, "a.bin"), []);
        File.WriteAllText(Path.Combine(target, "b.bin"), "not ours");

        var refused = await Assert.ThrowsAsync<CollectionExportException>(() => getter.ReceiveAsync(ticket, target).WaitAsync(TestNodes.Generous));

        Assert.Contains("b.bin", refused.Message);
        Assert.Empty(File.ReadAllBytes(Path.Combine(target, "a.bin")));
        Assert.Equal("not ours", File.ReadAllText(Path.Combine(target, "b.bin")));

        File.Delete(Path.Combine(target, "b.bin"));
        await getter.ReceiveAsync(ticket, target).WaitAsync(TestNodes.Generous);

        foreach (var (name, bytes) in files)
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(target, name)));
        Assert.Equal(files.Keys.Select(n => Path.Combine(target, n)).Order(), Directory.EnumerateFiles(target).Order());
    }

    private static long LinkCount(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%h", path]) { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return long.Parse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
