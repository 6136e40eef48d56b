using System.Text;
using IrohActors.Blake3;

namespace IrohActors.Collections.Tests;

public sealed class DirectoryLinksTests : IDisposable
{
    private readonly string _root = TestLinks.TempDir("tree");
    private readonly string _outside = TestLinks.TempDir("outside");

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    private void Write(string relative, string content)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    [Fact]
    public async Task NamesAreRelativeSlashPathsAndSymlinksAreSkipped()
    {
        Write("README", "top");
        Write("src/main.c", "int main(){}");
        Write("src/lib/util.c", "static int x;");
        Write("docs/ünïcode name.txt", "utf8");
        Directory.CreateDirectory(Path.Combine(_root, "empty"));
        File.WriteAllText(Path.Combine(_outside, "secret"), "outside");
        File.CreateSymbolicLink(Path.Combine(_root, "link-to-file"), Path.Combine(_outside, "secret"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "src", "link-to-dir"), _outside);

        var skipped = new List<string>();
        var links = new List<Link>();
        await foreach (var link in DirectoryLinks.EnumerateAsync(_root, s => skipped.Add(s.Name)))
            links.Add(link);

        var byName = links.ToDictionary(l => Encoding.UTF8.GetString(l.Name.Span), l => l.Hash);
        Assert.Equal(["README", "docs/ünïcode name.txt", "src/lib/util.c", "src/main.c"], byName.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Hasher.Hash("int main(){}"u8), byName["src/main.c"]);
        Assert.Equal(Hasher.Hash(Encoding.UTF8.GetBytes("utf8")), byName["docs/ünïcode name.txt"]);
        Assert.Equal(["link-to-file", "src/link-to-dir"], skipped.Order(StringComparer.Ordinal));

        var output = new MemoryStream();
        var info = await CollectionBuilder.BuildAsync(DirectoryLinks.EnumerateAsync(_root), output);
        Assert.Equal(4, info.Count);
        var reader = await TestLinks.OpenAsync(output.ToArray());
        Assert.Equal(2, (await TestLinks.ToListAsync(reader.PrefixAsync("src/"))).Count);
    }

    [Fact]
    public async Task HashesAgreeWithB3sumWhenInstalled()
    {
        string? b3sum = Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(p => Path.Combine(p, "b3sum")).FirstOrDefault(File.Exists);
        if (b3sum is null)
            return; // test.sh installs b3sum; the hash library has its own official vectors
        var rng = new Random(8);
        var data = new byte[200_000];
        rng.NextBytes(data);
        await File.WriteAllBytesAsync(Path.Combine(_root, "random.bin"), data);
        var psi = new System.Diagnostics.ProcessStartInfo(b3sum, [Path.Combine(_root, "random.bin")]) { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(psi)!;
        string expected = (await process.StandardOutput.ReadToEndAsync()).Split(' ')[0];
        await process.WaitForExitAsync();
        await foreach (var link in DirectoryLinks.EnumerateAsync(_root))
            Assert.Equal(expected, link.Hash.ToHex());
    }

    [Fact]
    public async Task MissingDirectoryIsAnError()
    {
        await Assert.ThrowsAsync<DirectoryNotFoundException>(async () =>
        {
            await foreach (var _ in DirectoryLinks.EnumerateAsync(Path.Combine(_root, "nope"))) { }
        });
    }
}
