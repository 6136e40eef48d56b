namespace IrohActors.Hocon;

/// <summary>
/// Flattens a resolved tree into <c>IConfiguration</c> keys: <c>a:b:c</c> for objects, <c>a:0</c>, <c>a:1</c> for
/// arrays; scalars as their text, <c>null</c> as a null value, empty objects and arrays as a null-valued key.
/// </summary>
internal static class HoconFlattener
{
    public static Dictionary<string, string?> Flatten(HoconObject root)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in root.Keys)
            Visit(data, key, root.Fields[key]);
        return data;
    }

    private static void Visit(Dictionary<string, string?> data, string path, HoconValue value)
    {
        switch (value)
        {
            case HoconObject o:
                if (o.Count == 0)
                    data[path] = null;
                foreach (var key in o.Keys)
                    Visit(data, path + ":" + key, o.Fields[key]);
                break;
            case HoconArray a:
                if (a.Items.Count == 0)
                    data[path] = null;
                for (var i = 0; i < a.Items.Count; i++)
                    Visit(data, path + ":" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Items[i]);
                break;
            case HoconScalar { Type: HoconValueType.Null }:
                data[path] = null;
                break;
            case HoconScalar s:
                data[path] = s.Text;
                break;
        }
    }
}
