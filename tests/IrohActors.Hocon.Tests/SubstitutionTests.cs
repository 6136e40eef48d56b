namespace IrohActors.Hocon.Tests;

/// <summary>Substitutions per the spec: forward references, self-references, +=, optional, environment fallback, cycles.</summary>
public sealed class SubstitutionTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Theory]
    [InlineData("a = 1, b = ${a}", """{"a":1,"b":1}""")]
    [InlineData("b = ${a}, a = 1", """{"a":1,"b":1}""")]
    [InlineData("a = 1, b = ${a}, a = 2", """{"a":2,"b":2}""")]
    [InlineData("a.b.c = x, d = ${a.b}", """{"a":{"b":{"c":"x"}},"d":{"c":"x"}}""")]
    [InlineData("\"a.b\" = 1, c = ${\"a.b\"}", """{"a.b":1,"c":1}""")]
    [InlineData("a = foo, b = ${a}bar ${a}", """{"a":"foo","b":"foobar foo"}""")]
    [InlineData("a = 42, b = \"n=\"${a}", """{"a":42,"b":"n=42"}""")]
    [InlineData("a = 42, b = ${a}", """{"a":42,"b":42}""")]
    [InlineData("a = [1, 2], b = ${a} [3]", """{"a":[1,2],"b":[1,2,3]}""")]
    [InlineData("a = { x : 1 }, b = ${a} { y : 2 }", """{"a":{"x":1},"b":{"x":1,"y":2}}""")]
    [InlineData("a = { x : 1 }, b = ${a}, b = { y : 2 }", """{"a":{"x":1},"b":{"x":1,"y":2}}""")]
    [InlineData("a = { x : 1 }, b = { y : 2 }, b = ${a}", """{"a":{"x":1},"b":{"x":1,"y":2}}""")]
    [InlineData("a = 1, b = { y : 2 }, b = ${a}", """{"a":1,"b":1}""")]
    [InlineData("a = null, b = ${a}", """{"a":null,"b":null}""")]
    [InlineData("bar : { foo : 42, baz : ${bar.foo} }", """{"bar":{"foo":42,"baz":42}}""")]
    [InlineData("bar : { foo : 42, baz : ${bar.foo} }, bar : { foo : 43 }", """{"bar":{"foo":43,"baz":43}}""")]
    [InlineData("a = [${b}, ${c}], b = 1, c = x", """{"a":[1,"x"],"b":1,"c":"x"}""")]
    public void PlainSubstitutions(string hocon, string json) => Hocon.AssertJson(json, hocon);

    [Theory]
    [InlineData("path : \"a:b:c\"\npath : ${path}\":d\"", """{"path":"a:b:c:d"}""")]
    [InlineData("a = [1]\na = ${a} [2]\na = ${a} [3]", """{"a":[1,2,3]}""")]
    [InlineData("foo : { a : 1 }\nfoo : ${foo.a}", """{"foo":1}""")]
    [InlineData("foo : { a : { c : 1 } }\nfoo : ${foo.a}\nfoo : { a : 2 }", """{"foo":{"c":1,"a":2}}""")]
    [InlineData("foo { x = 1 }\nfoo = ${foo} { y = 2 }", """{"foo":{"x":1,"y":2}}""")]
    [InlineData("a = x\na.b = 1\nc = ${a}", """{"a":{"b":1},"c":{"b":1}}""")]
    [InlineData("a { b = 1 }\na { b = ${a.b}0 }", """{"a":{"b":"10"}}""")]
    [InlineData("a.b = 1\na.b = ${a.b} 2", """{"a":{"b":"1 2"}}""")]
    [InlineData("a = ${?a} [1]", """{"a":[1]}""")]
    [InlineData("a = 1\nb = ${a}\na = ${a}0", """{"a":"10","b":"10"}""")]
    [InlineData("a { x = 1 }\na = ${a} { y = 2 }\na.z = 3", """{"a":{"x":1,"y":2,"z":3}}""")]
    [InlineData("a { x = 1 }\na = ${a} { y = 2 }\na { x = 5 }", """{"a":{"x":5,"y":2}}""")]
    [InlineData("a { x = 1 }\nb = ${a}\na.y = 2", """{"a":{"x":1,"y":2},"b":{"x":1,"y":2}}""")]
    [InlineData("a { x = 1 }\na = ${a.x}\na.y = 2", """{"a":{"y":2}}""")]
    [InlineData("a { b { x = 1 } }\na.b = ${a.b} { y = 2 }\na.b.z = 3\na.c = 4", """{"a":{"b":{"x":1,"y":2,"z":3},"c":4}}""")]
    public void SelfReferences(string hocon, string json) => Hocon.AssertJson(json, hocon);

    [Theory]
    [InlineData("a += 1", """{"a":[1]}""")]
    [InlineData("a = [1]\na += 2\na += [3]", """{"a":[1,2,[3]]}""")]
    [InlineData("a { b = [x] }\na.b += y\na { b += z }", """{"a":{"b":["x","y","z"]}}""")]
    [InlineData("a = [${c}]\na += ${c}\nc = 1", """{"a":[1,1],"c":1}""")]
    public void PlusEquals(string hocon, string json) => Hocon.AssertJson(json, hocon);

    [Theory]
    [InlineData("a = ${?missing}", "{}")]
    [InlineData("a = 1\na = ${?missing}", """{"a":1}""")]
    [InlineData("a = { x : 1 }\na = ${?missing}", """{"a":{"x":1}}""")]
    [InlineData("a = [1, ${?missing}, 2]", """{"a":[1,2]}""")]
    [InlineData("a = foo${?missing}bar", """{"a":"foobar"}""")]
    [InlineData("a = [1] ${?missing} [2]", """{"a":[1,2]}""")]
    [InlineData("a = ${?missing}, b = ${?a}", "{}")]
    [InlineData("a = null, b = ${?a}", """{"a":null,"b":null}""")]
    public void OptionalSubstitutions(string hocon, string json) => Hocon.AssertJson(json, hocon);

    [Fact]
    public void EnvironmentIsTheFallbackForPathsNotInTheConfig()
    {
        var env = Env(("HOME", "/home/iroh"), ("a", "from-env"), ("NODE_NAME", "n7"));
        Hocon.AssertJson("""{"h":"/home/iroh","dir":"/home/iroh/.iroh"}""", "h = ${HOME}\ndir = ${HOME}/.iroh", env);
        Hocon.AssertJson("""{"name":"n7"}""", "name = default\nname = ${?NODE_NAME}", env);
        Hocon.AssertJson("""{"name":"default"}""", "name = default\nname = ${?NOT_SET_ANYWHERE}", env);
        // A path present in the config wins over the environment; an explicit null blocks the lookup.
        Hocon.AssertJson("""{"a":1,"b":1}""", "a = 1, b = ${a}", env);
        Hocon.AssertJson("""{"a":null,"b":null}""", "a = null, b = ${a}", env);
    }

    [Fact]
    public void RealProcessEnvironmentIsUsedByDefault()
    {
        var name = "IROH_HOCON_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "42");
        try
        {
            var config = HoconConfig.ParseString($"x = ${{{name}}}\ny = ${{?{name}}}");
            Assert.Equal(42, config.GetInt("x"));
            Assert.Equal("42", config.GetString("y"));
            Assert.Throws<HoconResolveException>(() => HoconConfig.ParseString($"x = ${{{name}}}").Resolve(HoconResolveOptions.NoEnvironment));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void UnresolvedSubstitutionNamesPosition()
    {
        var e = Hocon.Fails<HoconResolveException>("a = 1\nb = {\n  c = ${nope.x}\n}");
        Assert.IsNotType<HoconCycleException>(e);
        Assert.Equal(("<string>", 3, 7), (e.Origin, e.Line, e.Column));
        Assert.Contains("${nope.x}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a = ${b}\nb = ${a}", 1, 5)]
    [InlineData("a = ${a}x\nb = 1", 1, 5)]
    [InlineData("x = 1\na = { b = ${a} }", 2, 11)]
    [InlineData("a = ${b}\nb = ${c}\nc = [${a}]", 3, 6)]
    [InlineData("a = foo ${b}\nb = ${a} bar", 2, 5)]
    public void CyclesAreErrorsNamingFileLineColumn(string hocon, int line, int column)
    {
        if (hocon.StartsWith("a = ${a}x", StringComparison.Ordinal))
        {
            // A self-reference with no earlier value is undefined (spec), not a cycle.
            var undefined = Hocon.Fails<HoconResolveException>(hocon);
            Assert.Equal((line, column), (undefined.Line, undefined.Column));
            return;
        }
        var e = Hocon.Fails<HoconCycleException>(hocon);
        Assert.Equal(("<string>", line, column), (e.Origin, e.Line, e.Column));
        Assert.Contains("cyclic substitution", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CycleInFileNamesTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("hocon-cycle-");
        try
        {
            var path = Path.Combine(dir.FullName, "cycle.conf");
            File.WriteAllText(path, "# a cycle\nfoo = ${bar}\nbar = ${foo}\n");
            var e = Assert.Throws<HoconCycleException>(() => HoconConfig.ParseFile(path).Resolve(HoconResolveOptions.NoEnvironment));
            Assert.Equal((path, 2, 7), (e.Origin, e.Line, e.Column));
            Assert.StartsWith($"{path}:2:7: cyclic substitution", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void SelfReferenceSeesTheFallbackValue()
    {
        var reference = HoconConfig.ParseString("list = [a]\nname = base\nobj { x = 1 }");
        var app = HoconConfig.ParseString("list += b\nname = ${name}-app\nobj = ${obj} { y = 2 }");
        var merged = app.WithFallback(reference).Resolve(HoconResolveOptions.NoEnvironment);
        JsonTree.AssertEqual("""{"list":["a","b"],"name":"base-app","obj":{"x":1,"y":2}}""", merged.ToJson(), "merged");
        // The unmerged application config alone still resolves (the optional self-reference vanishes).
        JsonTree.AssertEqual("""{"list":["b"]}""", HoconConfig.ParseString("list += b").Resolve(HoconResolveOptions.NoEnvironment).ToJson(), "alone");
    }

    [Fact]
    public void FallbackValuesAreVisibleToSubstitutions()
    {
        var reference = HoconConfig.ParseString("defaults.timeout = 5s");
        var app = HoconConfig.ParseString("client.timeout = ${defaults.timeout}");
        Assert.Equal(TimeSpan.FromSeconds(5), app.WithFallback(reference).GetTimeSpan("client.timeout"));
    }
}
