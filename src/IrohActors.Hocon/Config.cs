using System.Globalization;

namespace IrohActors.Hocon;

/// <summary>
/// A parsed configuration with Akka-style typed getters. Substitutions are resolved on first use (or by
/// <see cref="Resolve"/>), after any <see cref="WithFallback"/>, so an application file can refer to and
/// extend (<c>+=</c>) the values of its fallback.
/// </summary>
public sealed class Config
{
    private readonly HoconObject _unresolved;
    private readonly object _gate = new();
    private HoconObject? _resolved;

    internal Config(HoconObject root, bool resolved)
    {
        _unresolved = root;
        if (resolved)
            _resolved = root;
    }

    /// <summary>A configuration without any field.</summary>
    public static Config Empty { get; } = new(HoconObject.Empty(HoconPosition.Unknown("<empty>")), resolved: true);

    /// <summary>The resolved root object (resolving with <see cref="HoconResolveOptions.Default"/> on first use).</summary>
    public HoconObject Root
    {
        get
        {
            if (_resolved is { } r)
                return r;
            lock (_gate)
                return _resolved ??= Resolver.Resolve(_unresolved, HoconResolveOptions.Default);
        }
    }

    /// <summary>True once substitutions have been resolved.</summary>
    public bool IsResolved => _resolved is not null;

    /// <summary>True when the configuration has no field.</summary>
    public bool IsEmpty => _unresolved.Count == 0;

    internal HoconObject UnresolvedRoot => _unresolved;

    /// <summary>Resolves every substitution now (throwing <see cref="HoconResolveException"/> on failure) and returns the resolved config.</summary>
    public Config Resolve(HoconResolveOptions? options = null)
    {
        if (_resolved is { } done && options is null)
            return new Config(done, resolved: true);
        return new Config(Resolver.Resolve(_unresolved, options ?? HoconResolveOptions.Default), resolved: true);
    }

    /// <summary>
    /// This configuration with <paramref name="fallback"/> underneath: for duplicate keys this one wins unless both
    /// values are objects, which merge. Self-references (<c>a = ${a} ...</c>, <c>a += x</c>) here see the fallback's value.
    /// </summary>
    public Config WithFallback(Config fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        if (fallback.IsEmpty)
            return this;
        return new Config((HoconObject)Merging.Merge(fallback._unresolved, _unresolved), resolved: false);
    }

    /// <summary>True if <paramref name="path"/> exists and is not null.</summary>
    public bool HasPath(string path) => Find(path) is { Type: not HoconValueType.Null };

    /// <summary>The resolved value at <paramref name="path"/>, or null when the path is absent.</summary>
    public HoconValue? GetValue(string path) => Find(path);

    /// <summary>The sub-tree at <paramref name="path"/> as a configuration; <see cref="Empty"/> when absent or null.</summary>
    public Config GetConfig(string path)
    {
        var value = Find(path);
        return value switch
        {
            null or { Type: HoconValueType.Null } => Empty,
            HoconObject o => new Config(o, resolved: true),
            _ => throw WrongType(path, value, "an object"),
        };
    }

    /// <summary>The string at <paramref name="path"/> (numbers and booleans as written; null for <c>null</c>).</summary>
    public string? GetString(string path) => ScalarText(path, Require(path), "a string");

    /// <summary>The string at <paramref name="path"/>, or <paramref name="defaultValue"/> when absent.</summary>
    public string? GetString(string path, string? defaultValue) =>
        Find(path) is { } v ? ScalarText(path, v, "a string") : defaultValue;

    /// <summary>The 32-bit integer at <paramref name="path"/> (a number, or a string holding one).</summary>
    public int GetInt(string path) => checked((int)GetLongCore(path, Require(path), "a 32-bit integer"));

    /// <summary>The 32-bit integer at <paramref name="path"/>, or <paramref name="defaultValue"/> when absent.</summary>
    public int GetInt(string path, int defaultValue) =>
        Find(path) is { } v ? checked((int)GetLongCore(path, v, "a 32-bit integer")) : defaultValue;

    /// <summary>The 64-bit integer at <paramref name="path"/>.</summary>
    public long GetLong(string path) => GetLongCore(path, Require(path), "a 64-bit integer");

    /// <summary>The 64-bit integer at <paramref name="path"/>, or <paramref name="defaultValue"/> when absent.</summary>
    public long GetLong(string path, long defaultValue) =>
        Find(path) is { } v ? GetLongCore(path, v, "a 64-bit integer") : defaultValue;

    /// <summary>The floating-point number at <paramref name="path"/>.</summary>
    public double GetDouble(string path) => GetDoubleCore(path, Require(path));

    /// <summary>The floating-point number at <paramref name="path"/>, or <paramref name="defaultValue"/> when absent.</summary>
    public double GetDouble(string path, double defaultValue) => Find(path) is { } v ? GetDoubleCore(path, v) : defaultValue;

    /// <summary>The boolean at <paramref name="path"/>: <c>true yes on</c> / <c>false no off</c> (spec conversions).</summary>
    public bool GetBoolean(string path) => GetBooleanCore(path, Require(path));

    /// <summary>The boolean at <paramref name="path"/>, or <paramref name="defaultValue"/> when absent.</summary>
    public bool GetBoolean(string path, bool defaultValue) => Find(path) is { } v ? GetBooleanCore(path, v) : defaultValue;

    /// <summary>The duration at <paramref name="path"/> (<see cref="HoconDuration"/>; a bare number is milliseconds).</summary>
    public TimeSpan GetTimeSpan(string path) => GetTimeSpanCore(path, Require(path));

    /// <summary>The duration at <paramref name="path"/>, or <paramref name="defaultValue"/> when absent.</summary>
    public TimeSpan GetTimeSpan(string path, TimeSpan defaultValue) => Find(path) is { } v ? GetTimeSpanCore(path, v) : defaultValue;

    /// <summary>The size in bytes at <paramref name="path"/> (<see cref="HoconSize"/>; a bare number is bytes).</summary>
    public long GetByteSize(string path) => GetByteSizeCore(path, Require(path));

    /// <summary>The size in bytes at <paramref name="path"/>, or <paramref name="defaultValue"/> when absent.</summary>
    public long GetByteSize(string path, long defaultValue) => Find(path) is { } v ? GetByteSizeCore(path, v) : defaultValue;

    /// <summary>The list of strings at <paramref name="path"/> (an array, or an object with keys 0, 1, …).</summary>
    public IReadOnlyList<string> GetStringList(string path)
    {
        var items = ListItems(path, Require(path));
        return items.Select(i => ScalarText(path, i, "a string") ?? "null").ToList();
    }

    /// <summary>The objects in the array at <paramref name="path"/>, each as a configuration.</summary>
    public IReadOnlyList<Config> GetConfigList(string path) =>
        ListItems(path, Require(path)).Select(i => i is HoconObject o ? new Config(o, resolved: true) : throw WrongType(path, i, "an array of objects")).ToList();

    /// <summary>The resolved configuration as canonical JSON (keys sorted, compact).</summary>
    public string ToJson() => Root.ToJson();

    /// <inheritdoc />
    public override string ToString() => ToJson();

    private HoconValue? Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = KeyPath.Parse(path, new HoconPosition("<path>", 1, 1));
        HoconValue node = Root;
        foreach (var s in segments)
        {
            if (node is not HoconObject o || !o.TryGetValue(s, out var child))
                return null;
            node = child;
        }
        return node;
    }

    private HoconValue Require(string path)
    {
        if (Find(path) is { } v)
            return v;
        throw new HoconValueException(path, $"no configuration value at path '{path}'", Root.Position);
    }

    private static HoconValueException WrongType(string path, HoconValue value, string expected) =>
        new(path, $"'{path}' is {Describe(value)}, expected {expected}", value.Position);

    private static string Describe(HoconValue value) => value switch
    {
        HoconObject => "an object",
        HoconArray => "an array",
        HoconScalar { Type: HoconValueType.Null } => "null",
        HoconScalar s => $"the {s.Type.ToString().ToLowerInvariant()} '{s.Text}'",
        _ => "unresolved",
    };

    private static string? ScalarText(string path, HoconValue value, string expected) => value switch
    {
        HoconScalar { Type: HoconValueType.Null } => null,
        HoconScalar s => s.Text,
        _ => throw WrongType(path, value, expected),
    };

    private static string RequireText(string path, HoconValue value, string expected) =>
        value is HoconScalar { Type: not HoconValueType.Null } s ? s.Text : throw WrongType(path, value, expected);

    private static long GetLongCore(string path, HoconValue value, string expected)
    {
        var text = RequireText(path, value, expected);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return l;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d)
            && d >= long.MinValue && d <= long.MaxValue)
            return (long)d;
        throw WrongType(path, value, expected);
    }

    private static double GetDoubleCore(string path, HoconValue value)
    {
        var text = RequireText(path, value, "a number");
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw WrongType(path, value, "a number");
    }

    private static bool GetBooleanCore(string path, HoconValue value) => RequireText(path, value, "a boolean") switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        _ => throw WrongType(path, value, "a boolean (true/yes/on or false/no/off)"),
    };

    private static TimeSpan GetTimeSpanCore(string path, HoconValue value)
    {
        var text = RequireText(path, value, "a duration");
        return HoconDuration.TryParse(text, out var result, out var error)
            ? result
            : throw new HoconValueException(path, $"bad duration at '{path}': {error}", value.Position);
    }

    private static long GetByteSizeCore(string path, HoconValue value)
    {
        var text = RequireText(path, value, "a size in bytes");
        return HoconSize.TryParse(text, out var result, out var error)
            ? result
            : throw new HoconValueException(path, $"bad size at '{path}': {error}", value.Position);
    }

    private static IReadOnlyList<HoconValue> ListItems(string path, HoconValue value)
    {
        if (value is HoconArray a)
            return a.Items;
        // The spec lets an object with numeric keys stand for an array (e.g. from .properties files).
        if (value is HoconObject o)
        {
            var numbered = new List<(int Index, HoconValue Value)>();
            foreach (var key in o.Keys)
                if (int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                    numbered.Add((index, o.Fields[key]));
            if (numbered.Count > 0 || o.Count == 0)
                return numbered.OrderBy(n => n.Index).Select(n => n.Value).ToList();
        }
        throw WrongType(path, value, "an array");
    }
}
