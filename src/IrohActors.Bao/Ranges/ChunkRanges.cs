using System.Globalization;
using System.Text;

namespace IrohActors.Bao;

/// <summary>
/// An immutable set of disjoint, half-open chunk ranges, stored as sorted boundaries that alternate
/// start/end; an odd number of boundaries means the last range is open-ended (bao-tree's <c>ChunkRanges</c>).
/// </summary>
public readonly struct ChunkRanges : IEquatable<ChunkRanges>
{
    private readonly ulong[]? _boundaries;

    private ChunkRanges(ulong[] boundaries) => _boundaries = boundaries.Length == 0 ? null : boundaries;

    /// <summary>The sorted boundaries; odd length means open-ended.</summary>
    public ReadOnlySpan<ulong> Boundaries => _boundaries;

    /// <summary>The empty set.</summary>
    public static ChunkRanges Empty => default;

    /// <summary>Every chunk: <c>0..</c>.</summary>
    public static ChunkRanges All => new([0]);

    /// <summary>The last chunk of any blob (<c>u64::MAX..</c> truncates to it): a request for a size proof.</summary>
    public static ChunkRanges LastChunk => new([ulong.MaxValue]);

    /// <summary>True if no chunk is in the set.</summary>
    public bool IsEmpty => _boundaries is null;

    /// <summary>True if the set is <c>0..</c>.</summary>
    public bool IsAll => _boundaries is [0];

    /// <summary>True if the last range is open-ended.</summary>
    public bool IsOpenEnded => (Boundaries.Length & 1) == 1;

    /// <summary>The chunks <paramref name="start"/>..<paramref name="end"/> (end exclusive).</summary>
    public static ChunkRanges Range(ulong start, ulong end) => end <= start ? Empty : new([start, end]);

    /// <summary>The single chunk <paramref name="chunk"/>.</summary>
    public static ChunkRanges Chunk(ulong chunk) => chunk == ulong.MaxValue ? new([chunk]) : Range(chunk, chunk + 1);

    /// <summary>The open range <paramref name="start"/>..</summary>
    public static ChunkRanges From(ulong start) => new([start]);

    /// <summary>The chunks touched by the bytes <paramref name="start"/>..<paramref name="end"/>: start rounded down, end rounded up.</summary>
    public static ChunkRanges Bytes(ulong start, ulong end) =>
        end <= start ? Empty : Range(ChunkNum.FullChunks(start).Value, ChunkNum.Chunks(end).Value);

    /// <summary>The chunks touched by the bytes from <paramref name="start"/> to the end.</summary>
    public static ChunkRanges BytesFrom(ulong start) => From(ChunkNum.FullChunks(start).Value);

    /// <summary>Builds a set from boundaries that must be strictly increasing.</summary>
    /// <exception cref="ArgumentException">The boundaries are not strictly increasing.</exception>
    public static ChunkRanges FromBoundaries(ReadOnlySpan<ulong> boundaries)
    {
        for (var i = 1; i < boundaries.Length; i++)
            if (boundaries[i] <= boundaries[i - 1])
                throw new ArgumentException($"boundary {i} ({boundaries[i]}) is not above boundary {i - 1} ({boundaries[i - 1]})", nameof(boundaries));
        return new ChunkRanges(boundaries.ToArray());
    }

    /// <summary>True if <paramref name="chunk"/> is in the set.</summary>
    public bool Contains(ulong chunk) => (UpperBound(Boundaries, chunk) & 1) == 1;

    /// <summary>True if the set has a chunk in <paramref name="start"/>..<paramref name="end"/> (<see cref="ulong.MaxValue"/> end = unbounded).</summary>
    public bool Intersects(ulong start, ulong end)
    {
        var b = Boundaries;
        var i = UpperBound(b, start);
        if ((i & 1) == 1)
            return true;
        return i < b.Length && (end == ulong.MaxValue || b[i] < end);
    }

    /// <summary>True if every chunk of <paramref name="start"/>..<paramref name="end"/> is in the set (<see cref="ulong.MaxValue"/> end = unbounded).</summary>
    public bool Covers(ulong start, ulong end)
    {
        var b = Boundaries;
        var i = UpperBound(b, start);
        if ((i & 1) == 0)
            return false;
        return i == b.Length || (end != ulong.MaxValue && b[i] >= end);
    }

    /// <summary>Chunks in either set.</summary>
    public ChunkRanges Union(ChunkRanges other) => Combine(this, other, static (a, b) => a | b);

    /// <summary>Chunks in both sets.</summary>
    public ChunkRanges Intersect(ChunkRanges other) => Combine(this, other, static (a, b) => a & b);

    /// <summary>Chunks in this set but not in <paramref name="other"/>.</summary>
    public ChunkRanges Except(ChunkRanges other) => Combine(this, other, static (a, b) => a & !b);

    /// <summary>Chunks in exactly one of the sets.</summary>
    public ChunkRanges SymmetricExcept(ChunkRanges other) => Combine(this, other, static (a, b) => a ^ b);

    /// <summary>True if every chunk of this set is in <paramref name="other"/>.</summary>
    public bool IsSubsetOf(ChunkRanges other) => Except(other).IsEmpty;

    /// <summary>Union.</summary>
    public static ChunkRanges operator |(ChunkRanges a, ChunkRanges b) => a.Union(b);

    /// <summary>Intersection.</summary>
    public static ChunkRanges operator &(ChunkRanges a, ChunkRanges b) => a.Intersect(b);

    /// <summary>Difference.</summary>
    public static ChunkRanges operator -(ChunkRanges a, ChunkRanges b) => a.Except(b);

    /// <summary>
    /// Canonicalises a request against a blob of <paramref name="size"/> bytes (bao-tree's <c>truncate_ranges</c>):
    /// anything at or past the last chunk becomes an open range that includes the last chunk, which proves the size.
    /// </summary>
    public ChunkRanges Truncate(ulong size)
    {
        var b = Boundaries;
        var chunks = ChunkNum.Chunks(size).Value;
        var lastChunk = chunks == 0 ? 0 : chunks - 1;
        var index = b.BinarySearch(lastChunk);
        int keep;
        if (index >= 0)
            keep = (index & 1) == 0 ? index + 1 : (b.Length == index + 1 ? index + 1 : index);
        else
        {
            var ip = ~index;
            keep = (ip & 1) == 0 ? (b.Length == ip ? ip : ip + 1) : ip;
        }
        return keep == b.Length ? this : new ChunkRanges(b[..keep].ToArray());
    }

    /// <summary>Widens every range to whole chunk groups.</summary>
    public ChunkRanges RoundUpToGroups(BlockSize blockSize)
    {
        var g = blockSize.Chunks;
        var b = Boundaries;
        var result = new List<ulong>(b.Length);
        for (var i = 0; i < b.Length; i++)
            result.Add((i & 1) == 0 ? b[i] / g * g : SaturatingRoundUp(b[i], g));
        return Normalize(result);
    }

    /// <summary>Shrinks every range to the whole chunk groups inside it (what can be proven with group-level outboards).</summary>
    public ChunkRanges FullGroups(BlockSize blockSize)
    {
        var g = blockSize.Chunks;
        var b = Boundaries;
        var result = new List<ulong>(b.Length);
        for (var i = 0; i < b.Length; i += 2)
        {
            var start = SaturatingRoundUp(b[i], g);
            if (i + 1 == b.Length)
            {
                result.Add(start);
                break;
            }
            var end = b[i + 1] / g * g;
            if (end > start)
            {
                result.Add(start);
                result.Add(end);
            }
        }
        return Normalize(result);
    }

    /// <summary>The ranges as (start, end) pairs; an open-ended last range has a null end.</summary>
    public IEnumerable<(ulong Start, ulong? End)> Ranges()
    {
        var b = _boundaries ?? [];
        for (var i = 0; i < b.Length; i += 2)
            yield return (b[i], i + 1 < b.Length ? b[i + 1] : null);
    }

    /// <summary>Parses the <see cref="ToString"/> form: <c>"0..5, 7.."</c>; an empty string is the empty set.</summary>
    /// <exception cref="FormatException">The text is not a valid range list; the message gives the offset.</exception>
    public static ChunkRanges Parse(string text)
    {
        var result = Empty;
        var offset = 0;
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            if (part.Length > 0)
            {
                var dots = part.IndexOf("..", StringComparison.Ordinal);
                if (dots < 0)
                {
                    result |= Chunk(ParseNumber(part, offset));
                }
                else
                {
                    var start = dots == 0 ? 0 : ParseNumber(part[..dots], offset);
                    var rest = part[(dots + 2)..];
                    result |= rest.Length == 0 ? From(start) : Range(start, ParseNumber(rest, offset + dots + 2));
                }
            }
            offset += raw.Length + 1;
        }
        return result;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        if (IsEmpty)
            return "∅";
        var sb = new StringBuilder();
        foreach (var (start, end) in Ranges())
        {
            if (sb.Length > 0)
                sb.Append(", ");
            sb.Append(CultureInfo.InvariantCulture, $"{start}..");
            if (end is { } e)
                sb.Append(e.ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <inheritdoc />
    public bool Equals(ChunkRanges other) => Boundaries.SequenceEqual(other.Boundaries);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ChunkRanges other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var x in Boundaries)
            h.Add(x);
        return h.ToHashCode();
    }

    /// <summary>Equality of sets.</summary>
    public static bool operator ==(ChunkRanges a, ChunkRanges b) => a.Equals(b);

    /// <summary>Inequality of sets.</summary>
    public static bool operator !=(ChunkRanges a, ChunkRanges b) => !a.Equals(b);

    private static ulong ParseNumber(string s, int offset) =>
        ulong.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"invalid chunk number '{s.Trim()}' at offset {offset}");

    private static ulong SaturatingRoundUp(ulong x, ulong g) => x > ulong.MaxValue - (g - 1) ? x / g * g : (x + g - 1) / g * g;

    // Number of boundaries ≤ x: odd means x is inside the set.
    private static int UpperBound(ReadOnlySpan<ulong> b, ulong x)
    {
        int lo = 0, hi = b.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (b[mid] <= x)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    // Sorted but possibly empty or touching ranges → canonical boundaries.
    private static ChunkRanges Normalize(List<ulong> raw)
    {
        var result = Empty;
        for (var i = 0; i < raw.Count; i += 2)
            result |= i + 1 < raw.Count ? Range(raw[i], raw[i + 1]) : From(raw[i]);
        return result;
    }

    private static ChunkRanges Combine(ChunkRanges a, ChunkRanges b, Func<bool, bool, bool> op)
    {
        var x = a.Boundaries;
        var y = b.Boundaries;
        var result = new List<ulong>(x.Length + y.Length);
        int i = 0, j = 0;
        bool inA = false, inB = false, current = false;
        while (i < x.Length || j < y.Length)
        {
            var next = i < x.Length && (j >= y.Length || x[i] <= y[j]) ? x[i] : y[j];
            if (i < x.Length && x[i] == next)
            {
                inA = !inA;
                i++;
            }
            if (j < y.Length && y[j] == next)
            {
                inB = !inB;
                j++;
            }
            var r = op(inA, inB);
            if (r != current)
            {
                result.Add(next);
                current = r;
            }
        }
        return new ChunkRanges([.. result]);
    }
}
