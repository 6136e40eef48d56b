namespace IrohActors.Hocon;

/// <summary>
/// Durations per the HOCON spec: a number, optional whitespace and a unit (<c>ns us ms s m h d</c> and their
/// long spellings); a bare number is milliseconds. <c>infinite</c> (an Akka extension) is
/// <see cref="Timeout.InfiniteTimeSpan"/>. Results are truncated to whole ticks (100 ns).
/// </summary>
public static class HoconDuration
{
    private static readonly Dictionary<string, decimal> NanosPerUnit = Build();

    /// <summary>Parses a duration; throws <see cref="FormatException"/> naming the value and the accepted units.</summary>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParse(text, out var result, out var error))
            return result;
        throw new FormatException(error);
    }

    /// <summary>Parses a duration; false (and no exception) when <paramref name="text"/> is not one.</summary>
    public static bool TryParse(string? text, out TimeSpan result) => TryParse(text, out result, out _);

    internal static bool TryParse(string? text, out TimeSpan result, out string error)
    {
        result = default;
        if (text is null)
        {
            error = "a duration is required, found null";
            return false;
        }
        if (text.Trim() == "infinite")
        {
            result = Timeout.InfiniteTimeSpan;
            error = "";
            return true;
        }
        if (!UnitText.TrySplit(text, out var number, out var unit))
        {
            error = $"'{text}' is not a duration: expected a number followed by an optional unit such as 250ms or 5 s";
            return false;
        }
        if (unit.Length == 0)
            unit = "ms";
        if (!NanosPerUnit.TryGetValue(unit, out var nanos))
        {
            error = $"'{text}' has an unknown duration unit '{unit}' (expected ns, us, ms, s, m, h, d or their long forms such as seconds)";
            return false;
        }
        try
        {
            var ticks = decimal.Truncate(number * nanos / 100m);
            if (ticks > TimeSpan.MaxValue.Ticks || ticks < TimeSpan.MinValue.Ticks)
                throw new OverflowException();
            result = TimeSpan.FromTicks((long)ticks);
        }
        catch (OverflowException)
        {
            error = $"duration '{text}' is out of range";
            return false;
        }
        error = "";
        return true;
    }

    private static Dictionary<string, decimal> Build()
    {
        var table = new Dictionary<string, decimal>(StringComparer.Ordinal);
        void Add(decimal nanos, params string[] names)
        {
            foreach (var n in names)
                table[n] = nanos;
        }
        Add(1m, "ns", "nano", "nanos", "nanosecond", "nanoseconds");
        Add(1_000m, "us", "micro", "micros", "microsecond", "microseconds");
        Add(1_000_000m, "ms", "milli", "millis", "millisecond", "milliseconds");
        Add(1_000_000_000m, "s", "second", "seconds");
        Add(60m * 1_000_000_000m, "m", "minute", "minutes");
        Add(3600m * 1_000_000_000m, "h", "hour", "hours");
        Add(86400m * 1_000_000_000m, "d", "day", "days");
        return table;
    }
}
