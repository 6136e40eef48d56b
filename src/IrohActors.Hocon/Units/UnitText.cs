using System.Globalization;

namespace IrohActors.Hocon;

/// <summary>Splits "<c>16 KiB</c>" into its number and unit (whitespace between them allowed).</summary>
internal static class UnitText
{
    public static bool TrySplit(string text, out decimal number, out string unit)
    {
        var s = text.Trim();
        var end = s.Length;
        while (end > 0 && char.IsAsciiLetter(s[end - 1]))
            end--;
        unit = s[end..];
        var numberText = s[..end].TrimEnd();
        // Exponents like 1e3 would be eaten as a unit letter; HOCON unit values are plain decimals.
        return decimal.TryParse(numberText, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
            CultureInfo.InvariantCulture, out number) && numberText.Length > 0;
    }
}
