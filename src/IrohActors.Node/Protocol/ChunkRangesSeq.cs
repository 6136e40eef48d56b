using IrohActors.Bao;

namespace IrohActors.Node.Protocol;

/// <summary>
/// The chunk ranges wanted of a sequence of blobs (iroh-blobs' <c>ChunkRangesSeq</c>): run-length encoded as
/// (offset, ranges) entries, each holding until the next offset. For a Get, offset 0 is the root blob and
/// offsets 1.. the collection's children in link order; for a GetMany, offsets index the hashes. If the last
/// entry is non-empty it repeats forever, which asks for "every child" without knowing how many there are.
/// </summary>
public sealed class ChunkRangesSeq : IEquatable<ChunkRangesSeq>
{
    private readonly (ulong Offset, ChunkRanges Ranges)[] _entries;

    private ChunkRangesSeq((ulong Offset, ChunkRanges Ranges)[] entries) => _entries = entries;

    /// <summary>The canonical entries: offsets strictly increasing from 0, adjacent ranges different.</summary>
    public IReadOnlyList<(ulong Offset, ChunkRanges Ranges)> Entries => _entries;

    /// <summary>Nothing at all.</summary>
    public static ChunkRangesSeq Empty { get; } = new([]);

    /// <summary>Everything: the root and every child, completely (iroh's <c>GetRequest::all</c>).</summary>
    public static ChunkRangesSeq All { get; } = new([(0, ChunkRanges.All)]);

    /// <summary>True when the last entry is non-empty and therefore repeats for every further offset.</summary>
    public bool IsInfinite => _entries.Length > 0 && !_entries[^1].Ranges.IsEmpty;

    /// <summary>True when no offset selects anything.</summary>
    public bool IsEmpty => _entries.Length == 0;

    /// <summary>True when only offset 0 can select anything (a single-blob request).</summary>
    public bool IsSingleBlob => !IsInfinite && _entries.All(e => e.Offset == 0 || e.Ranges.IsEmpty);

    /// <summary>The ranges at <paramref name="offset"/>.</summary>
    public ChunkRanges this[ulong offset]
    {
        get
        {
            var result = ChunkRanges.Empty;
            foreach (var (o, r) in _entries)
            {
                if (o > offset)
                    break;
                result = r;
            }
            return result;
        }
    }

    /// <summary>One past the last offset that selects anything, or null when infinite.</summary>
    public ulong? End
    {
        get
        {
            if (IsInfinite)
                return null;
            return _entries.Length == 0 ? 0 : _entries[^1].Offset;
        }
    }

    /// <summary>Only offset 0 (iroh's <c>GetRequest::blob</c> uses <see cref="ChunkRanges.All"/>).</summary>
    public static ChunkRangesSeq Single(ChunkRanges ranges) => FromRanges([ranges]);

    /// <summary>The listed ranges for offsets 0, 1, …, nothing afterwards.</summary>
    public static ChunkRangesSeq FromRanges(IEnumerable<ChunkRanges> ranges) => Build(ranges, infinite: false);

    /// <summary>The listed ranges for offsets 0, 1, …; the last one repeats forever.</summary>
    public static ChunkRangesSeq FromRangesInfinite(IEnumerable<ChunkRanges> ranges) => Build(ranges, infinite: true);

    /// <summary>Builds from raw (offset, ranges) entries as read off the wire; canonicalises them.</summary>
    /// <exception cref="ArgumentException">Offsets do not increase.</exception>
    public static ChunkRangesSeq FromEntries(IEnumerable<(ulong Offset, ChunkRanges Ranges)> entries)
    {
        var list = new List<(ulong, ChunkRanges)>();
        ulong? last = null;
        foreach (var (offset, ranges) in entries)
        {
            if (last is { } l && offset <= l)
                throw new ArgumentException($"offset {offset} does not increase over {l}", nameof(entries));
            last = offset;
            Append(list, offset, ranges);
        }
        return Canonical(list);
    }

    private static ChunkRangesSeq Build(IEnumerable<ChunkRanges> ranges, bool infinite)
    {
        var list = new List<(ulong, ChunkRanges)>();
        ulong offset = 0;
        foreach (var r in ranges)
            Append(list, offset++, r);
        if (!infinite)
            Append(list, offset, ChunkRanges.Empty);
        return Canonical(list);
    }

    private static void Append(List<(ulong Offset, ChunkRanges Ranges)> list, ulong offset, ChunkRanges ranges)
    {
        // Before the first entry nothing is selected, so a leading empty entry is dropped (as iroh does).
        if (list.Count == 0 ? ranges.IsEmpty : list[^1].Ranges == ranges)
            return;
        list.Add((offset, ranges));
    }

    private static ChunkRangesSeq Canonical(List<(ulong Offset, ChunkRanges Ranges)> list)
    {
        return list.Count == 0 ? Empty : new ChunkRangesSeq([.. list]);
    }

    /// <inheritdoc />
    public bool Equals(ChunkRangesSeq? other) => other is not null && _entries.AsSpan().SequenceEqual(other._entries);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ChunkRangesSeq);

    /// <inheritdoc />
    public override int GetHashCode() => _entries.Length == 0 ? 0 : HashCode.Combine(_entries.Length, _entries[0], _entries[^1]);

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", _entries.Select(e => $"{e.Offset}: [{e.Ranges}]")) + (IsInfinite ? " …" : "");
}
