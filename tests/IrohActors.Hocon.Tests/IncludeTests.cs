namespace IrohActors.Hocon.Tests;

/// <summary>Includes per the spec: forms, relative paths, extensions, properties files, missing and required targets.</summary>
public sealed class IncludeTests
{
    private static string Resolve(string file) => HoconConfig.ParseFile(file).Resolve(HoconResolveOptions.NoEnvironment).ToJson();

    [Fact]
    public void AllIncludeFormsLoadTheFile()
    {
        using var dir = new TempDir();
        dir.Write("a.conf", "x = 1");
        var main = dir.Write("main.conf", """
            p { include "a.conf" }
            q { include file("a.conf") }
            r { include required("a.conf") }
            s { include required(file("a.conf")) }
            t { include   required( file( "a.conf" ) ) }
            """);
        JsonTree.AssertEqual("""{"p":{"x":1},"q":{"x":1},"r":{"x":1},"s":{"x":1},"t":{"x":1}}""", Resolve(main), "forms");
    }

    [Fact]
    public void IncludesAreRelativeToTheIncludingFile()
    {
        using var dir = new TempDir();
        dir.Write("conf/sub/leaf.conf", "leaf = true");
        dir.Write("conf/mid.conf", "include \"sub/leaf.conf\"\nmid = 1");
        var main = dir.Write("main.conf", "include \"conf/mid.conf\"\ntop = 1");
        JsonTree.AssertEqual("""{"leaf":true,"mid":1,"top":1}""", Resolve(main), "nested relative");
    }

    [Fact]
    public void LaterFieldsOfTheIncludingFileWinAndEarlierOnesMerge()
    {
        using var dir = new TempDir();
        dir.Write("inc.conf", "a = from-include\nobj { y = 2 }\nb = from-include");
        var main = dir.Write("main.conf", "a = before\nobj { x = 1 }\ninclude \"inc.conf\"\nb = after");
        JsonTree.AssertEqual("""{"a":"from-include","obj":{"x":1,"y":2},"b":"after"}""", Resolve(main), "precedence");
    }

    [Fact]
    public void MissingOptionalIncludeIsIgnored()
    {
        using var dir = new TempDir();
        var main = dir.Write("main.conf", "a = 1\ninclude \"nope.conf\"\ninclude file(\"nope\")\nb = 2");
        JsonTree.AssertEqual("""{"a":1,"b":2}""", Resolve(main), "missing optional");
    }

    [Fact]
    public void MissingRequiredIncludeNamesFileLineColumn()
    {
        using var dir = new TempDir();
        var main = dir.Write("main.conf", "a = 1\nobj {\n  include required(\"nope.conf\")\n}");
        var e = Assert.Throws<HoconIncludeException>(() => HoconConfig.ParseFile(main));
        Assert.Equal((main, 3, 3), (e.Origin, e.Line, e.Column));
        Assert.Contains("nope.conf", e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{main}:3:3: required include", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorsInsideAnIncludedFileNameThatFile()
    {
        using var dir = new TempDir();
        var inc = dir.Write("bad.conf", "ok = 1\nbroken {\n");
        var main = dir.Write("main.conf", "include \"bad.conf\"");
        var e = Assert.Throws<HoconSyntaxException>(() => HoconConfig.ParseFile(main));
        Assert.Equal((inc, 2, 8), (e.Origin, e.Line, e.Column));
    }

    [Fact]
    public void ExtensionlessIncludeMergesConfOverJsonOverProperties()
    {
        using var dir = new TempDir();
        dir.Write("multi.conf", "both = conf\nall = conf\nconfOnly = 1");
        dir.Write("multi.json", """{ "both" : "json", "all" : "json", "jsonOnly" : 2, "jp" : "json" }""");
        dir.Write("multi.properties", "all=props\npropsOnly=3\njp=props");
        var main = dir.Write("main.conf", "include \"multi\"");
        JsonTree.AssertEqual(
            """{"both":"conf","all":"conf","confOnly":1,"jsonOnly":2,"jp":"json","propsOnly":"3"}""", Resolve(main), "merge order");
    }

    [Fact]
    public void PropertiesFilesFollowJavaSyntaxAndSplitKeysOnDots()
    {
        using var dir = new TempDir();
        var file = dir.Write("p.properties", """
            # comment
            ! also a comment
            a.b.c = 1
            a.b.d : two words
            plain value with spaces
            cont = first \
                   second
            esc = tab\there \u0041
            x = leaf
            x.y = object wins
            """);
        JsonTree.AssertEqual(
            """{"a":{"b":{"c":"1","d":"two words"}},"plain":"value with spaces","cont":"first second","esc":"tab\there A","x":{"y":"object wins"}}""",
            Resolve(file), "properties");
    }

    [Fact]
    public void SubstitutionsInIncludedFilesAreRelativeToTheIncludePointThenTheRoot()
    {
        // Spec example: foo.conf { x : 10, y : ${x} } included at a, with a.x redefined to 42.
        using var dir = new TempDir();
        dir.Write("foo.conf", "x : 10\ny : ${x}\nz : ${top}");
        var main = dir.Write("main.conf", "top = t\na : { include \"foo.conf\", x : 42 }\nb : { include \"foo.conf\" }");
        JsonTree.AssertEqual(
            """{"top":"t","a":{"x":42,"y":42,"z":"t"},"b":{"x":10,"y":10,"z":"t"}}""", Resolve(main), "relativized");
    }

    [Fact]
    public void PlusEqualsInAnIncludedFileExtendsTheIncludingValue()
    {
        using var dir = new TempDir();
        dir.Write("more.conf", "list += b");
        var main = dir.Write("main.conf", "list = [a]\ninclude \"more.conf\"\nlist += c");
        JsonTree.AssertEqual("""{"list":["a","b","c"]}""", Resolve(main), "append across include");
    }

    [Fact]
    public void JsonFileIsParsedByExtension()
    {
        using var dir = new TempDir();
        var file = dir.Write("x.json", """{ "a" : [1, 2.5, "s", true, null], "b" : { "c" : {} } }""");
        JsonTree.AssertEqual("""{"a":[1,2.5,"s",true,null],"b":{"c":{}}}""", Resolve(file), "json");
    }

    [Fact]
    public void IncludeCycleIsReported()
    {
        using var dir = new TempDir();
        var main = dir.Write("loop.conf", "include \"loop.conf\"");
        var e = Assert.Throws<HoconIncludeException>(() => HoconConfig.ParseFile(main));
        Assert.Equal((main, 1, 1), (e.Origin, e.Line, e.Column));
    }

    [Fact]
    public void QuotedIncludeIsAKeyAndLongerWordsAreKeys()
    {
        Hocon.AssertJson("""{"include":1,"includes":{"x":2},"include.d":{"e":3}}""",
            "\"include\" : 1\nincludes { x = 2 }\n\"include.d\".e = 3");
    }

    [Theory]
    [InlineData("include required(\"a.conf\"")]
    [InlineData("include file(\"a.conf\"))")]
    [InlineData("include foo(\"a.conf\")")]
    [InlineData("include \"a.conf\" \"b.conf\"")]
    [InlineData("include : 1")]
    [InlineData("include")]
    public void MalformedIncludeIsASyntaxError(string hocon)
    {
        var e = Assert.Throws<HoconSyntaxException>(() => Hocon.Parse(hocon));
        Assert.Equal((1, 1), (e.Line, e.Column));
    }

    [Fact]
    public void UrlIncludesAreRejectedWithPosition()
    {
        var e = Assert.Throws<HoconIncludeException>(() => Hocon.Parse("a = 1\ninclude url(\"http://example.com/x.conf\")"));
        Assert.Equal((2, 1), (e.Line, e.Column));
    }

    [Fact]
    public void ClasspathIncludeReadsEmbeddedResources()
    {
        var config = Hocon.Parse("include classpath(\"reference.conf\")\niroh.store.chunk-log = 5");
        Assert.Equal(5, config.GetInt("iroh.store.chunk-log"));
        Assert.Equal(TimeSpan.FromSeconds(3), config.GetTimeSpan("akka.test.single-expect-default"));
    }
}
