namespace IrohActors.Hocon.Tests;

/// <summary>
/// Valid and invalid documents by spec category (after the valid/invalid classes of lightbend/config's
/// parser tests), each also tried with extra leading/trailing whitespace and with U+2003 for spaces.
/// </summary>
public sealed class ValidityTests
{
    public static TheoryData<string> Valid() => Variations(
    [
        "", " ", "\n", " \n \n  \n\n", "# c", "# c\n// d", "{}", "{} # c", "{} // c",
        "{ \"k\" = 42 }", "{ \"k\" = (42) }", "{ k { \"x\" : 1 } }", "{ k j { \"x\" : 1 } }", " \"k\" : 42 ",
        "{ \"k\" : v }", "{ \"k\" : null v 42 w true 3.14 \"q\" }", "{ k.j : v }", "{ k.\"a b\".c : v }",
        "{ k.j \n : v }", "{ k  j : v }", "{ true : v }", "{ \"k\" : 1, \"k\" : 2 }",
        "{ l : [ 1, 2, 3, ] }", "{ l : [1,2,3\n\n , \n] }", "{ l : [1,] }", "{ \"k\" : 10, }",
        "{ a : b  \n  , \n }", "a : b, c : d,", "{ a : b\nc : d }", "a : b\nc : d", "a : b\nc : d,",
        "{ l : [ t, tr, tru, truex, 10x, / ] }", "{ include \"missing\" }", "{ include\n\"missing\" }",
        "{ include\"missing\" }", "{ l : [ include ] }", "{ k : include }", "{ include \"missing\", \"a\" : \"b\" }",
        "{ k include : 42 }", "{ \"k\" #c\n: 10 }", "{ \"k\" // c\n: 10 }", "{ \"k\" : #c\n 10 }",
        "{ \"k\" : 10 // c\n }", "{ l : [ 10, # c\n 11] }", "{ l : [ 10 // c\n, 11] }", "{ /a/b/c : 10 }",
        "a = [], a += b", "{ a = [], a += 10 }", "a += b", "{ l : [ 10e3e3, 1-e3, 1.0.0, 1.0., 10e+3 ] }",
        "x = 1, y = ${?nope}, z = [${?nope}]", "x = 1, y = ${ x }, z = ${\"x\"}, w = ${x\"\"}",
    ]);

    public static TheoryData<string> Invalid() => Variations(
    [
        "{", "}", "[", "]", ",", "10", "\"k\"", "\"", "[]", "{ l : [,] }", "{ l : [1,2,,] }", "{ l : [,1] }",
        "{ , }", "{ 1,2 }", "{ , \"k\" : 10 }", "{ \"k\" : 10 ,, }", " \"a\" : 10 ,, ", "{ \"k\" : }", "{ : 10 }",
        " \"k\" : ", " : 10 ", " \"k\" : 10 } ", " \"k\" : 10 [ ", "{ \"k\" }", "{ \"a\" : [ }", "{ \"k\" : 10, true }",
        "{ k \n j : 10 }", "{ l : [ 1, \\", "{ l : [:1] }", "{ l : [\"k\" : 1] }", "{ l : [ \"open ] }",
        "{ \"k\" , true }", "{ \"k\" : true \"j\" : false }", "{ l : [ 10, }] }", "{ l : [ 10, {] }", "{}x", "{}{}",
        "{}true", "{ l : [${] }", "{ l : [$] }", "{ l : [$  ] }", "{ l : [${}] }", "{ l : [${?}] }",
        "{ \"a\" : [1,2], \"b\" : y${a}z }", "{ \"a\" : { \"c\" : 2 }, \"b\" : y${a}z }", "{ \"a\" : ${a} }",
        "{ l : [ { \"a\" : 2, \"b\" : ${${a}} } ] }", "{ l : [ = ] }", "{ l : [ + ] }", "{ l : [ # ] }",
        "{ l : [ ` ] }", "{ l : [ ^ ] }", "{ l : [ ? ] }", "{ l : [ ! ] }", "{ l : [ @ ] }", "{ l : [ * ] }",
        "{ l : [ & ] }", "{ l : [ \\ ] }", "+=", "{ l : [ += ] }", "+= 10", "10 +=", "{ l : [ 10e+3e ] }",
        "{ l : [ \"a\nb\" ] }", "{ l : [ // c ] }", "${ #c }", "{ include \"x\" : 10 }", "{ include foo }",
        "{ include : { \"a\" : 1 } }", "a=", "a:", "a= ", "a.b=", "{ a= }", "{ a: }", "a..b = 1", "a = ${b..c}",
    ]);

    [Theory]
    [MemberData(nameof(Valid))]
    public void ValidDocumentParsesAndResolves(string text) => Hocon.Parse(text);

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidDocumentThrowsAPositionedHoconException(string text)
    {
        var e = Assert.ThrowsAny<HoconException>(() => Hocon.Parse(text));
        Assert.Equal(HoconPosition.StringOrigin, e.Origin);
        Assert.True(e.Line >= 1 && e.Column >= 1, $"no position in: {e.Message}");
    }

    [Fact]
    public void SpaceBeforeTheQuestionMarkIsNotAnOptionalSubstitution() =>
        Assert.Throws<HoconSyntaxException>(() => Hocon.Parse("l = [${ ?x}]"));

    private static TheoryData<string> Variations(string[] docs)
    {
        var data = new TheoryData<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var doc in docs)
        {
            foreach (var v in new[] { doc, " " + doc + " ", doc.Replace(" ", "\u2003", StringComparison.Ordinal) })
            {
                if (seen.Add(v))
                    data.Add(v);
            }
        }
        return data;
    }
}
