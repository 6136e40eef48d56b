namespace IrohActors.Hocon;

/// <summary>
/// The duplicate-key rule of the spec, used for repeated fields, includes, object concatenation and
/// <see cref="Config.WithFallback"/>: the newer value wins unless both are objects, which merge field by field.
/// Inputs are never modified.
/// </summary>
internal static class Merging
{
    /// <summary>Merges <paramref name="newer"/> over <paramref name="older"/> (either may be unresolved).</summary>
    public static HoconValue Merge(HoconValue? older, HoconValue newer)
    {
        newer = WithPrior(newer, older);
        if (older is null)
            return newer;
        if (newer is HoconObject no && older is HoconObject oo)
            return MergeObjects(oo, no);
        if (newer.IsConcrete && (newer is not HoconObject || older.IsConcrete))
            return newer;
        // One side is unresolved: decide after resolution.
        var layers = older is HoconDelayedMerge dm ? new List<HoconValue>(dm.Layers) : [older];
        layers.Add(newer);
        return new HoconDelayedMerge(layers, newer.Position);
    }

    public static HoconObject MergeObjects(HoconObject older, HoconObject newer)
    {
        var fields = new OrderedDictionary<string, HoconValue>(older.Count + newer.Count, StringComparer.Ordinal);
        foreach (var key in older.Keys)
            fields[key] = older.Fields[key];
        foreach (var key in newer.Keys)
        {
            var value = newer.Fields[key];
            fields[key] = fields.TryGetValue(key, out var old) ? Merge(old, value) : value;
        }
        return new HoconObject(fields, newer.Position);
    }

    /// <summary>
    /// Gives every self-referential substitution of <paramref name="value"/> that has no earlier value yet
    /// the earlier value <paramref name="older"/>. Objects are not entered: their fields are their own fields
    /// and get their prior when the objects merge.
    /// </summary>
    public static HoconValue WithPrior(HoconValue value, HoconValue? older)
    {
        if (older is null)
            return value;
        switch (value)
        {
            case HoconSubstitution { IsSelfReference: true } s:
                return s.WithPriorValue(s.Prior is null ? older : WithPrior(s.Prior, older));
            case HoconConcatenation c:
            {
                List<ConcatPart>? parts = null;
                for (var i = 0; i < c.Parts.Count; i++)
                {
                    var p = c.Parts[i];
                    if (p.Value is null)
                        continue;
                    var updated = WithPrior(p.Value, older);
                    if (!ReferenceEquals(updated, p.Value))
                    {
                        parts ??= [.. c.Parts];
                        parts[i] = new ConcatPart(updated, null);
                    }
                }
                return parts is null ? c : new HoconConcatenation(parts, c.Position);
            }
            case HoconDelayedMerge m:
            {
                var layers = m.Layers.Select(l => WithPrior(l, older)).ToList();
                return layers.SequenceEqual(m.Layers, ReferenceEqualityComparer.Instance) ? m : new HoconDelayedMerge(layers, m.Position);
            }
            case HoconArray a:
            {
                var items = a.Items.Select(i => WithPrior(i, older)).ToList();
                return items.SequenceEqual(a.Items, ReferenceEqualityComparer.Instance) ? a : new HoconArray(items, a.Position);
            }
            default:
                return value;
        }
    }

    /// <summary>
    /// Joins the parts of a concatenation whose values are all concrete (parts with a null value vanished):
    /// strings join with their whitespace, arrays append, objects merge. Null if every value vanished.
    /// </summary>
    public static HoconValue? Combine(IReadOnlyList<ConcatPart> parts, HoconPosition position)
    {
        var values = parts.Where(p => p.Value is not null).Select(p => p.Value!).ToList();
        if (values.Count == 0)
            return null;
        if (values.Count == 1)
            return values[0];

        var firstComplex = values.FirstOrDefault(v => v is HoconObject or HoconArray);
        if (firstComplex is not null)
        {
            foreach (var v in values)
            {
                if (v.GetType() != firstComplex.GetType())
                    throw new HoconSyntaxException(
                        $"cannot concatenate {Describe(firstComplex)} (at {firstComplex.Position.Line}:{firstComplex.Position.Column}) with {Describe(v)}",
                        v.Position);
            }
            if (firstComplex is HoconArray)
                return new HoconArray(values.SelectMany(v => ((HoconArray)v).Items).ToList(), position);
            var merged = values[0];
            for (var i = 1; i < values.Count; i++)
                merged = Merge(merged, values[i]);
            return merged;
        }

        var sb = new System.Text.StringBuilder();
        var pendingSpace = (string?)null;
        var seenValue = false;
        foreach (var p in parts)
        {
            if (p.Whitespace is not null)
            {
                pendingSpace = p.Whitespace;
                continue;
            }
            if (p.Value is null)
                continue;
            if (seenValue && pendingSpace is not null)
                sb.Append(pendingSpace);
            pendingSpace = null;
            seenValue = true;
            sb.Append(((HoconScalar)p.Value).Text);
        }
        return HoconScalar.String(sb.ToString(), position);
    }

    private static string Describe(HoconValue v) => v switch
    {
        HoconObject => "an object",
        HoconArray => "an array",
        HoconScalar s => $"the {s.Type.ToString().ToLowerInvariant()} '{s.Text}'",
        _ => "a value",
    };
}
