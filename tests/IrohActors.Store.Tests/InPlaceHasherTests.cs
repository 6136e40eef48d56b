using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Store.Backends;

namespace IrohActors.Store.Tests;

/// <summary>
/// The in-place hasher's own file access (<see cref="NativeFile"/> on Linux): what it records must be what .NET's
/// file APIs report later, because reads compare the two to detect edits of an in-place source.
/// </summary>
public sealed class InPlaceHasherTests : IDisposable
{
    private readonly string _dir = TestData.TempDir("inplace-hasher");

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Native_access_is_used_on_Linux()
    {
        Assert.Equal(OperatingSystem.IsLinux(), NativeFile.IsSupported);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1024)]
    [InlineData(16 * 1024)]
    [InlineData(16 * 1024 + 1)]
    [InlineData(300_000)]
    [InlineData(1 << 20)]
    [InlineData((1 << 20) + 1)]
    [InlineData(5 << 20)]
    public void Stage_records_what_FileInfo_reports_and_hashes_like_blake3(int size)
    {
        var data = TestData.Bytes(size, 40 + size % 7);
        var path = Path.Combine(_dir, $"f{size}.bin");
        File.WriteAllBytes(path, data);
        // A time with sub-second digits, so a conversion that drops or rounds the nanoseconds differs.
        File.SetLastWriteTimeUtc(path, new DateTime(2024, 2, 29, 13, 14, 15, DateTimeKind.Utc).AddTicks(1_234_567));

        var staged = InPlaceHasher.Stage(path, BlockSize.Default);

        var info = new FileInfo(path);
        Assert.Equal(info.Length, staged.Length);
        Assert.Equal(info.LastWriteTimeUtc.Ticks, staged.Mtime);
        Assert.Equal(path, staged.Path);
        Assert.NotNull(staged.Outboard);
        Assert.Equal(Hasher.Hash(data), staged.Outboard.Root);
        // The pairs are the bao layer's own outboard of the same bytes.
        Assert.Equal(PreOrderOutboard.Create(data).Data, staged.Outboard.Data);
    }

    [Fact]
    public void A_missing_file_is_FileNotFound_naming_it()
    {
        var path = Path.Combine(_dir, "absent", "nothing.bin");
        var e = Assert.Throws<FileNotFoundException>(() => InPlaceHasher.Stage(path, BlockSize.Default));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_directory_is_refused_naming_it()
    {
        var e = Assert.Throws<UnauthorizedAccessException>(() => InPlaceHasher.Stage(_dir, BlockSize.Default));
        Assert.Contains(_dir, e.Message);
    }

    [Fact]
    public void A_fifo_is_refused_without_blocking()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var path = Path.Combine(_dir, "pipe");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]))
            mkfifo.WaitForExit();
        // Opening a FIFO for reading blocks until a writer appears: keep one open meanwhile.
        using var writer = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var e = Assert.ThrowsAny<IOException>(() => InPlaceHasher.Stage(path, BlockSize.Default));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public async Task An_unreadable_file_fails_the_batch_with_its_name()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName == "root")
            return; // root reads everything
        var path = Path.Combine(_dir, "secret.bin");
        await File.WriteAllBytesAsync(path, TestData.Bytes(100, 1));
        File.SetUnixFileMode(path, UnixFileMode.None);
        await using var store = BlobStores.InMemory();
        var e = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => store.ImportFilesAsync([path], ImportMode.InPlace));
        Assert.Contains(path, e.Message);
    }
}
