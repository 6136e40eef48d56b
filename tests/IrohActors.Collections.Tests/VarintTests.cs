using IrohActors.Collections.Format;

namespace IrohActors.Collections.Tests;

public class VarintTests
{
    // Examples from the multiformats/unsigned-varint README.
    [Theory]
    [InlineData(1UL, "01")]
    [InlineData(127UL, "7f")]
    [InlineData(128UL, "8001")]
    [InlineData(255UL, "ff01")]
    [InlineData(300UL, "ac02")]
    [InlineData(16384UL, "808001")]
    public void EncodesTheSpecExamples(ulong value, string hex)
    {
        var buffer = new byte[Varint.MaxLength];
        int n = Varint.Write(buffer, value);
        Assert.Equal(hex, Convert.ToHexStringLower(buffer, 0, n));
        Assert.Equal(VarintStatus.Ok, Varint.TryRead(Convert.FromHexString(hex), out ulong back, out int length));
        Assert.Equal(value, back);
        Assert.Equal(n, length);
    }

    [Theory]
    [InlineData("8000", "NotMinimal")]
    [InlineData("ff00", "NotMinimal")]
    [InlineData("80", "Truncated")]
    [InlineData("", "Truncated")]
    [InlineData("808080808080808080", "TooLong")]
    [InlineData("ffffffffffffffffff01", "TooLong")]
    public void RejectsMalformedEncodings(string hex, string expected)
    {
        Assert.Equal(Enum.Parse<VarintStatus>(expected), Varint.TryRead(Convert.FromHexString(hex), out _, out _));
    }

    [Fact]
    public void RoundTripsRandomValuesUpTo63Bits()
    {
        var rng = new Random(7);
        var buffer = new byte[Varint.MaxLength];
        for (int i = 0; i < 10_000; i++)
        {
            ulong value = (ulong)rng.NextInt64() >> rng.Next(63);
            int n = Varint.Write(buffer, value);
            Assert.Equal(Varint.SizeOf(value), n);
            Assert.Equal(VarintStatus.Ok, Varint.TryRead(buffer.AsSpan(0, n), out ulong back, out _));
            Assert.Equal(value, back);
        }
    }
}
