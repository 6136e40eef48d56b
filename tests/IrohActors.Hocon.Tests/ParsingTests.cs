namespace IrohActors.Hocon.Tests;

/// <summary>Syntax per the HOCON spec (lightbend/config HOCON.md); expected values are the spec's own examples.</summary>
public sealed class ParsingTests
{
    [Theory]
    [InlineData("a = 1", """{"a":1}""")]
    [InlineData("a : 1", """{"a":1}""")]
    [InlineData("{ a = 1 }", """{"a":1}""")]
    [InlineData("a { b = 1 }", """{"a":{"b":1}}""")]
    [InlineData("a {\n b = 1\n}\n", """{"a":{"b":1}}""")]
    [InlineData("a = 1, b = 2,", """{"a":1,"b":2}""")]
    [InlineData("a = [1, 2,]", """{"a":[1,2]}""")]
    [InlineData("a = [\n1\n2\n]", """{"a":[1,2]}""")]
    [InlineData("", "{}")]
    [InlineData("# only a comment\n// and another", "{}")]
    [InlineData("a = 1 // trailing", """{"a":1}""")]
    [InlineData("a = \"x // not a comment # either\"", """{"a":"x // not a comment # either"}""")]
    [InlineData("a = http://example.com", """{"a":"http:"}""")]
    public void BasicSyntax(string hocon, string json)
    {
        if (hocon.Contains("http", StringComparison.Ordinal))
        {
            // "//" starts a comment even in an unquoted string, so ':' after "http" is a syntax error.
            Assert.Throws<HoconSyntaxException>(() => Hocon.Parse(hocon));
            return;
        }
        Hocon.AssertJson(json, hocon);
    }

    [Theory]
    [InlineData("a = 42", HoconValueType.Number, "42")]
    [InlineData("a = -1.5e3", HoconValueType.Number, "-1.5e3")]
    [InlineData("a = true", HoconValueType.Boolean, "true")]
    [InlineData("a = false", HoconValueType.Boolean, "false")]
    [InlineData("a = null", HoconValueType.Null, "null")]
    [InlineData("a = hello", HoconValueType.String, "hello")]
    [InlineData("a = \"42\"", HoconValueType.String, "42")]
    [InlineData("a = truefoo", HoconValueType.String, "truefoo")]
    [InlineData("a = footrue", HoconValueType.String, "footrue")]
    [InlineData("a = 10s", HoconValueType.String, "10s")]
    [InlineData("a = 1.2.3", HoconValueType.String, "1.2.3")]
    public void ScalarTypes(string hocon, HoconValueType type, string text)
    {
        var value = Assert.IsType<HoconScalar>(Hocon.Parse(hocon).GetValue("a"));
        Assert.Equal(type, value.Type);
        Assert.Equal(text, value.Text);
    }

    [Theory]
    [InlineData("""a = "\"\\\/\b\f\n\r\t\u00e9\u0041" """, "\"\\/\b\f\n\r\t\u00e9A")]
    [InlineData("a = \"\"\"raw \\n \"quoted\" \"\"\"", "raw \\n \"quoted\" ")]
    [InlineData("a = \"\"\"line1\nline2\"\"\"", "line1\nline2")]
    public void Strings(string hocon, string expected) => Assert.Equal(expected, Hocon.Parse(hocon).GetString("a"));

    [Theory]
    // Value concatenation keeps the whitespace between simple values, drops it at the ends.
    [InlineData("a = foo bar  baz  ", "foo bar  baz")]
    [InlineData("a = \"foo\"bar", "foobar")]
    [InlineData("a = 1 2 3", "1 2 3")]
    [InlineData("a = \"\" x", " x")]
    [InlineData("a = null x", "null x")]
    [InlineData("a = foo\t\"bar\"", "foo\tbar")]
    public void StringConcatenation(string hocon, string expected) => Assert.Equal(expected, Hocon.Parse(hocon).GetString("a"));

    [Theory]
    [InlineData("a = [1, 2] [3, 4]", """{"a":[1,2,3,4]}""")]
    [InlineData("a = [1] [] [2]", """{"a":[1,2]}""")]
    [InlineData("a = {x : 1} {y : 2}", """{"a":{"x":1,"y":2}}""")]
    [InlineData("a = {x : 1, y : {p : 1}} {y : {q : 2}}", """{"a":{"x":1,"y":{"p":1,"q":2}}}""")]
    [InlineData("a = {x : 1} {x : 2}", """{"a":{"x":2}}""")]
    public void ArrayAndObjectConcatenation(string hocon, string json) => Hocon.AssertJson(json, hocon);

    [Theory]
    [InlineData("a = [1] x")]
    [InlineData("a = {x:1} [1]")]
    [InlineData("a = foo {x:1}")]
    public void MixedConcatenationIsAnError(string hocon)
    {
        var e = Assert.Throws<HoconSyntaxException>(() => Hocon.Parse(hocon));
        Assert.Equal(1, e.Line);
        Assert.Contains("concatenate", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("foo.bar.baz : 42", """{"foo":{"bar":{"baz":42}}}""")]
    [InlineData("foo.bar : { baz : 1 }\nfoo.bar.qux : 2", """{"foo":{"bar":{"baz":1,"qux":2}}}""")]
    [InlineData("\"a.b\".c : 1", """{"a.b":{"c":1}}""")]
    [InlineData("a.\"b.c\" : 1", """{"a":{"b.c":1}}""")]
    [InlineData("3.14 : 42", """{"3":{"14":42}}""")]
    [InlineData("a b c : 1", """{"a b c":1}""")]
    [InlineData("a.b c.d : 1", """{"a":{"b c":{"d":1}}}""")]
    [InlineData("\"\" : 1", """{"":1}""")]
    [InlineData("true : 1", """{"true":1}""")]
    [InlineData("1 : 1\n-2 : 2", """{"1":1,"-2":2}""")]
    public void PathKeys(string hocon, string json) => Hocon.AssertJson(json, hocon);

    [Theory]
    // Later scalars win; objects merge; a non-object in between breaks the merge (spec "Duplicate keys").
    [InlineData("foo : 1, foo : 2", """{"foo":2}""")]
    [InlineData("foo : { a : 42 }, foo : { b : 43 }", """{"foo":{"a":42,"b":43}}""")]
    [InlineData("foo : { a : { x : 1 } }, foo : { a : { y : 2 } }", """{"foo":{"a":{"x":1,"y":2}}}""")]
    [InlineData("foo : { a : 42 }, foo : null, foo : { b : 43 }", """{"foo":{"b":43}}""")]
    [InlineData("foo : { a : 42 }, foo : 1", """{"foo":1}""")]
    [InlineData("foo : 1, foo : { a : 42 }", """{"foo":{"a":42}}""")]
    [InlineData("foo : [1], foo : [2]", """{"foo":[2]}""")]
    public void DuplicateKeys(string hocon, string json) => Hocon.AssertJson(json, hocon);

    [Theory]
    [InlineData("a = [1,,2]", 1, 8)]
    [InlineData("a = [,1]", 1, 6)]
    [InlineData("a = 1,,b = 2", 1, 7)]
    [InlineData("a..b = 1", 1, 1)]
    [InlineData(".a = 1", 1, 1)]
    [InlineData("a. = 1", 1, 1)]
    [InlineData("a = 1\nb 2", 2, 4)]
    [InlineData("a = 1 : 2", 1, 7)]
    [InlineData("a = ^x", 1, 5)]
    [InlineData("a = b + c", 1, 7)]
    [InlineData("a = $b", 1, 5)]
    [InlineData("a = \"bad \\q escape\"", 1, 10)]
    [InlineData("a = ${b", 1, 5)]
    [InlineData("a = ${b..c}", 1, 7)]
    [InlineData("}", 1, 1)]
    [InlineData("{ a = 1 } b = 2", 1, 11)]
    [InlineData("[1, 2]", 1, 1)]
    [InlineData("a = ", 1, 5)]
    public void MalformedInputNamesLineAndColumn(string hocon, int line, int column)
    {
        var e = Assert.Throws<HoconSyntaxException>(() => Hocon.Parse(hocon));
        Assert.Equal(HoconPosition.StringOrigin, e.Origin);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.StartsWith($"<string>:{line}:{column}: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnclosedBraceNamesTheOpeningBrace()
    {
        var e = Assert.Throws<HoconSyntaxException>(() => Hocon.Parse("a = 1\nb {\n  c = 2\n"));
        Assert.Equal((2, 3), (e.Line, e.Column));
        Assert.Contains("unclosed '{'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnclosedBracketNamesTheOpeningBracket()
    {
        var e = Assert.Throws<HoconSyntaxException>(() => Hocon.Parse("x = 1\n  list = [1,\n 2\n"));
        Assert.Equal((2, 10), (e.Line, e.Column));
        Assert.Contains("unclosed '['", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a = \"abc", 1, 5)]
    [InlineData("a = 1\nb = \"abc\ndef\"", 2, 5)]
    [InlineData("a = \"\"\"abc", 1, 5)]
    public void UnclosedStringNamesTheOpeningQuote(string hocon, int line, int column)
    {
        var e = Assert.Throws<HoconSyntaxException>(() => Hocon.Parse(hocon));
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains("unclosed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeysKeepDefinitionOrderAndPositions()
    {
        var config = Hocon.Parse("b = 1\na = 2\nc {\n  d = x\n}");
        Assert.Equal(["b", "a", "c"], config.Root.Keys);
        var d = config.GetValue("c.d")!;
        Assert.Equal((4, 7), (d.Position.Line, d.Position.Column));
    }

    [Fact]
    public void CarriageReturnsAndBomAreWhitespace()
    {
        Hocon.AssertJson("""{"a":1,"b":[1,2]}""", "\uFEFFa = 1\r\nb = [\r\n1\r\n2\r\n]\r\n");
    }
}
