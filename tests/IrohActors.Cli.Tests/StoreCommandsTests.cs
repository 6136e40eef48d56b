using IrohActors.Blake3;
using IrohActors.Collections;

namespace IrohActors.Cli.Tests;

/// <summary>The store commands, run in-process through <see cref="Program.BuildRoot"/> on a temp data directory.</summary>
public sealed class StoreCommandsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"cli-store-{Guid.NewGuid():N}");

    public StoreCommandsTests() => Directory.CreateDirectory(_dir);

    private string DataDir => Path.Combine(_dir, "data");

    public void Dispose() => Directory.Delete(_dir, true);

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Program.BuildRoot().Parse([.. args, "--data-dir", DataDir]).Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private string NewFile(string name, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Add_ls_export_tag_gc_rm_round_trip()
    {
        var file = NewFile("a.bin", 200_000, 1);
        var expected = Hasher.Hash(File.ReadAllBytes(file)).ToHex();

        var add = Run("add", file, "--tag", "mine");
        Assert.Equal(0, add.Code);
        Assert.Equal($"{expected} 200000 {Cid.ForBlob(Hash.Parse(expected))}", add.Out.Trim());

        var other = NewFile("b.bin", 5000, 2);
        var addOther = Run("add", other, "--in-place");
        Assert.Equal(0, addOther.Code);
        var otherHash = addOther.Out.Split(' ')[0];

        var ls = Run("ls");
        Assert.Contains($"{expected} complete 200000", ls.Out);
        Assert.Contains($"{otherHash} complete 5000", ls.Out);

        var tags = Run("tag", "ls").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains($"mine {expected} raw", tags);
        var auto = Assert.Single(tags, t => t.StartsWith("auto-", StringComparison.Ordinal));
        Assert.EndsWith($"{otherHash} raw", auto);

        var target = Path.Combine(_dir, "out", "a.copy");
        Assert.Equal(0, Run("export", Cid.ForBlob(Hash.Parse(expected)).ToString(), target).Code);
        Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(target));
        var again = Run("export", expected, target);
        Assert.Equal(1, again.Code);
        Assert.Contains("already exists", again.Err);

        // GC keeps tagged blobs; removing the tag lets GC delete.
        Assert.Equal("deleted 0 blobs, kept 2", Run("gc").Out.Trim());
        Assert.Equal(0, Run("tag", "rm", auto.Split(' ')[0]).Code);
        Assert.Equal("deleted 1 blobs, kept 1", Run("gc").Out.Trim());
        Assert.DoesNotContain(otherHash, Run("ls").Out);

        Assert.Equal(0, Run("tag", "set", "second", expected).Code);
        Assert.Equal(0, Run("rm", expected).Code);
        Assert.Equal("", Run("ls").Out);
        var gone = Run("export", expected, Path.Combine(_dir, "gone"));
        Assert.Equal(1, gone.Code);
        Assert.Contains(expected, gone.Err);
    }

    [Fact]
    public void Bad_input_is_an_error_that_says_what()
    {
        var missing = Run("add", Path.Combine(_dir, "no-such-thing"));
        Assert.Equal(1, missing.Code);
        Assert.Contains("no-such-thing", missing.Err);
        var hash = Run("export", "xyz", Path.Combine(_dir, "x"));
        Assert.Equal(1, hash.Code);
        Assert.Contains("'xyz' is neither 64 hex digits nor a CID", hash.Err);
        var tag = Run("tag", "rm", "nope");
        Assert.Equal(1, tag.Code);
        Assert.Contains("no tag named 'nope'", tag.Err);
    }

    [Fact]
    public void A_data_directory_that_is_a_file_is_named_as_such_by_each_command()
    {
        File.WriteAllText(DataDir, "not a directory");
        foreach (var (args, name) in new[] { (new[] { "ls" }, "ls"), (["tag", "rm", "x"], "tag rm"), (["add", NewFile("a.bin", 10, 1)], "add") })
        {
            var result = Run(args);
            Assert.Equal(1, result.Code);
            Assert.Equal($"{name}: the data directory {DataDir} is a file, not a directory", result.Err.Trim());
        }
        Assert.Equal("not a directory", File.ReadAllText(DataDir));
    }

    [Fact]
    public void Adding_a_directory_reports_what_it_leaves_out_and_a_pipe_on_its_own_is_refused()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var tree = Path.Combine(_dir, "tree");
        Directory.CreateDirectory(Path.Combine(tree, "sub"));
        File.WriteAllText(Path.Combine(tree, "a.txt"), "a");
        File.CreateSymbolicLink(Path.Combine(tree, "link"), "a.txt");
        var pipe = Path.Combine(tree, "sub", "pipe");
        IrohActors.TestSupport.SpecialFiles.MakeNamedPipe(pipe);

        var add = Run("add", tree);
        Assert.True(add.Code == 0, add.Err);
        Assert.EndsWith(" 1 files", add.Out.Trim());
        Assert.Equal(["skipped named pipe: sub/pipe", "skipped symbolic link: link"],
            add.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

        var alone = Run("add", pipe, "--in-place");
        Assert.Equal(1, alone.Code);
        Assert.Contains($"{pipe} is not a regular file but a named pipe", alone.Err);
    }

    [Fact]
    public void Adding_a_directory_makes_a_collection_whose_files_gc_keeps_until_its_tag_goes()
    {
        var tree = Path.Combine(_dir, "tree");
        Directory.CreateDirectory(Path.Combine(tree, "sub", "deeper"));
        var files = new Dictionary<string, byte[]>
        {
            ["top.bin"] = new byte[70_000],
            ["sub/mid.txt"] = "hello world"u8.ToArray(),
            ["sub/deeper/empty"] = [],
        };
        new Random(5).NextBytes(files["top.bin"]);
        foreach (var (name, bytes) in files)
            File.WriteAllBytes(Path.Combine(tree, name), bytes);

        var add = Run("add", tree, "--tag", "tree");
        Assert.Equal(0, add.Code);
        var fields = add.Out.Trim().Split(' ');
        var root = Hash.Parse(fields[0]);
        Assert.Equal(files.Values.Sum(b => b.Length).ToString(System.Globalization.CultureInfo.InvariantCulture), fields[1]);
        Assert.Equal(Cid.ForCollection(root).ToString(), fields[2]);
        Assert.Equal("3 files", $"{fields[3]} {fields[4]}");
        Assert.Contains($"tree {root.ToHex()} hash-seq", Run("tag", "ls").Out);

        // The collection pins its children: GC (which must read it as a collection) keeps every file.
        Assert.Equal("deleted 0 blobs, kept 4", Run("gc").Out.Trim());
        foreach (var (name, bytes) in files)
        {
            var target = Path.Combine(_dir, "out", name.Replace('/', '_'));
            Assert.Equal(0, Run("export", Hasher.Hash(bytes).ToHex(), target).Code);
            Assert.Equal(bytes, File.ReadAllBytes(target));
        }
        Directory.Delete(tree, true); // copied, so the store does not depend on the source

        Assert.Equal(0, Run("tag", "rm", "tree").Code);
        Assert.Equal("deleted 4 blobs, kept 0", Run("gc").Out.Trim());

        // Tagging by collection CID pins the children without --hash-seq.
        Directory.CreateDirectory(tree);
        File.WriteAllBytes(Path.Combine(tree, "again"), files["top.bin"]);
        var again = Run("add", tree, "--tag", "t2").Out.Trim().Split(' ');
        Assert.Equal(0, Run("tag", "set", "by-cid", again[2]).Code);
        Assert.Equal(0, Run("tag", "rm", "t2").Code);
        Assert.Contains($"by-cid {again[0]} hash-seq", Run("tag", "ls").Out);
        Assert.Equal("deleted 0 blobs, kept 2", Run("gc").Out.Trim());
    }
}
