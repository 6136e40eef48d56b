using IrohActors.Blake3;
using IrohActors.TestSupport;

namespace IrohActors.Store.Tests;

/// <summary>
/// Importing something that is not a regular file: a named pipe would make a plain open wait for a writer (for ever),
/// a device may never end, a socket cannot be opened. Each is refused at once with a reason that names it, in both
/// import modes and both stores, and what the store already held is untouched.
/// </summary>
public sealed class SpecialFileImportTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _dir = TestData.TempDir("special");

    public void Dispose() => Directory.Delete(_dir, true);

    public static TheoryData<string, bool, ImportMode> Cases()
    {
        var cases = new TheoryData<string, bool, ImportMode>();
        foreach (var kind in new[] { "named pipe", "socket" })
        {
            foreach (var fileSystem in new[] { true, false })
            {
                foreach (var mode in new[] { ImportMode.Copy, ImportMode.InPlace })
                    cases.Add(kind, fileSystem, mode);
            }
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_special_file_is_refused_at_once_with_what_it_is(string kind, bool fileSystem, ImportMode mode)
    {
        if (!OperatingSystem.IsLinux())
            return;
        var path = Path.Combine(_dir, "special");
        // A pipe with no writer (a plain open would wait for one); a socket, bound for as long as the test runs.
        using var socket = kind == "socket" ? SpecialFiles.MakeSocket(path) : null;
        if (kind == "named pipe")
            SpecialFiles.MakeNamedPipe(path);
        await using var store = Open(fileSystem);
        var kept = await KeepOneAsync(store);

        var error = await Assert.ThrowsAsync<IOException>(() => store.ImportFileAsync(path, mode).WaitAsync(Patience));

        Assert.Contains(path, error.Message);
        Assert.Contains(kind, error.Message);
        await AssertOnlyAsync(store, kept);
    }

    [Fact]
    public async Task A_pipe_among_regular_files_fails_the_batch_with_its_name()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var paths = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            paths.Add(Path.Combine(_dir, $"f{i}"));
            File.WriteAllBytes(paths[^1], TestData.Bytes(1000 + i, i));
        }
        var pipe = Path.Combine(_dir, "pipe");
        SpecialFiles.MakeNamedPipe(pipe);
        paths.Insert(2, pipe);
        await using var store = Open(fileSystem: true);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => store.ImportFilesAsync(paths, ImportMode.InPlace).WaitAsync(Patience));

        Assert.Contains($"{pipe} is not a regular file but a named pipe", error.ToString());
    }

    private IBlobStore Open(bool fileSystem) =>
        fileSystem ? BlobStores.OpenFileSystem(Path.Combine(_dir, "store")) : BlobStores.InMemory();

    // A blob stored before the failed import, which must still be there, whole, after it.
    private static async Task<Hash> KeepOneAsync(IBlobStore store)
    {
        using var result = await store.ImportBytesAsync(TestData.Bytes(70_000, 7));
        return result.Hash;
    }

    private static async Task AssertOnlyAsync(IBlobStore store, Hash kept)
    {
        var all = new List<BlobStatus>();
        await foreach (var status in store.ListAsync())
            all.Add(status);
        var only = Assert.Single(all);
        Assert.Equal(kept, only.Hash);
        Assert.Equal(BlobState.Complete, only.State);
        Assert.Equal(TestData.Bytes(70_000, 7), await TestData.ReadAllAsync(store, kept));
    }
}
