using IrohActors.Blake3;

namespace IrohActors.Collections.Index;

/// <summary>
/// The value under one name in the index: the (collection, link hash) pairs of the collections holding that name.
/// Almost every name belongs to one collection, so the first pair is held inline (no allocation); further ones go
/// to a small list. Collections are numbered by the actor to keep a pair at 36 bytes.
/// </summary>
internal struct NameLinks
{
    private int _firstCollection;
    private Hash _firstLink;
    private List<(int Collection, Hash Link)>? _others;

    /// <summary>Number of collections holding the name.</summary>
    public readonly int Count => 1 + (_others?.Count ?? 0);

    /// <summary>One of the pairs (the only one when <see cref="Count"/> is 1).</summary>
    public readonly (int Collection, Hash Link) First => (_firstCollection, _firstLink);

    /// <summary>The value for a name held by one collection.</summary>
    public static NameLinks Of(int collection, Hash link) => new() { _firstCollection = collection, _firstLink = link };

    /// <summary>Records that <paramref name="collection"/> links the name to <paramref name="link"/> (replacing its earlier pair).</summary>
    public void Add(int collection, Hash link)
    {
        if (_firstCollection == collection)
        {
            _firstLink = link;
            return;
        }
        _others ??= new List<(int, Hash)>(1);
        for (int i = 0; i < _others.Count; i++)
        {
            if (_others[i].Collection == collection)
            {
                _others[i] = (collection, link);
                return;
            }
        }
        _others.Add((collection, link));
    }

    /// <summary>
    /// Drops the pair of <paramref name="collection"/>; returns false if it had none. <paramref name="nowEmpty"/> is
    /// true when that was the last pair (the caller then removes the name; the value is not changed).
    /// </summary>
    public bool Remove(int collection, out bool nowEmpty)
    {
        nowEmpty = false;
        if (_firstCollection == collection)
        {
            if (_others is not { Count: > 0 })
            {
                nowEmpty = true;
                return true;
            }
            (_firstCollection, _firstLink) = _others[^1];
            _others.RemoveAt(_others.Count - 1);
            return true;
        }
        if (_others is null)
            return false;
        for (int i = 0; i < _others.Count; i++)
        {
            if (_others[i].Collection == collection)
            {
                _others.RemoveAt(i);
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether <paramref name="collection"/> holds the name.</summary>
    public readonly bool Contains(int collection) =>
        _firstCollection == collection || (_others?.Exists(p => p.Collection == collection) ?? false);

    /// <summary>Every pair (unordered).</summary>
    public readonly IEnumerable<(int Collection, Hash Link)> Pairs()
    {
        yield return (_firstCollection, _firstLink);
        if (_others is not null)
            foreach (var pair in _others)
                yield return pair;
    }
}
