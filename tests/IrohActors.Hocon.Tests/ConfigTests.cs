namespace IrohActors.Hocon.Tests;

/// <summary>The Akka-style <see cref="Config"/> API: typed getters, defaults, sub-configs, fallbacks, the embedded reference.</summary>
public sealed class ConfigTests
{
    private static readonly Config Sample = Hocon.Parse("""
        node {
          name = "node-1"
          port = 4000
          big = 9000000000
          ratio = 0.25
          verbose = on
          quiet = no
          enabled = true
          count = "12"
          nothing = null
          peers = [ "10.0.0.1:4000", 10.0.0.2, 42 ]
          numbered { "1" = b, "0" = a }
          timeout = 30 s
          chunk = 16 KiB
          backoff { min = 200ms, max = 10s }
          list = [ { a = 1 }, { a = 2 } ]
        }
        """);

    [Fact]
    public void TypedGetters()
    {
        Assert.Equal("node-1", Sample.GetString("node.name"));
        Assert.Equal("4000", Sample.GetString("node.port"));
        Assert.Equal(4000, Sample.GetInt("node.port"));
        Assert.Equal(12, Sample.GetInt("node.count"));
        Assert.Equal(9_000_000_000L, Sample.GetLong("node.big"));
        Assert.Equal(0.25, Sample.GetDouble("node.ratio"));
        Assert.True(Sample.GetBoolean("node.verbose"));
        Assert.False(Sample.GetBoolean("node.quiet"));
        Assert.True(Sample.GetBoolean("node.enabled"));
        Assert.Null(Sample.GetString("node.nothing"));
        Assert.Equal(["10.0.0.1:4000", "10.0.0.2", "42"], Sample.GetStringList("node.peers"));
        Assert.Equal(["a", "b"], Sample.GetStringList("node.numbered"));
        Assert.Equal(TimeSpan.FromSeconds(30), Sample.GetTimeSpan("node.timeout"));
        Assert.Equal(16384, Sample.GetByteSize("node.chunk"));
        Assert.Equal([1, 2], Sample.GetConfigList("node.list").Select(c => c.GetInt("a")));
    }

    [Fact]
    public void DefaultsApplyOnlyWhenAbsent()
    {
        Assert.Equal("dflt", Sample.GetString("node.missing", "dflt"));
        Assert.Equal(7, Sample.GetInt("node.missing", 7));
        Assert.Equal(4000, Sample.GetInt("node.port", 7));
        Assert.Equal(TimeSpan.FromSeconds(1), Sample.GetTimeSpan("node.missing", TimeSpan.FromSeconds(1)));
        Assert.True(Sample.GetBoolean("missing.deeply", true));
        Assert.Equal("dflt", Sample.GetString("node.nothing", "dflt")); // null counts as absent
        Assert.Equal(3, Sample.GetInt("node.nothing", 3));
    }

    [Fact]
    public void HasPathAndGetConfig()
    {
        Assert.True(Sample.HasPath("node.backoff.min"));
        Assert.True(Sample.HasPath("node"));
        Assert.False(Sample.HasPath("node.nothing")); // null counts as absent (spec)
        Assert.False(Sample.HasPath("node.port.deeper"));
        Assert.False(Sample.HasPath("nope"));
        var backoff = Sample.GetConfig("node.backoff");
        Assert.Equal(TimeSpan.FromMilliseconds(200), backoff.GetTimeSpan("min"));
        Assert.True(Sample.GetConfig("absent").IsEmpty);
    }

    [Fact]
    public void WrongTypesAndMissingPathsAreTypedErrors()
    {
        var missing = Assert.Throws<HoconValueException>(() => Sample.GetInt("node.nope"));
        Assert.Equal("node.nope", missing.Path);
        var notInt = Assert.Throws<HoconValueException>(() => Sample.GetInt("node.name"));
        Assert.Equal((2, 10), (notInt.Line, notInt.Column));
        Assert.Contains("node-1", notInt.Message, StringComparison.Ordinal);
        Assert.Throws<HoconValueException>(() => Sample.GetBoolean("node.name"));
        Assert.Throws<HoconValueException>(() => Sample.GetString("node.backoff"));
        Assert.Throws<HoconValueException>(() => Sample.GetStringList("node.name"));
        Assert.Throws<HoconValueException>(() => Sample.GetConfig("node.name"));
        var tooBig = Assert.Throws<HoconValueException>(() => Sample.GetInt("node.big"));
        Assert.Contains("32-bit", tooBig.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void QuotedPathSegmentsInGetters()
    {
        var config = Hocon.Parse("\"a.b\" { c = 1 }\nx.\"y z\" = 2");
        Assert.Equal(1, config.GetInt("\"a.b\".c"));
        Assert.Equal(2, config.GetInt("x.\"y z\""));
        Assert.False(config.HasPath("a.b.c"));
    }

    [Fact]
    public void WithFallbackFollowsTheDuplicateKeyRules()
    {
        var app = HoconConfig.ParseString("a { x = 1 }\nb = 2\nc = [1]");
        var reference = HoconConfig.ParseString("a { x = 0, y = 0 }\nb { z = 1 }\nc = [0]\nd = 4");
        JsonTree.AssertEqual("""{"a":{"x":1,"y":0},"b":2,"c":[1],"d":4}""",
            app.WithFallback(reference).Resolve(HoconResolveOptions.NoEnvironment).ToJson(), "fallback");
        Assert.Same(app, app.WithFallback(Config.Empty));
    }

    [Fact]
    public void ParsingIsLazyAboutResolution()
    {
        var config = HoconConfig.ParseString("a = ${missing}");
        Assert.False(config.IsResolved);
        Assert.Throws<HoconResolveException>(() => config.Resolve(HoconResolveOptions.NoEnvironment));
        var fixedUp = config.WithFallback(HoconConfig.ParseString("missing = 3"));
        Assert.Equal(3, fixedUp.GetInt("a"));
        Assert.True(fixedUp.IsResolved);
    }

    [Fact]
    public void ToJsonIsCanonical()
    {
        Assert.Equal("""{"a":[1,"x",true,null],"b":{"c":"q\"\n"},"z":1}""", Hocon.Json("z = 1\nb.c = \"q\\\"\\n\"\na = [1, x, true, null]"));
    }

    [Fact]
    public void ReferenceConfHoldsTheNodeDefaults()
    {
        var reference = HoconConfig.LoadReference().Resolve(HoconResolveOptions.NoEnvironment);
        Assert.Equal(4, reference.GetInt("iroh.store.chunk-log"));
        Assert.Equal(0, reference.GetInt("iroh.store.outboard-parallelism"));
        Assert.Equal(TimeSpan.FromSeconds(3), reference.GetTimeSpan("akka.test.single-expect-default"));
        Assert.Equal(1.0, reference.GetDouble("akka.test.timefactor"));
        Assert.Equal(30, reference.GetInt("akka.actor.default-dispatcher.throughput"));
        Assert.Equal(Timeout.InfiniteTimeSpan, reference.GetTimeSpan("akka.actor.ask-timeout"));
        Assert.True(reference.HasPath("akka.coordinated-shutdown"));
    }

    [Fact]
    public void ReferenceConfHasACommentAboveEveryKey()
    {
        var lines = File.ReadAllLines(Path.Combine(TestSupport.RepoPaths.Root, "hocon", "reference.conf"));
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            var isKey = line.Contains('=', StringComparison.Ordinal) && !line.StartsWith('#');
            if (isKey)
                Assert.True(i > 0 && lines[i - 1].Trim().StartsWith('#'), $"reference.conf line {i + 1} '{line}' has no comment above it");
        }
    }

    [Fact]
    public void LoadLayersApplicationOverReference()
    {
        var config = HoconConfig.Load(HoconConfig.ParseString("iroh.store.chunk-log = 6\nakka.test.timefactor = 2.5"));
        Assert.Equal(6, config.GetInt("iroh.store.chunk-log"));
        Assert.Equal(2.5, config.GetDouble("akka.test.timefactor"));
        Assert.Equal(0, config.GetInt("iroh.store.outboard-parallelism"));
    }
}
