using System.Text.Json;

namespace IrohActors.Hocon.Tests;

/// <summary>Structural JSON comparison: objects unordered, numbers by value (System.Text.Json as the independent reader).</summary>
internal static class JsonTree
{
    public static void AssertEqual(string expectedJson, string actualJson, string context)
    {
        using var expected = JsonDocument.Parse(expectedJson);
        using var actual = JsonDocument.Parse(actualJson);
        var difference = Compare(expected.RootElement, actual.RootElement, "$");
        Assert.True(difference is null, $"{context}: {difference}\nexpected: {expectedJson}\nactual:   {actualJson}");
    }

    private static string? Compare(JsonElement e, JsonElement a, string path)
    {
        if (e.ValueKind != a.ValueKind)
            return $"{path}: expected {e.ValueKind} {e.GetRawText()}, got {a.ValueKind} {a.GetRawText()}";
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var eProps = e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
                var aProps = a.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
                foreach (var key in eProps.Keys.Union(aProps.Keys))
                {
                    if (!eProps.TryGetValue(key, out var ev))
                        return $"{path}.{key}: unexpected field";
                    if (!aProps.TryGetValue(key, out var av))
                        return $"{path}.{key}: missing field";
                    if (Compare(ev, av, $"{path}.{key}") is { } d)
                        return d;
                }
                return null;
            case JsonValueKind.Array:
                var ea = e.EnumerateArray().ToList();
                var aa = a.EnumerateArray().ToList();
                if (ea.Count != aa.Count)
                    return $"{path}: expected {ea.Count} elements, got {aa.Count}";
                for (var i = 0; i < ea.Count; i++)
                    if (Compare(ea[i], aa[i], $"{path}[{i}]") is { } d)
                        return d;
                return null;
            case JsonValueKind.Number:
                return e.GetDecimal() == a.GetDecimal() ? null : $"{path}: expected {e.GetRawText()}, got {a.GetRawText()}";
            case JsonValueKind.String:
                return e.GetString() == a.GetString() ? null : $"{path}: expected {e.GetRawText()}, got {a.GetRawText()}";
            default:
                return null;
        }
    }
}
