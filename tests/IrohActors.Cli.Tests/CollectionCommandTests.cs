using System.Diagnostics;
using System.Net;
using System.Text;
using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Node.Identity;
using IrohActors.Node.NodeHost;
using IrohActors.Store;

namespace IrohActors.Cli.Tests;

/// <summary><c>collection count|get|ls TICKET</c> as a separate process against an in-process provider on 127.0.0.1.</summary>
public sealed class CollectionCommandTests : IAsyncLifetime
{
    private const int Links = 3000;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "remote-cli-" + Guid.NewGuid().ToString("N"));
    private readonly SecretKey _key = SecretKey.Generate();
    private IBlobStore _store = null!;
    private IrohNode _provider = null!;
    private CollectionReader _local = null!;
    private string _ticket = "";

    private static string Name(int i) => $"docs/{(i % 3 == 0 ? "a" : "b")}/page-{i:D5}.md";

    public async Task InitializeAsync()
    {
        using var builder = new CollectionBuilder();
        for (var i = 0; i < Links; i++)
            builder.Add(Name(i), Hasher.Hash(Encoding.UTF8.GetBytes(Name(i))));
        using var output = new MemoryStream();
        var info = await builder.WriteToAsync(output);
        _local = await CollectionReader.OpenAsync(new MemoryBlobReader(output.ToArray()));
        _store = BlobStores.InMemory();
        using (await _store.ImportBytesAsync(output.ToArray()))
        {
        }
        _provider = await IrohNode.StartAsync(new IrohNodeOptions { Key = _key, Store = _store, ListenAddress = new IPEndPoint(IPAddress.Loopback, 0) });
        _ticket = _provider.CreateTicket(info.Hash, BlobFormat.HashSeq).ToString();
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        await _store.DisposeAsync();
        _key.Dispose();
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "iroh-actors.dll"));
        foreach (var a in args.Concat(["--data-dir", _dir]))
            start.ArgumentList.Add(a);
        start.Environment.Remove(NodeDataDirectory.EnvironmentVariable);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "iroh-actors did not exit");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public async Task CountAndGetAnswerLikeTheLocalReader()
    {
        var count = Run("collection", "count", _ticket);
        Assert.True(count.Code == 0, count.Err);
        Assert.Equal(_local.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), count.Out.Trim());

        var name = Name(1234);
        var get = Run("collection", "get", _ticket, name, "--stats");
        Assert.True(get.Code == 0, get.Err);
        Assert.Equal((await _local.GetAsync(name))!.Value.ToHex(), get.Out.Trim());
        Assert.Contains("bytes received", get.Err);

        var absent = Run("collection", "get", _ticket, "docs/a/page-99999.md");
        Assert.Equal(1, absent.Code);
        Assert.Equal("", absent.Out);
        Assert.Contains("no link named \"docs/a/page-99999.md\"", absent.Err);
    }

    [Fact]
    public async Task LsListsAPrefixLazilyUpToTheLimit()
    {
        var expected = (await _local.PrefixAsync("docs/a/").Take(3).ToListAsync()).Select(l => $"{l.Hash.ToHex()}  {Encoding.UTF8.GetString(l.Name.Span)}");
        var ls = Run("collection", "ls", _ticket, "--prefix", "docs/a/", "--limit", "3");
        Assert.True(ls.Code == 0, ls.Err);
        Assert.Equal(expected, ls.Out.TrimEnd('\n').Split('\n'));

        // A CID with --from names the same collection.
        var cid = Cid.ForCollection(Node.Tickets.BlobTicket.Parse(_ticket).Hash).ToString();
        var all = Run("collection", "ls", cid, "--from", $"{_provider.NodeId}@{_provider.Address.DirectAddresses[0]}", "--prefix", "docs/b/page-0000");
        Assert.True(all.Code == 0, all.Err);
        var names = all.Out.TrimEnd('\n').Split('\n').Select(line => line[(line.IndexOf("  ", StringComparison.Ordinal) + 2)..]);
        Assert.Equal(Enumerable.Range(0, 10).Where(i => i % 3 != 0).Select(Name), names);
    }

    [Fact]
    public async Task WithKeepAWholeListingIsStoredAndLaterQueriesNeedNoProvider()
    {
        var ls = Run("collection", "ls", _ticket, "--keep");
        Assert.True(ls.Code == 0, ls.Err);
        Assert.Equal(Links, ls.Out.TrimEnd('\n').Split('\n').Length);
        await _provider.DisposeAsync();
        var name = Name(2999);
        var get = Run("collection", "get", _ticket, name, "--stats");
        Assert.True(get.Code == 0, get.Err);
        Assert.Equal((await _local.GetAsync(name))!.Value.ToHex(), get.Out.Trim());
        Assert.Contains("read from the local store", get.Err);
    }

    [Fact]
    public void AGarbageTicketIsAOneLineError()
    {
        var bad = Run("collection", "count", "blobnotaticket");
        Assert.Equal(1, bad.Code);
        Assert.StartsWith("collection count: ", bad.Err);
        Assert.Single(bad.Err.Trim().Split('\n'));
    }
}
