namespace IrohActors.Hocon;

/// <summary>
/// Memory sizes per the HOCON spec: a number, optional whitespace and a unit; a bare number is bytes.
/// Powers of ten: <c>kB MB GB TB PB EB ZB YB</c> (and <c>kilobyte</c>…); powers of two: <c>K k Ki KiB</c>,
/// <c>M m Mi MiB</c>… (and <c>kibibyte</c>…). So <c>16 KiB</c> = 16384 and <c>16kB</c> = 16000.
/// Fractions are truncated to whole bytes.
/// </summary>
public static class HoconSize
{
    private static readonly Dictionary<string, decimal> BytesPerUnit = Build();

    /// <summary>Parses a size in bytes; throws <see cref="FormatException"/> naming the value and the problem.</summary>
    public static long Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParse(text, out var result, out var error))
            return result;
        throw new FormatException(error);
    }

    /// <summary>Parses a size in bytes; false (and no exception) when <paramref name="text"/> is not one.</summary>
    public static bool TryParse(string? text, out long bytes) => TryParse(text, out bytes, out _);

    internal static bool TryParse(string? text, out long bytes, out string error)
    {
        bytes = 0;
        if (text is null)
        {
            error = "a size is required, found null";
            return false;
        }
        if (!UnitText.TrySplit(text, out var number, out var unit))
        {
            error = $"'{text}' is not a size: expected a number followed by an optional unit such as 16 KiB or 1MB";
            return false;
        }
        var multiplier = 1m;
        if (unit.Length > 0 && !BytesPerUnit.TryGetValue(unit, out multiplier))
        {
            error = $"'{text}' has an unknown size unit '{unit}' (expected B, kB, KiB, K, MB, MiB, M, … or long forms such as kibibytes)";
            return false;
        }
        try
        {
            var value = decimal.Truncate(number * multiplier);
            if (value > long.MaxValue || value < long.MinValue)
                throw new OverflowException();
            bytes = (long)value;
        }
        catch (OverflowException)
        {
            error = $"size '{text}' does not fit in 64 bits";
            return false;
        }
        error = "";
        return true;
    }

    private static Dictionary<string, decimal> Build()
    {
        var table = new Dictionary<string, decimal>(StringComparer.Ordinal);
        void Add(decimal bytes, params string[] names)
        {
            foreach (var n in names)
                table[n] = bytes;
        }
        Add(1m, "B", "b", "byte", "bytes");
        string[] decimalPrefixes = ["kilo", "mega", "giga", "tera", "peta", "exa", "zetta", "yotta"];
        string[] binaryPrefixes = ["kibi", "mebi", "gibi", "tebi", "pebi", "exbi", "zebi", "yobi"];
        const string letters = "KMGTPEZY";
        decimal power10 = 1m, power2 = 1m;
        for (var i = 0; i < letters.Length; i++)
        {
            power10 *= 1000m;
            power2 *= 1024m;
            var upper = letters[i].ToString();
            var lower = upper.ToLowerInvariant();
            Add(power10, (i == 0 ? "k" : upper) + "B", decimalPrefixes[i] + "byte", decimalPrefixes[i] + "bytes");
            Add(power2, upper, lower, upper + "i", upper + "iB", binaryPrefixes[i] + "byte", binaryPrefixes[i] + "bytes");
        }
        return table;
    }
}
