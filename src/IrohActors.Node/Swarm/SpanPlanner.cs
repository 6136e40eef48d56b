using IrohActors.Bao;

namespace IrohActors.Node.Swarm;

/// <summary>
/// Decides which span of the remaining work a peer fetches next. The work is a set of units (chunks of a blob, or
/// child indices of a collection) held as <see cref="ChunkRanges"/>; each peer claims some of them (from Observe,
/// untrusted: used only for planning). Spans are carved rarest first — from the region held by the fewest live
/// peers, lowest offset on ties — and aligned to <see cref="Alignment"/> units. Holds no I/O and no clock.
/// </summary>
internal sealed class SpanPlanner
{
    private readonly Dictionary<int, ChunkRanges> _has = [];
    private ChunkRanges _unassigned;
    private ChunkRanges _done;

    /// <summary>Plans <paramref name="needed"/> (bounded), carving spans aligned to <paramref name="alignment"/> units.</summary>
    public SpanPlanner(ChunkRanges needed, ulong alignment)
    {
        if (needed.IsOpenEnded)
            throw new ArgumentException($"the work [{needed}] must be bounded", nameof(needed));
        ArgumentOutOfRangeException.ThrowIfZero(alignment);
        Needed = needed;
        _unassigned = needed;
        Alignment = alignment;
    }

    /// <summary>Everything this plan has to fetch.</summary>
    public ChunkRanges Needed { get; }

    /// <summary>Spans are aligned to multiples of this many units (a chunk group, or 1 child).</summary>
    public ulong Alignment { get; }

    /// <summary>Units verified and handed to the store.</summary>
    public ChunkRanges Done => _done;

    /// <summary>Units neither done nor in flight.</summary>
    public ChunkRanges Unassigned => _unassigned;

    /// <summary>Units still to be done.</summary>
    public ChunkRanges Remaining => Needed - _done;

    /// <summary>True when every needed unit is done.</summary>
    public bool IsComplete => Remaining.IsEmpty;

    /// <summary>The live peers.</summary>
    public IEnumerable<int> Peers => _has.Keys;

    /// <summary>Unassigned units that no live peer claims to have.</summary>
    public ChunkRanges Unreachable
    {
        get
        {
            var held = ChunkRanges.Empty;
            foreach (var has in _has.Values)
                held |= has;
            return _unassigned - held;
        }
    }

    /// <summary>Sets what <paramref name="peer"/> claims to have (makes it live).</summary>
    public void SetHas(int peer, ChunkRanges has) => _has[peer] = has & Needed;

    /// <summary>What <paramref name="peer"/> claims (empty when not live).</summary>
    public ChunkRanges Has(int peer) => _has.TryGetValue(peer, out var has) ? has : ChunkRanges.Empty;

    /// <summary>The peer turned out not to have <paramref name="lacking"/> (it answered NotFound).</summary>
    public void RemoveHas(int peer, ChunkRanges lacking)
    {
        if (_has.TryGetValue(peer, out var has))
            _has[peer] = has - lacking;
    }

    /// <summary>The peer is banned or gone: it gets no more work.</summary>
    public void RemovePeer(int peer) => _has.Remove(peer);

    /// <summary>True when <paramref name="peer"/> could take some unassigned work.</summary>
    public bool HasWorkFor(int peer) => _has.TryGetValue(peer, out var has) && !(has & _unassigned).IsEmpty;

    /// <summary>
    /// Carves the next span for <paramref name="peer"/>, at most <paramref name="maxUnits"/> units long (at least one
    /// alignment step), and marks it assigned; null when the peer has nothing left to offer.
    /// </summary>
    public ChunkRanges? Take(int peer, ulong maxUnits)
    {
        if (!_has.TryGetValue(peer, out var has))
            return null;
        var candidate = has & _unassigned;
        if (candidate.IsEmpty)
            return null;
        // Every boundary of any live peer's claim splits the candidate into segments of constant rarity.
        var cuts = new SortedSet<ulong>();
        foreach (var other in _has.Values)
            foreach (var b in other.Boundaries)
                cuts.Add(b);
        (ulong Start, ulong End, int Holders)? best = null;
        foreach (var (start, end) in candidate.Ranges())
        {
            var stop = end ?? throw new InvalidOperationException("candidate ranges are bounded by the needed work");
            var segmentStart = start;
            foreach (var cut in cuts.GetViewBetween(start + 1, stop))
            {
                Consider(segmentStart, cut);
                segmentStart = cut;
            }
            Consider(segmentStart, stop);
        }
        var (s, e, _) = best!.Value;
        var step = Math.Max(Alignment, maxUnits / Alignment * Alignment);
        var spanEnd = e - s <= step ? e : AlignedEnd(s, s + step);
        var span = ChunkRanges.Range(s, spanEnd);
        _unassigned -= span;
        return span;

        void Consider(ulong start, ulong end)
        {
            if (end <= start)
                return;
            var holders = 0;
            foreach (var other in _has.Values)
                if (other.Contains(start))
                    holders++;
            if (best is null || holders < best.Value.Holders)
                best = (start, end, holders);
        }
    }

    /// <summary>Units verified (by any request): done, and no longer unassigned.</summary>
    public void Complete(ChunkRanges units)
    {
        _done |= units & Needed;
        _unassigned -= units;
    }

    /// <summary>Puts units back to be assigned again (what is done already stays done).</summary>
    public void Return(ChunkRanges units) => _unassigned |= (units & Needed) - _done;

    private ulong AlignedEnd(ulong start, ulong end)
    {
        var aligned = end / Alignment * Alignment;
        return aligned > start ? aligned : end;
    }
}
