namespace IrohActors.Collections.Tests;

/// <summary>The directory walk of imports and directory collections (readdir's entry types on Linux) against .NET's own file-system view.</summary>
public sealed class TreeWalkerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tree-walker-").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    [Fact]
    public void Lists_every_file_with_its_relative_name_and_reports_links_without_following_them()
    {
        string[] names = ["a.txt", "empty", "dir/b.bin", "dir/sub/deeper/c.bin", "dir/sub/d.txt", "Grüße/ünïcödé €.txt", "zz/.hidden"];
        foreach (var name in names)
        {
            var path = Path.Combine(_root, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, name);
        }
        Directory.CreateDirectory(Path.Combine(_root, "empty-dir", "also-empty"));
        File.CreateSymbolicLink(Path.Combine(_root, "dir", "link-to-file"), Path.Combine(_root, "a.txt"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "link-to-dir"), Path.Combine(_root, "dir"));
        File.CreateSymbolicLink(Path.Combine(_root, "dangling"), Path.Combine(_root, "nothing-here"));

        var skipped = new List<string>();
        var files = TreeWalker.Walk(_root, skipped.Add, CancellationToken.None);

        // The reference: .NET's enumeration, which stats every entry.
        var expected = Directory.EnumerateFiles(_root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Select(p => (Path: p, Name: Path.GetRelativePath(_root, p).Replace(Path.DirectorySeparatorChar, '/')))
            .OrderBy(f => f.Name, StringComparer.Ordinal).ToArray();
        Assert.Equal(names.Order(StringComparer.Ordinal), expected.Select(e => e.Name));
        Assert.Equal(expected, files.OrderBy(f => f.Name, StringComparer.Ordinal));
        Assert.Equal(["dangling", "dir/link-to-file", "link-to-dir"], skipped.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_missing_root_names_it()
    {
        var missing = Path.Combine(_root, "gone");
        var e = Assert.Throws<DirectoryNotFoundException>(() => TreeWalker.Walk(missing, null, CancellationToken.None));
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public void A_cancelled_walk_stops()
    {
        Directory.CreateDirectory(Path.Combine(_root, "x"));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => TreeWalker.Walk(_root, null, cts.Token));
    }
}
