using IrohActors.Blake3;

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
        Assert.Equal($"{expected} 200000", add.Out.Trim());

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
        Assert.Equal(0, Run("export", expected, target).Code);
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
        var dir = Run("add", _dir);
        Assert.Equal(1, dir.Code);
        Assert.Contains("directory", dir.Err);
        var hash = Run("export", "xyz", Path.Combine(_dir, "x"));
        Assert.Equal(1, hash.Code);
        Assert.Contains("'xyz' is not a 64-digit hex BLAKE3 hash", hash.Err);
        var tag = Run("tag", "rm", "nope");
        Assert.Equal(1, tag.Code);
        Assert.Contains("no tag named 'nope'", tag.Err);
    }
}
