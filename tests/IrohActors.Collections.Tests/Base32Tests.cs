using IrohActors.Collections.Cids;

namespace IrohActors.Collections.Tests;

public class Base32Tests
{
    // RFC 4648 §10 test vectors, lowercased and without padding.
    [Theory]
    [InlineData("", "")]
    [InlineData("f", "my")]
    [InlineData("fo", "mzxq")]
    [InlineData("foo", "mzxw6")]
    [InlineData("foob", "mzxw6yq")]
    [InlineData("fooba", "mzxw6ytb")]
    [InlineData("foobar", "mzxw6ytboi")]
    public void Rfc4648Vectors(string input, string expected)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(input);
        Assert.Equal(expected, Base32.Encode(bytes));
        var decoded = new byte[bytes.Length];
        Base32.Decode(expected, decoded, "test");
        Assert.Equal(bytes, decoded);
    }

    [Theory]
    [InlineData("MZXW6", "offset 0")]
    [InlineData("mzx=6", "offset 3")]
    [InlineData("mzxw1", "offset 4")]
    public void RejectsCharactersOutsideTheAlphabetWithOffset(string text, string where)
    {
        var e = Assert.Throws<FormatException>(() => Base32.Decode(text, new byte[3], "test"));
        Assert.Contains(where, e.Message);
    }

    [Fact]
    public void RejectsNonZeroTrailingBits()
    {
        // "my" is "f"; "mz" carries the same first byte but sets an unused bit.
        var e = Assert.Throws<FormatException>(() => Base32.Decode("mz", new byte[1], "test"));
        Assert.Contains("non-zero unused bits", e.Message);
    }
}
