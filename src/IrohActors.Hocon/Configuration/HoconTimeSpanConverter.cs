using System.ComponentModel;
using System.Globalization;

namespace IrohActors.Hocon;

/// <summary>
/// A <see cref="TimeSpan"/> converter that reads HOCON durations (<c>5s</c>, <c>250 ms</c>; a bare number is
/// milliseconds) and otherwise the usual <c>hh:mm:ss</c> forms, so options bound from HOCON get their durations.
/// </summary>
public sealed class HoconTimeSpanConverter : TimeSpanConverter
{
    private static int _registered;

    /// <summary>
    /// Makes this the converter of <see cref="TimeSpan"/> for the whole process (used by the configuration
    /// binder). Idempotent. Note that a bare number then means milliseconds, as in HOCON, not days.
    /// </summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
            TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(HoconTimeSpanConverter)));
    }

    /// <inheritdoc />
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value)
    {
        if (value is string s && HoconDuration.TryParse(s, out var duration))
            return duration;
        return base.ConvertFrom(context, culture, value);
    }
}
