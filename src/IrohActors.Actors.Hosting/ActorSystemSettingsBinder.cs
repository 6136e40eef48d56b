using System.Globalization;
using IrohActors.Hocon;
using Microsoft.Extensions.Configuration;

namespace IrohActors.Actors.Hosting;

/// <summary>
/// Maps the <c>akka</c> section of a .NET configuration (HOCON files, environment variables and command-line
/// overrides composed the usual way) onto <see cref="ActorSystemSettings"/>. A key that is absent keeps the
/// kernel's default; a key whose value is malformed fails with an error naming the key and the value.
/// </summary>
public static class ActorSystemSettingsBinder
{
    /// <summary>Every configuration key this binder reads, relative to the configuration root.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "akka:actor:default-dispatcher:throughput",
        "akka:actor:default-mailbox:mailbox-type",
        "akka:actor:default-mailbox:mailbox-capacity",
        "akka:actor:default-mailbox:overflow-policy",
        "akka:actor:default-mailbox:stash-capacity",
        "akka:actor:ask-timeout",
        "akka:coordinated-shutdown:default-phase-timeout",
        "akka:log-dead-letters",
        "akka:log-dead-letters-during-shutdown",
        "akka:test:single-expect-default",
        "akka:test:timefactor",
        "akka:test:default-timeout",
    ];

    /// <summary>Reads the settings, starting from <paramref name="baseline"/> (default: the kernel's defaults).</summary>
    public static ActorSystemSettings Bind(IConfiguration configuration, ActorSystemSettings? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var s = baseline ?? ActorSystemSettings.Default;
        var reader = new Reader(configuration);

        var mailbox = s.DefaultMailbox;
        var kind = reader.String("akka:actor:default-mailbox:mailbox-type");
        var capacity = reader.Int("akka:actor:default-mailbox:mailbox-capacity");
        var overflow = reader.Enum<MailboxOverflowPolicy>("akka:actor:default-mailbox:overflow-policy");
        switch (kind?.ToLowerInvariant())
        {
            case null:
                break;
            case "unbounded":
                mailbox = MailboxSettings.Unbounded;
                break;
            case "bounded":
                mailbox = MailboxSettings.Bounded(capacity ?? 1000, overflow ?? MailboxOverflowPolicy.DropNewest);
                break;
            default:
                throw reader.Bad("akka:actor:default-mailbox:mailbox-type", kind, "'bounded' or 'unbounded'");
        }

        return s with
        {
            Throughput = reader.Int("akka:actor:default-dispatcher:throughput") ?? s.Throughput,
            DefaultMailbox = mailbox,
            StashCapacity = reader.Int("akka:actor:default-mailbox:stash-capacity") ?? s.StashCapacity,
            AskTimeout = reader.Duration("akka:actor:ask-timeout") ?? s.AskTimeout,
            CoordinatedShutdownTimeout = reader.Duration("akka:coordinated-shutdown:default-phase-timeout") ?? s.CoordinatedShutdownTimeout,
            LogDeadLetters = reader.DeadLetterLimit("akka:log-dead-letters") ?? s.LogDeadLetters,
            LogDeadLettersDuringShutdown = reader.Bool("akka:log-dead-letters-during-shutdown") ?? s.LogDeadLettersDuringShutdown,
            TestSingleExpectDefault = reader.Duration("akka:test:single-expect-default") ?? s.TestSingleExpectDefault,
            TestTimeFactor = reader.Double("akka:test:timefactor") ?? s.TestTimeFactor,
            TestDefaultTimeout = reader.Duration("akka:test:default-timeout") ?? s.TestDefaultTimeout,
        };
    }

    /// <summary>Reads the settings from a HOCON <see cref="Config"/> (e.g. <see cref="HoconConfig.Load"/>).</summary>
    public static ActorSystemSettings Bind(Config config, ActorSystemSettings? baseline = null) =>
        Bind(new ConfigurationBuilder().AddHoconConfig(config).Build(), baseline);

    private readonly struct Reader(IConfiguration configuration)
    {
        public string? String(string key) => configuration[key] is { Length: > 0 } v ? v.Trim() : null;

        public int? Int(string key) => String(key) is { } v
            ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw Bad(key, v, "a whole number")
            : null;

        public double? Double(string key) => String(key) is { } v
            ? double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Bad(key, v, "a number")
            : null;

        public bool? Bool(string key) => String(key) is { } v
            ? v.ToLowerInvariant() switch
            {
                "on" or "true" or "yes" => true,
                "off" or "false" or "no" => false,
                _ => throw Bad(key, v, "on/off, true/false or yes/no"),
            }
            : null;

        public TimeSpan? Duration(string key) => String(key) is { } v
            ? HoconDuration.TryParse(v, out var t) ? t : throw Bad(key, v, "a duration such as 5s, 250ms or infinite")
            : null;

        public TEnum? Enum<TEnum>(string key) where TEnum : struct, Enum => String(key) is { } v
            ? System.Enum.TryParse<TEnum>(v.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var e) && System.Enum.IsDefined(e)
                ? e
                : throw Bad(key, v, string.Join(", ", System.Enum.GetNames<TEnum>()))
            : null;

        /// <summary>Akka's <c>log-dead-letters</c> takes a count or on/off (on = 10).</summary>
        public int? DeadLetterLimit(string key) => String(key) is { } v
            ? v.ToLowerInvariant() switch
            {
                "off" or "false" or "no" => 0,
                "on" or "true" or "yes" => 10,
                _ => Int(key),
            }
            : null;

        public FormatException Bad(string key, string value, string expected) =>
            new($"configuration key '{key.Replace(':', '.')}' has the value '{value}'; expected {expected}");
    }
}
