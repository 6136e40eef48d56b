using IrohActors.TestSupport;

namespace IrohActors.Collections.Tests;

/// <summary>The directory walk of imports and directory collections (readdir's entry types on Linux) against .NET's own file-system view.</summary>
public sealed class TreeWalkerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tree-walker-").FullName;

    // rm, not Directory.Delete: .NET cannot name the entries whose names are not UTF-8.
    public void Dispose() => Run($"rm -rf '{_root}'");

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
        var files = TreeWalker.Walk(_root, s =>
        {
            Assert.Equal(SkippedKind.SymbolicLink, s.Kind);
            skipped.Add(s.Name);
        }, CancellationToken.None);

        // The reference: .NET's enumeration, which stats every entry.
        var expected = Directory.EnumerateFiles(_root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Select(p => (Path: p, Name: Path.GetRelativePath(_root, p).Replace(Path.DirectorySeparatorChar, '/')))
            .OrderBy(f => f.Name, StringComparer.Ordinal).ToArray();
        Assert.Equal(names.Order(StringComparer.Ordinal), expected.Select(e => e.Name));
        Assert.Equal(expected, files.OrderBy(f => f.Name, StringComparer.Ordinal));
        Assert.Equal(["dangling", "dir/link-to-file", "link-to-dir"], skipped.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_wide_and_deep_tree_is_listed_whole_by_several_listers_and_links_are_reported_on_the_callers_thread()
    {
        // 10 × 10 × 3 directories (enough for helper listers), files at every level, a link in every leaf directory.
        var expected = new List<string>();
        var links = new List<string>();
        for (var a = 0; a < 10; a++)
        {
            for (var b = 0; b < 10; b++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var dir = $"a{a}/b{b}/c{c}";
                    Directory.CreateDirectory(Path.Combine(_root, dir));
                    for (var f = 0; f < 4; f++)
                        expected.Add($"{dir}/f{f}");
                    File.CreateSymbolicLink(Path.Combine(_root, dir, "link"), "f0");
                    links.Add($"{dir}/link");
                }
                expected.Add($"a{a}/b{b}/top");
            }
            expected.Add($"a{a}/top");
        }
        foreach (var name in expected)
            File.WriteAllText(Path.Combine(_root, name), name);

        var caller = Environment.CurrentManagedThreadId;
        var skipped = new List<string>();
        var files = TreeWalker.Walk(_root, entry =>
        {
            Assert.Equal(caller, Environment.CurrentManagedThreadId);
            skipped.Add(entry.Name);
        }, CancellationToken.None);

        Assert.Equal(expected.Order(StringComparer.Ordinal), files.Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.All(files, f => Assert.Equal(Path.Combine(_root, f.Name), f.Path));
        Assert.Equal(links.Order(StringComparer.Ordinal), skipped.Order(StringComparer.Ordinal));
        // Each directory's files are listed together.
        var directories = files.Select(f => Path.GetDirectoryName(f.Name)).ToList();
        var runs = directories.Where((d, i) => i == 0 || d != directories[i - 1]).ToList();
        Assert.Equal(runs.Count, runs.Distinct().Count());
    }

    [Fact]
    public async Task Pipes_sockets_devices_and_names_that_cannot_be_opened_or_received_are_reported_and_left_out_without_being_opened()
    {
        if (!OperatingSystem.IsLinux())
            return;
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        File.WriteAllText(Path.Combine(_root, "a.txt"), "a");
        File.WriteAllText(Path.Combine(_root, "sub", "b.txt"), "b");
        SpecialFiles.MakeNamedPipe(Path.Combine(_root, "sub", "pipe"));
        using var socket = SpecialFiles.MakeSocket(Path.Combine(_root, "sub", "sock"));
        SpecialFiles.MakeFileWithRawName(_root, [(byte)'c', (byte)'a', (byte)'f', 0xe9, (byte)'.', (byte)'t'], "latin-1"u8.ToArray());
        SpecialFiles.MakeDirectoryWithRawName(Path.Combine(_root, "sub"), [0xff, (byte)'d']);
        // Legal on Linux, refused by every receiver's export: a backslash, a newline, a directory with a tab.
        File.WriteAllText(Path.Combine(_root, "back\\slash"), "b");
        File.WriteAllText(Path.Combine(_root, "new\nline"), "n");
        Directory.CreateDirectory(Path.Combine(_root, "tab\tdir"));
        File.WriteAllText(Path.Combine(_root, "tab\tdir", "inside"), "i");
        // A character device (as root, which CI is; elsewhere the rest is still checked).
        var device = Path.Combine(_root, "zero");
        var hasDevice = RunExit($"mknod '{device}' c 1 5") == 0;

        var skipped = new List<SkippedEntry>();
        // A pipe opened for reading would wait for a writer: the walk must not open it, so it is bounded here.
        var files = await Task.Run(() => TreeWalker.Walk(_root, skipped.Add, CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["a.txt", "sub/b.txt"], files.Select(f => f.Name).Order(StringComparer.Ordinal));
        SkippedEntry[] expected =
        [
            new(@"back\x5cslash", SkippedKind.UnsafeName),
            new(@"caf\xe9.t", SkippedKind.NameNotUtf8),
            new(@"new\x0aline", SkippedKind.UnsafeName),
            new(@"sub/\xffd/", SkippedKind.NameNotUtf8),
            new("sub/pipe", SkippedKind.NamedPipe),
            new("sub/sock", SkippedKind.Socket),
            new(@"tab\x09dir/", SkippedKind.UnsafeName),
            .. hasDevice ? [new SkippedEntry("zero", SkippedKind.Device)] : Array.Empty<SkippedEntry>(),
        ];
        Assert.Equal(expected, skipped.OrderBy(s => s.Name, StringComparer.Ordinal));
        Assert.Equal("named pipe sub/pipe", new SkippedEntry("sub/pipe", SkippedKind.NamedPipe).ToString());
    }

    [Fact]
    public void Escaping_a_name_keeps_printable_utf8_and_shows_each_other_byte()
    {
        Assert.Equal("Grüße \"quoted\"", LinkName.Escape("Grüße \"quoted\""u8));
        Assert.Equal(@"ü\xc3x\xff\xfe€\x5c\x0a", LinkName.Escape([0xc3, 0xbc, 0xc3, (byte)'x', 0xff, 0xfe, 0xe2, 0x82, 0xac, (byte)'\\', (byte)'\n']));
        Assert.Equal("", LinkName.Escape([]));
        // Display is the same rendering, quoted (and a quote escaped).
        Assert.Equal(@"""a\x22b\x5c""", LinkName.Display("a\"b\\"u8));
    }

    [Fact]
    public void A_directory_that_cannot_be_listed_fails_the_walk_with_its_name_while_other_listers_run()
    {
        if (!OperatingSystem.IsLinux())
            return;
        // Many directories (helper listers start), one of them a chain of long names deeper than PATH_MAX (4096 bytes):
        // its deepest directory cannot be opened by its full path (ENAMETOOLONG).
        for (var i = 0; i < 40; i++)
        {
            Directory.CreateDirectory(Path.Combine(_root, $"d{i}", "sub"));
            File.WriteAllText(Path.Combine(_root, $"d{i}", "sub", "f"), "x");
        }
        var segment = new string('n', 250);
        Run($"cd '{_root}/d7' && for i in $(seq 1 18); do mkdir {segment} && cd {segment}; done");
        try
        {
            var e = Assert.ThrowsAny<IOException>(() => TreeWalker.Walk(_root, null, CancellationToken.None));
            Assert.Contains($"{_root}/d7/{segment}/", e.Message);
            Assert.Contains("too long", e.Message);
        }
        finally
        {
            // .NET's recursive delete goes by full paths too; rm works through the chain.
            Run($"rm -rf '{_root}/d7'");
        }
    }

    private static int RunExit(string script)
    {
        using var shell = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-c", script]) { RedirectStandardError = true });
        shell!.WaitForExit();
        return shell.ExitCode;
    }

    private static void Run(string script)
    {
        using var shell = System.Diagnostics.Process.Start("bash", ["-c", script]);
        shell.WaitForExit();
        Assert.Equal(0, shell.ExitCode);
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
