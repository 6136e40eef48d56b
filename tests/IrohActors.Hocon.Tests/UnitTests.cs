using System.Numerics;

namespace IrohActors.Hocon.Tests;

/// <summary>Duration and size units per the spec's tables ("Duration format", "Size in bytes format").</summary>
public sealed class UnitTests
{
    private const long Second = TimeSpan.TicksPerSecond;

    public static TheoryData<string, long> Durations()
    {
        // Spec table: each unit with all its spellings, in ticks of 100 ns.
        var data = new TheoryData<string, long>();
        (string[] Names, long TicksPer7)[] table =
        [
            (["ns", "nano", "nanos", "nanosecond", "nanoseconds"], 0), // 7 ns is below one tick
            (["us", "micro", "micros", "microsecond", "microseconds"], 70),
            (["ms", "milli", "millis", "millisecond", "milliseconds"], 70_000),
            (["s", "second", "seconds"], 7 * Second),
            (["m", "minute", "minutes"], 7 * 60 * Second),
            (["h", "hour", "hours"], 7 * 3600 * Second),
            (["d", "day", "days"], 7 * 86400 * Second),
        ];
        foreach (var (names, ticks) in table)
        {
            foreach (var name in names)
            {
                data.Add("7" + name, ticks);
                data.Add("7 " + name, ticks);
            }
        }
        data.Add("250", 250 * TimeSpan.TicksPerMillisecond); // bare number = milliseconds
        data.Add("1.5s", 15 * Second / 10);
        data.Add("1234 ns", 12); // truncated to whole ticks
        data.Add("0.5 ms", 5000);
        data.Add("\"5 s\"", 5 * Second);
        data.Add("-3s", -3 * Second);
        return data;
    }

    [Theory]
    [MemberData(nameof(Durations))]
    public void DurationUnits(string written, long ticks)
    {
        Assert.Equal(TimeSpan.FromTicks(ticks), Hocon.Parse("d = " + written).GetTimeSpan("d"));
        Assert.Equal(TimeSpan.FromTicks(ticks), HoconDuration.Parse(written.Trim('"')));
    }

    [Fact]
    public void InfiniteDurationIsAkkasInfiniteTimeSpan() =>
        Assert.Equal(Timeout.InfiniteTimeSpan, Hocon.Parse("d = infinite").GetTimeSpan("d"));

    public static TheoryData<string, long> Sizes()
    {
        var data = new TheoryData<string, long>();
        foreach (var name in new[] { "B", "b", "byte", "bytes" })
        {
            data.Add("11" + name, 11);
            data.Add("11 " + name, 11);
        }
        // Spec table: powers of ten and powers of two per prefix letter.
        (string Letter, string Decimal, string Binary)[] prefixes =
        [
            ("K", "kilo", "kibi"), ("M", "mega", "mebi"), ("G", "giga", "gibi"), ("T", "tera", "tebi"), ("P", "peta", "pebi"), ("E", "exa", "exbi"),
        ];
        for (var i = 0; i < prefixes.Length; i++)
        {
            var (letter, dec, bin) = prefixes[i];
            var n = i == 5 ? 1 : 3; // exa: 3 EiB would overflow 64 bits
            var power10 = (long)(n * BigInteger.Pow(1000, i + 1));
            var power2 = (long)(n * BigInteger.Pow(1024, i + 1));
            foreach (var name in new[] { (i == 0 ? "k" : letter) + "B", dec + "byte", dec + "bytes" })
            {
                data.Add($"{n}{name}", power10);
                data.Add($"{n} {name}", power10);
            }
            foreach (var name in new[] { letter, letter.ToLowerInvariant(), letter + "i", letter + "iB", bin + "byte", bin + "bytes" })
            {
                data.Add($"{n}{name}", power2);
                data.Add($"{n} {name}", power2);
            }
        }
        data.Add("16 KiB", 16384);
        data.Add("16kB", 16000);
        data.Add("16K", 16384);
        data.Add("1024", 1024); // bare number = bytes
        data.Add("1.5 KiB", 1536);
        return data;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SizeUnits(string written, long bytes)
    {
        Assert.Equal(bytes, Hocon.Parse("s = " + written).GetByteSize("s"));
        Assert.Equal(bytes, HoconSize.Parse(written));
    }

    [Theory]
    [InlineData("16 KB")]  // not in the spec table (kB is)
    [InlineData("16 kb")]
    [InlineData("16 bits")]
    [InlineData("16 KIB")]
    [InlineData("1 ZiB")]  // valid unit, does not fit in 64 bits
    [InlineData("lots")]
    public void BadSizeNamesPathValueAndPosition(string written)
    {
        var e = Assert.Throws<HoconValueException>(() => Hocon.Parse("x = 1\nnode.chunk-size = " + written).GetByteSize("node.chunk-size"));
        Assert.Equal("node.chunk-size", e.Path);
        Assert.Equal((2, 19), (e.Line, e.Column));
        Assert.Contains("node.chunk-size", e.Message, StringComparison.Ordinal);
        Assert.Contains(written, e.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => HoconSize.Parse(written));
    }

    [Theory]
    [InlineData("5 sec")]
    [InlineData("5S")]
    [InlineData("5 Seconds")]
    [InlineData("5 fortnights")]
    [InlineData("soon")]
    public void BadDurationNamesPathValueAndPosition(string written)
    {
        var e = Assert.Throws<HoconValueException>(() => Hocon.Parse("a {\n  timeout = " + written + "\n}").GetTimeSpan("a.timeout"));
        Assert.Equal("a.timeout", e.Path);
        Assert.Equal((2, 13), (e.Line, e.Column));
        Assert.Contains(written, e.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => HoconDuration.Parse(written));
        Assert.False(HoconDuration.TryParse(written, out _));
    }
}
