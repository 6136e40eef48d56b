using System.Text;
using IrohActors.Blake3;

namespace IrohActors.Collections.Tests;

/// <summary><see cref="ExportTarget"/> and the exporter's already-there hook, used by downloads that place files themselves.</summary>
public sealed class PlacedExportTests : IDisposable
{
    private readonly string _base = TestLinks.TempDir("placed");
    private readonly Dictionary<Hash, byte[]> _blobs = [];

    private string Target => Path.Combine(_base, "target");

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private Link Blob(string name, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var hash = Hasher.Hash(bytes);
        _blobs[hash] = bytes;
        return new Link(Encoding.UTF8.GetBytes(name), hash);
    }

    private ValueTask<Stream> Content(Hash hash, CancellationToken _) => ValueTask.FromResult<Stream>(new MemoryStream(_blobs[hash]));

    [Fact]
    public async Task FilesTheCallerPlacedAreNeitherRefusedNorWrittenAgain()
    {
        var placed = Blob("dir/placed.txt", "P");
        var other = Blob("dir/other.txt", "O");
        var reader = await TestLinks.OpenAsync(await TestLinks.BuildAsync([placed, other]));
        var target = await ExportTarget.PlanAsync(reader, Target);
        var path = target.PrepareFile(placed);
        Assert.Equal(Path.Combine(Target, "dir", "placed.txt"), path);
        File.WriteAllText(path, "P");
        var asked = new List<string>();

        var summary = await CollectionExporter.ExportAsync(reader, Target, Content, (link, p) =>
        {
            asked.Add(p);
            return link.Hash == placed.Hash && p == path;
        });

        Assert.Equal(2, summary.Files);
        Assert.Equal(1, summary.Bytes);
        Assert.Equal("O", File.ReadAllText(Path.Combine(Target, "dir", "other.txt")));
        Assert.Contains(path, asked);
        // Without the hook the placed file is an existing file: refused.
        await Assert.ThrowsAsync<CollectionExportException>(() => CollectionExporter.ExportAsync(reader, Path.Combine(_base, "target"), Content));
    }

    [Fact]
    public async Task PlanningRefusesAnExistingFileAndAHostileNameBeforeAnythingIsCreated()
    {
        var existing = Blob("keep", "new");
        Directory.CreateDirectory(Target);
        File.WriteAllText(Path.Combine(Target, "keep"), "mine");
        var reader = await TestLinks.OpenAsync(await TestLinks.BuildAsync([existing, Blob("sub/x", "x")]));
        var e = await Assert.ThrowsAsync<CollectionExportException>(() => ExportTarget.PlanAsync(reader, Target));
        Assert.Contains("already exists", e.Message);
        Assert.False(Directory.Exists(Path.Combine(Target, "sub")));

        var hostile = await TestLinks.OpenAsync(await TestLinks.BuildAsync([Blob("../escape", "e")]));
        await Assert.ThrowsAsync<CollectionExportException>(() => ExportTarget.PlanAsync(hostile, Path.Combine(_base, "t2")));
        Assert.False(File.Exists(Path.Combine(_base, "escape")));
        Assert.False(Directory.Exists(Path.Combine(_base, "t2")));
    }
}
