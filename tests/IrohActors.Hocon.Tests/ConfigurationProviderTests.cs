using Microsoft.Extensions.Configuration;

namespace IrohActors.Hocon.Tests;

/// <summary>HOCON as a Microsoft.Extensions.Configuration source, composed with env vars and the command line.</summary>
public sealed class ConfigurationProviderTests
{
    private const string NodeConf = """
        node {
          name = "node-1"
          port = 4000
          verify {
            parallelism = 8
            timeout = 30 s
          }
          chunk-size = 16 KiB
          peers = [ "10.0.0.1:4000", "10.0.0.2:4000" ]
          peers += "10.0.0.3:4000"
          empty = []
          nothing = null
        }
        """;

    private sealed class NodeOptions
    {
        public string Name { get; set; } = "";
        public int Port { get; set; }
        public VerifyOptions Verify { get; set; } = new();
        [ConfigurationKeyName("chunk-size")] // HOCON keys use dashes; the binder matches names literally
        public string ChunkSize { get; set; } = "";
        public List<string> Peers { get; set; } = [];
    }

    private sealed class VerifyOptions
    {
        public int Parallelism { get; set; }
        public TimeSpan Timeout { get; set; }
    }

    [Fact]
    public void FlattensToColonKeysWithArrayIndices()
    {
        var config = new ConfigurationBuilder().AddHoconString(NodeConf).Build();
        Assert.Equal("node-1", config["node:name"]);
        Assert.Equal("4000", config["node:port"]);
        Assert.Equal("30 s", config["node:verify:timeout"]);
        Assert.Equal("16 KiB", config["node:chunk-size"]);
        Assert.Equal("10.0.0.1:4000", config["node:peers:0"]);
        Assert.Equal("10.0.0.3:4000", config["node:peers:2"]);
        Assert.Null(config["node:peers:3"]);
        Assert.Null(config["node:nothing"]);
        Assert.Contains(config.GetSection("node").GetChildren(), s => s.Key == "empty");
    }

    [Fact]
    public void BindsOptionsWithEnvironmentAndCommandLineWinningOverTheFile()
    {
        HoconTimeSpanConverter.Register();
        using var dir = new TempDir();
        var file = dir.Write("node.conf", NodeConf);
        var prefix = "IROHTEST_" + Guid.NewGuid().ToString("N")[..8] + "_";
        Environment.SetEnvironmentVariable(prefix + "node__port", "5000");
        Environment.SetEnvironmentVariable(prefix + "node__verify__parallelism", "2");
        try
        {
            var config = new ConfigurationBuilder()
                .AddHoconFile(file)
                .AddEnvironmentVariables(prefix)
                .AddCommandLine(["--node:verify:parallelism=3", "--node:peers:1=override:1"])
                .Build();
            var options = config.GetSection("node").Get<NodeOptions>()!;
            Assert.Equal("node-1", options.Name);                 // file
            Assert.Equal(5000, options.Port);                     // env over file
            Assert.Equal(3, options.Verify.Parallelism);          // command line over env over file
            Assert.Equal(TimeSpan.FromSeconds(30), options.Verify.Timeout); // HOCON duration through the TimeSpan converter
            Assert.Equal(16384, HoconSize.Parse(options.ChunkSize));
            Assert.Equal(["10.0.0.1:4000", "override:1", "10.0.0.3:4000"], options.Peers);
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "node__port", null);
            Environment.SetEnvironmentVariable(prefix + "node__verify__parallelism", null);
        }
    }

    [Fact]
    public void HoconDurationsBindToTimeSpanThroughTheConverter()
    {
        HoconTimeSpanConverter.Register();
        var config = new ConfigurationBuilder().AddHoconString("a = 250ms\nb = \"00:00:02\"\nc = 5").Build();
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.GetValue<TimeSpan>("a"));
        Assert.Equal(TimeSpan.FromSeconds(2), config.GetValue<TimeSpan>("b"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), config.GetValue<TimeSpan>("c")); // HOCON: bare number = ms
    }

    [Fact]
    public void FileIncludesAreRelativeToTheFile()
    {
        using var dir = new TempDir();
        dir.Write("conf/base.conf", "node.port = 1234");
        var file = dir.Write("conf/app.conf", "include \"base.conf\"\nnode.name = x");
        var config = new ConfigurationBuilder().AddHoconFile(file).Build();
        Assert.Equal("1234", config["node:port"]);
        Assert.Equal("x", config["node:name"]);
    }

    [Fact]
    public void OptionalMissingFileIsEmptyAndRequiredMissingFileThrows()
    {
        using var dir = new TempDir();
        var missing = Path.Combine(dir.Path, "nope.conf");
        var config = new ConfigurationBuilder().AddHoconFile(missing, optional: true).Build();
        Assert.Empty(config.AsEnumerable());
        Assert.Throws<FileNotFoundException>(() => new ConfigurationBuilder().AddHoconFile(missing).Build());
    }

    [Fact]
    public void ParseErrorsSurfaceWithTheirPosition()
    {
        using var dir = new TempDir();
        var file = dir.Write("bad.conf", "a {\n  b = 1\n");
        var e = Assert.ThrowsAny<Exception>(() => new ConfigurationBuilder().AddHoconFile(file).Build());
        var hocon = e as HoconSyntaxException ?? Assert.IsType<HoconSyntaxException>(e.InnerException);
        Assert.Equal((file, 1, 3), (hocon.Origin, hocon.Line, hocon.Column));
    }

    [Fact]
    public void ReferenceAsTheLowestLayer()
    {
        var config = new ConfigurationBuilder()
            .AddHoconConfig(HoconConfig.LoadReference())
            .AddHoconString("iroh.store.chunk-log = 5")
            .Build();
        Assert.Equal("5", config["iroh:store:chunk-log"]);
        Assert.Equal("0", config["iroh:store:outboard-parallelism"]);
    }

    [Fact]
    public void FileWithFallbackCanExtendTheReference()
    {
        using var dir = new TempDir();
        var file = dir.Write("app.conf", "list += c\nname = ${name}-app");
        var config = new ConfigurationBuilder()
            .AddHoconFile(s =>
            {
                s.Path = file;
                s.Fallback = HoconConfig.ParseString("list = [a, b]\nname = base");
                s.ResolveFileProvider();
            })
            .Build();
        Assert.Equal(["a", "b", "c"], config.GetSection("list").Get<string[]>()!);
        Assert.Equal("base-app", config["name"]);
    }

    [Fact]
    public void ReloadOnChangePicksUpEdits()
    {
        using var dir = new TempDir();
        var file = dir.Write("live.conf", "v = 1");
        var config = new ConfigurationBuilder().AddHoconFile(file, optional: false, reloadOnChange: true).Build();
        Assert.Equal("1", config["v"]);
        using var changed = new ManualResetEventSlim();
        Microsoft.Extensions.Primitives.ChangeToken.OnChange(config.GetReloadToken, changed.Set);
        File.WriteAllText(file, "v = 2");
        // "Should arrive": generous timeout for a loaded machine; polling fallback below covers missed events.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (config["v"] != "2" && DateTime.UtcNow < deadline)
            changed.Wait(TimeSpan.FromMilliseconds(200));
        Assert.Equal("2", config["v"]);
    }
}
