using IrohActors.Collections.Format;

namespace IrohActors.Collections.Building;

/// <summary>
/// Collects links and hands them back sorted by name, holding at most about <c>memoryBudget</c> bytes of links in
/// memory: when the buffer is full it is sorted and spilled to a run file, and the runs are k-way merged at the end
/// (in several passes when there are more than <see cref="MaxFanIn"/> runs). Duplicate names are reported by the
/// merged sequence, which can be enumerated more than once.
/// </summary>
internal sealed class ExternalLinkSorter : IDisposable
{
    /// <summary>Most runs merged at once (one open file and one buffered link each).</summary>
    public const int MaxFanIn = 64;

    /// <summary>Rough per-link bookkeeping beyond the name bytes and hash (array header, struct, list slot).</summary>
    private const int PerLinkOverhead = 64;

    private static readonly Comparison<Link> ByName = (a, b) => LinkName.Compare(a.Name.Span, b.Name.Span);

    private readonly long _memoryBudget;
    private readonly string _tempDirectory;
    private readonly List<Link> _buffer = [];
    private readonly List<RunFile> _runs = [];
    private long _bufferedBytes;
    private bool _sealed;

    public ExternalLinkSorter(long memoryBudget, string tempDirectory)
    {
        _memoryBudget = memoryBudget;
        _tempDirectory = tempDirectory;
    }

    /// <summary>Links added so far.</summary>
    public long Count { get; private set; }

    /// <summary>Runs written to disk so far (including intermediate merge passes).</summary>
    public int SpilledRuns { get; private set; }

    public void Add(Link link)
    {
        if (_sealed)
            throw new InvalidOperationException("the links were already sorted; add all links before writing");
        _buffer.Add(link);
        _bufferedBytes += link.Name.Length + CollectionLayout.HashSize + PerLinkOverhead;
        Count++;
        if (_bufferedBytes >= _memoryBudget)
            Spill();
    }

    /// <summary>Ends input; the returned sequence yields all links in name order and throws on a duplicate name.</summary>
    public IEnumerable<Link> Sorted()
    {
        if (!_sealed)
        {
            _sealed = true;
            if (_runs.Count > 0)
            {
                if (_buffer.Count > 0)
                    Spill();
                while (_runs.Count > MaxFanIn)
                    MergeOnePass();
            }
            else
            {
                _buffer.Sort(ByName);
            }
        }
        return RejectDuplicates(_runs.Count > 0 ? Merge(_runs) : _buffer);
    }

    private void Spill()
    {
        _buffer.Sort(ByName);
        _runs.Add(RunFile.Write(_tempDirectory, _buffer));
        SpilledRuns++;
        _buffer.Clear();
        _bufferedBytes = 0;
    }

    private void MergeOnePass()
    {
        var group = _runs.GetRange(0, MaxFanIn);
        _runs.RemoveRange(0, MaxFanIn);
        try
        {
            // Duplicates are kept here and rejected by the final pass, which reports them in order.
            _runs.Add(RunFile.Write(_tempDirectory, Merge(group)));
            SpilledRuns++;
        }
        finally
        {
            foreach (var run in group)
                run.Dispose();
        }
    }

    private static IEnumerable<Link> Merge(List<RunFile> runs)
    {
        var cursors = new List<IEnumerator<Link>>(runs.Count);
        var queue = new PriorityQueue<IEnumerator<Link>, ReadOnlyMemory<byte>>(
            Comparer<ReadOnlyMemory<byte>>.Create((a, b) => LinkName.Compare(a.Span, b.Span)));
        try
        {
            foreach (var run in runs)
            {
                var cursor = run.Read().GetEnumerator();
                cursors.Add(cursor);
                if (cursor.MoveNext())
                    queue.Enqueue(cursor, cursor.Current.Name);
            }
            while (queue.TryDequeue(out var cursor, out _))
            {
                yield return cursor.Current;
                if (cursor.MoveNext())
                    queue.Enqueue(cursor, cursor.Current.Name);
            }
        }
        finally
        {
            foreach (var cursor in cursors)
                cursor.Dispose();
        }
    }

    private static IEnumerable<Link> RejectDuplicates(IEnumerable<Link> sorted)
    {
        ReadOnlyMemory<byte> previous = default;
        bool first = true;
        foreach (var link in sorted)
        {
            if (!first && LinkName.Compare(previous.Span, link.Name.Span) == 0)
                throw new DuplicateLinkNameException(link.Name.Span);
            first = false;
            previous = link.Name;
            yield return link;
        }
    }

    public void Dispose()
    {
        foreach (var run in _runs)
            run.Dispose();
        _runs.Clear();
        _buffer.Clear();
    }
}
