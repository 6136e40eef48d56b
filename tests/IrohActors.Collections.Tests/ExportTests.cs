using System.Text;
using IrohActors.Blake3;

namespace IrohActors.Collections.Tests;

/// <summary>Exporting hostile collections: every refusal names the link, and nothing is written or touched.</summary>
public sealed class ExportTests : IDisposable
{
    private readonly string _base = TestLinks.TempDir("export");
    private readonly Dictionary<Hash, byte[]> _blobs = [];

    private string Target => Path.Combine(_base, "target");

    private string Outside => Path.Combine(_base, "outside");

    public ExportTests()
    {
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "victim"), "original");
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private Link Blob(byte[] name, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var hash = Hasher.Hash(bytes);
        _blobs[hash] = bytes;
        return new Link(name, hash);
    }

    private Link Blob(string name, string content) => Blob(Encoding.UTF8.GetBytes(name), content);

    private ValueTask<Stream> Content(Hash hash, CancellationToken _) => ValueTask.FromResult<Stream>(new MemoryStream(_blobs[hash]));

    private async Task<ExportSummary> ExportAsync(IEnumerable<Link> links, bool overwrite = false)
    {
        var reader = await TestLinks.OpenAsync(await TestLinks.BuildAsync(links));
        return await CollectionExporter.ExportAsync(reader, Target, Content, overwrite);
    }

    private string[] AllEntries(string dir) =>
        Directory.Exists(dir) ? Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray() : [];

    [Fact]
    public async Task ExportsAWellFormedCollection()
    {
        var summary = await ExportAsync([Blob("a.txt", "A"), Blob("dir/sub/b.txt", "BB"), Blob("dir/c", ""), Blob("ünï", "u")]);
        Assert.Equal(new ExportSummary(4, 4), summary);
        Assert.Equal("BB", File.ReadAllText(Path.Combine(Target, "dir", "sub", "b.txt")));
        Assert.Equal("", File.ReadAllText(Path.Combine(Target, "dir", "c")));
        Assert.Equal("u", File.ReadAllText(Path.Combine(Target, "ünï")));
        Assert.DoesNotContain(AllEntries(Target), p => p.Contains(".partial", StringComparison.Ordinal));
    }

    public static TheoryData<byte[], string> HostileNames => new()
    {
        { "/etc/passwd"u8.ToArray(), "absolute" },
        { "../escape"u8.ToArray(), "'..'" },
        { "a/../../escape"u8.ToArray(), "'..'" },
        { "a/.."u8.ToArray(), "'..'" },
        { "./a"u8.ToArray(), "'.'" },
        { "a//b"u8.ToArray(), "empty path segment 2" },
        { "a/"u8.ToArray(), "empty path segment 2" },
        { ""u8.ToArray(), "empty" },
        { "a\\..\\b"u8.ToArray(), "backslash at offset 1" },
        { "a\0b"u8.ToArray(), "NUL byte at offset 1" },
        { "line\nbreak"u8.ToArray(), "control byte 0x0a at offset 4" },
        { "del\x7f"u8.ToArray(), "control byte 0x7f" },
        { new byte[] { 0x61, 0xff, 0x62 }, "not valid UTF-8" },
    };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task RefusesHostileNamesBeforeWritingAnything(byte[] hostile, string reason)
    {
        // "0-first" sorts before every hostile name, so a writer that did not check all names first would have
        // written it already.
        var e = await Assert.ThrowsAsync<CollectionExportException>(() => ExportAsync([Blob("0-first", "x"), Blob(hostile, "evil"), Blob("~last", "y")]));
        Assert.Contains(reason, e.Message);
        Assert.Equal(hostile, e.Name.ToArray());
        Assert.Empty(AllEntries(Target));
        Assert.False(Directory.Exists(Target));
        Assert.Equal(["victim"], Directory.GetFileSystemEntries(Outside).Select(Path.GetFileName));
    }

    [Fact]
    public async Task RefusesToWriteThroughAPlantedDirectorySymlink()
    {
        Directory.CreateDirectory(Target);
        Directory.CreateSymbolicLink(Path.Combine(Target, "docs"), Outside);
        var e = await Assert.ThrowsAsync<CollectionExportException>(() => ExportAsync([Blob("a", "ok"), Blob("docs/victim", "pwned"), Blob("docs/new", "pwned")]));
        Assert.Contains("symbolic link", e.Message);
        Assert.Contains("docs/", LinkNameOf(e));
        Assert.Equal("original", File.ReadAllText(Path.Combine(Outside, "victim")));
        Assert.Equal(["victim"], Directory.GetFileSystemEntries(Outside).Select(Path.GetFileName));
        Assert.False(File.Exists(Path.Combine(Target, "a")));
    }

    [Fact]
    public async Task RefusesToWriteThroughAPlantedFileSymlinkEvenWhenOverwriting()
    {
        Directory.CreateDirectory(Target);
        File.CreateSymbolicLink(Path.Combine(Target, "victim"), Path.Combine(Outside, "victim"));
        var e = await Assert.ThrowsAsync<CollectionExportException>(() => ExportAsync([Blob("victim", "pwned")], overwrite: true));
        Assert.Contains("symbolic link", e.Message);
        Assert.Equal("original", File.ReadAllText(Path.Combine(Outside, "victim")));
    }

    [Fact]
    public async Task RefusesDanglingSymlinks()
    {
        Directory.CreateDirectory(Target);
        File.CreateSymbolicLink(Path.Combine(Target, "new"), Path.Combine(Outside, "would-be-created"));
        await Assert.ThrowsAsync<CollectionExportException>(() => ExportAsync([Blob("new", "pwned")], overwrite: true));
        Assert.False(File.Exists(Path.Combine(Outside, "would-be-created")));
    }

    [Fact]
    public async Task ExistingFilesAreKeptUnlessOverwriteIsAsked()
    {
        Directory.CreateDirectory(Target);
        File.WriteAllText(Path.Combine(Target, "keep"), "mine");
        var e = await Assert.ThrowsAsync<CollectionExportException>(() => ExportAsync([Blob("aaa", "new"), Blob("keep", "theirs")]));
        Assert.Contains("already exists", e.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(Target, "keep")));
        Assert.False(File.Exists(Path.Combine(Target, "aaa")));

        await ExportAsync([Blob("aaa", "new"), Blob("keep", "theirs")], overwrite: true);
        Assert.Equal("theirs", File.ReadAllText(Path.Combine(Target, "keep")));
    }

    [Fact]
    public async Task RefusesFileDirectoryConflicts()
    {
        var e = await Assert.ThrowsAsync<CollectionExportException>(() => ExportAsync([Blob("a", "file"), Blob("a/b", "under a")]));
        Assert.Contains("\"a/b\"", e.Message);
        Assert.False(Directory.Exists(Target));

        Directory.CreateDirectory(Path.Combine(Target, "d"));
        e = await Assert.ThrowsAsync<CollectionExportException>(() => ExportAsync([Blob("d", "file over a dir")], overwrite: true));
        Assert.Contains("is a directory", e.Message);
    }

    [Fact]
    public async Task EverySiblingInADirectoryIsCheckedOnItsOwn()
    {
        // Siblings share their directory's checks, not their own: an existing file or a planted link among them is refused.
        Directory.CreateDirectory(Path.Combine(Target, "d", "e"));
        File.WriteAllText(Path.Combine(Target, "d", "e", "f3"), "mine");
        File.CreateSymbolicLink(Path.Combine(Target, "d", "e", "f5"), Path.Combine(Outside, "victim"));
        var siblings = Enumerable.Range(0, 7).Select(i => Blob($"d/e/f{i}", $"content {i}")).ToList();

        var e = await Assert.ThrowsAsync<CollectionExportException>(() => ExportAsync(siblings));
        Assert.Equal("d/e/f3", LinkNameOf(e));
        Assert.Contains("already exists", e.Message);
        e = await Assert.ThrowsAsync<CollectionExportException>(() => ExportAsync(siblings.Where(l => LinkNameOf(l) != "d/e/f3"), overwrite: true));
        Assert.Equal("d/e/f5", LinkNameOf(e));
        Assert.Contains("symbolic link", e.Message);

        Assert.Equal("mine", File.ReadAllText(Path.Combine(Target, "d", "e", "f3")));
        Assert.Equal("original", File.ReadAllText(Path.Combine(Outside, "victim")));
        Assert.Equal(["f3", "f5"], Directory.GetFileSystemEntries(Path.Combine(Target, "d", "e")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SiblingsOfANewDirectoryAllLandInIt()
    {
        var links = new List<Link>();
        for (var d = 0; d < 3; d++)
            for (var f = 0; f < 4; f++)
                links.Add(Blob($"top/d{d}/f{f}", $"{d}.{f}"));
        links.Add(Blob("top/z", "last"));

        var summary = await ExportAsync(links);

        Assert.Equal(13, summary.Files);
        for (var d = 0; d < 3; d++)
            for (var f = 0; f < 4; f++)
                Assert.Equal($"{d}.{f}", File.ReadAllText(Path.Combine(Target, "top", $"d{d}", $"f{f}")));
        Assert.Equal("last", File.ReadAllText(Path.Combine(Target, "top", "z")));
        Assert.Equal(17, AllEntries(Target).Length);
    }

    public static TheoryData<byte[], string> HostileSiblingNames => new()
    {
        { "a/.."u8.ToArray(), "'..' path segment 2" },
        { "a/."u8.ToArray(), "'.' path segment 2" },
        { "a/"u8.ToArray(), "empty path segment 2" },
        { "a/x\\y"u8.ToArray(), "backslash at offset 3" },
        { "a/x\0"u8.ToArray(), "NUL byte at offset 3" },
        { new byte[] { 0x61, 0x2f, 0x62, 0xff }, "not valid UTF-8" },
        { "/a"u8.ToArray(), "absolute path" },
    };

    [Theory]
    [MemberData(nameof(HostileSiblingNames))]
    public async Task TheExportPlanChecksANameWhoseDirectoryItJustWalked(byte[] hostile, string reason)
    {
        // "a/0-first" and "0-top" walk the directories "a" and the top, and sort before the hostile name.
        var e = await Assert.ThrowsAsync<CollectionExportException>(() => ExportAsync([Blob("0-top", "t"), Blob("a/0-first", "x"), Blob(hostile, "evil")]));
        Assert.Contains(reason, e.Message);
        Assert.Equal(hostile, e.Name.ToArray());
        Assert.False(Directory.Exists(Target));
    }

    [Theory]
    [MemberData(nameof(HostileSiblingNames))]
    public async Task PreparingAFileChecksItsNameEvenInADirectoryJustPrepared(byte[] hostile, string reason)
    {
        // A writer may ask for a path the plan never saw; the directory prepared for the sibling before it is no excuse.
        var reader = await TestLinks.OpenAsync(await TestLinks.BuildAsync([Blob("a/first", "1"), Blob("top", "2")]));
        var target = await ExportTarget.PlanAsync(reader, Target);
        Assert.Equal(Path.Combine(Target, "a", "first"), target.PrepareFile(Blob("a/first", "1")));
        Assert.Equal(Path.Combine(Target, "top"), target.PrepareFile(Blob("top", "2")));
        if (hostile[0] != '/')
            target.PrepareFile(Blob("a/first", "1"));

        var e = Assert.Throws<CollectionExportException>(() => target.PrepareFile(Blob(hostile, "evil")));

        Assert.Contains(reason, e.Message);
        Assert.Equal(["a"], Directory.GetFileSystemEntries(Target).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Target, "a")));
    }

    [Fact]
    public async Task PreparingAFileRefusesADirectoryReplacedByASymlinkAfterThePlan()
    {
        var reader = await TestLinks.OpenAsync(await TestLinks.BuildAsync([Blob("d/e/f", "1")]));
        var target = await ExportTarget.PlanAsync(reader, Target);
        Directory.CreateDirectory(Target);
        Directory.CreateSymbolicLink(Path.Combine(Target, "d"), Outside);

        var e = Assert.Throws<CollectionExportException>(() => target.PrepareFile(Blob("d/e/f", "1")));

        Assert.Contains("symbolic link", e.Message);
        Assert.Equal(["victim"], Directory.GetFileSystemEntries(Outside).Select(Path.GetFileName));
    }

    [Fact]
    public async Task PreparingFilesCreatesEachNewDirectoryOnce()
    {
        var links = new[] { Blob("n/a/b/1", "1"), Blob("n/a/b/2", "2"), Blob("n/a/c/3", "3"), Blob("n/d", "4") };
        var reader = await TestLinks.OpenAsync(await TestLinks.BuildAsync(links));
        var target = await ExportTarget.PlanAsync(reader, Target);

        var paths = links.Select(target.PrepareFile).ToArray();

        Assert.Equal(["n/a/b/1", "n/a/b/2", "n/a/c/3", "n/d"], paths.Select(p => Path.GetRelativePath(Target, p).Replace(Path.DirectorySeparatorChar, '/')));
        Assert.Equal(["n", "n/a", "n/a/b", "n/a/c"], AllEntries(Target).Select(p => Path.GetRelativePath(Target, p).Replace(Path.DirectorySeparatorChar, '/')).Order(StringComparer.Ordinal));
        Assert.All(AllEntries(Target), p => Assert.True(Directory.Exists(p) && new DirectoryInfo(p).LinkTarget is null));
    }

    [Fact]
    public async Task ContentThatDoesNotMatchItsHashIsRefused()
    {
        var link = Blob("f", "real");
        _blobs[link.Hash] = "forged"u8.ToArray();
        var e = await Assert.ThrowsAsync<CollectionExportException>(() => ExportAsync([link]));
        Assert.Contains("BLAKE3", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Target));
    }

    private static string LinkNameOf(CollectionExportException e) => Encoding.UTF8.GetString(e.Name.Span);

    private static string LinkNameOf(Link link) => Encoding.UTF8.GetString(link.Name.Span);
}
