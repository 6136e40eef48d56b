namespace IrohActors.Hocon;

/// <summary>
/// Resolves substitutions of one tree. "Shallow" resolution makes a node concrete at its top (an object's
/// fields may still be unresolved), which is all a path lookup needs; "deep" resolution then walks the
/// result. Both are memoized per node, and a node met again while it is being resolved is a cycle.
/// </summary>
internal sealed class Resolver
{
    private readonly HoconObject _root;
    private readonly HoconResolveOptions _options;
    private readonly Dictionary<HoconValue, HoconValue?> _shallow = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<HoconValue, HoconValue?> _deep = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<HoconValue> _inProgress = new(ReferenceEqualityComparer.Instance);
    private readonly List<HoconSubstitution> _chain = [];

    private Resolver(HoconObject root, HoconResolveOptions options)
    {
        _root = root;
        _options = options;
    }

    /// <summary>Returns <paramref name="root"/> with every substitution, concatenation and pending merge resolved.</summary>
    public static HoconObject Resolve(HoconObject root, HoconResolveOptions options)
    {
        var resolver = new Resolver(root, options);
        return (HoconObject)resolver.Deep(root)!;
    }

    private HoconValue? Deep(HoconValue value)
    {
        if (_deep.TryGetValue(value, out var done))
            return done;
        var shallow = Shallow(value);
        HoconValue? result;
        if (shallow is null || shallow is HoconScalar)
        {
            result = shallow;
        }
        else
        {
            if (_deep.TryGetValue(shallow, out done))
            {
                _deep[value] = done;
                return done;
            }
            if (!_inProgress.Add(shallow))
                throw Cycle(value is HoconSubstitution || _chain.Count == 0 ? value.Position : _chain[^1].Position, "a value contains itself");
            try
            {
                result = shallow switch
                {
                    HoconObject o => DeepObject(o),
                    HoconArray a => DeepArray(a),
                    _ => throw new InvalidOperationException("shallow resolution left an unresolved node"),
                };
            }
            finally
            {
                _inProgress.Remove(shallow);
            }
            _deep[shallow] = result;
        }
        _deep[value] = result;
        return result;
    }

    private HoconObject DeepObject(HoconObject o)
    {
        var fields = new OrderedDictionary<string, HoconValue>(o.Count, StringComparer.Ordinal);
        var changed = false;
        foreach (var key in o.Keys)
        {
            var original = o.Fields[key];
            var resolved = Deep(original);
            if (resolved is null)
            {
                changed = true;
                continue;
            }
            changed |= !ReferenceEquals(resolved, original);
            fields[key] = resolved;
        }
        return changed ? new HoconObject(fields, o.Position) : o;
    }

    private HoconArray DeepArray(HoconArray a)
    {
        var items = new List<HoconValue>(a.Items.Count);
        var changed = false;
        foreach (var item in a.Items)
        {
            var resolved = Deep(item);
            changed |= !ReferenceEquals(resolved, item);
            if (resolved is not null)
                items.Add(resolved);
        }
        return changed ? new HoconArray(items, a.Position) : a;
    }

    /// <summary>Makes the top of <paramref name="value"/> concrete; null when an optional substitution vanished.</summary>
    private HoconValue? Shallow(HoconValue value)
    {
        if (value.IsConcrete)
            return value;
        if (_shallow.TryGetValue(value, out var done))
            return done;
        if (!_inProgress.Add(value))
            throw Cycle(value is HoconSubstitution || _chain.Count == 0 ? value.Position : _chain[^1].Position, "the value depends on itself");
        HoconValue? result;
        try
        {
            result = value switch
            {
                HoconSubstitution s => ResolveSubstitution(s),
                HoconConcatenation c => ResolveConcatenation(c),
                HoconDelayedMerge m => ResolveMerge(m),
                _ => throw new InvalidOperationException($"unknown node {value.GetType().Name}"),
            };
        }
        finally
        {
            _inProgress.Remove(value);
        }
        _shallow[value] = result;
        return result;
    }

    private HoconValue? ResolveSubstitution(HoconSubstitution s)
    {
        _chain.Add(s);
        try
        {
            HoconValue? target;
            if (s.IsSelfReference)
            {
                target = s.Prior is null ? null : Navigate(Shallow(s.Prior), s.Path, s.SelfReferenceDepth);
            }
            else
            {
                target = Navigate(_root, s.Path, 0);
                if (target is null && s.FallbackPath is not null)
                    target = Navigate(_root, s.FallbackPath, 0);
            }
            if (target is not null)
                return target;

            if (_options.UseEnvironment)
            {
                var lookup = _options.EnvironmentLookup ?? Environment.GetEnvironmentVariable;
                var env = lookup(s.Expression);
                if (env is not null)
                    return HoconScalar.String(env, s.Position);
            }
            if (s.Optional)
                return null;
            throw new HoconResolveException(
                $"unresolved substitution {s.Display}: no such path in the configuration{(_options.UseEnvironment ? " and no such environment variable" : "")}",
                s.Position);
        }
        finally
        {
            _chain.RemoveAt(_chain.Count - 1);
        }
    }

    /// <summary>Follows <paramref name="path"/> from index <paramref name="from"/>; null if absent or vanished.</summary>
    private HoconValue? Navigate(HoconValue? node, IReadOnlyList<string> path, int from)
    {
        for (var i = from; i < path.Count; i++)
        {
            if (node is not HoconObject o || !o.TryGetValue(path[i], out var child))
                return null;
            node = Shallow(child);
        }
        return node;
    }

    private HoconValue? ResolveConcatenation(HoconConcatenation c)
    {
        var parts = new List<ConcatPart>(c.Parts.Count);
        foreach (var p in c.Parts)
            parts.Add(p.Value is null ? p : new ConcatPart(Shallow(p.Value), null));
        return Merging.Combine(parts, c.Position);
    }

    private HoconValue? ResolveMerge(HoconDelayedMerge m)
    {
        HoconObject? merged = null;
        for (var i = m.Layers.Count - 1; i >= 0; i--)
        {
            var layer = Shallow(m.Layers[i]);
            if (layer is null)
                continue; // an optional substitution vanished: the earlier value stays
            if (layer is HoconObject o)
            {
                merged = merged is null ? o : Merging.MergeObjects(o, merged);
                continue;
            }
            if (merged is null)
                return layer;
            break; // a non-object hides everything older than it
        }
        return merged;
    }

    private HoconCycleException Cycle(HoconPosition at, string what)
    {
        var chain = _chain.Count == 0
            ? ""
            : " via " + string.Join(" -> ", _chain.Select(s => $"{s.Display} ({s.Position})"));
        return new HoconCycleException($"cyclic substitution: {what}{chain}", at);
    }
}
