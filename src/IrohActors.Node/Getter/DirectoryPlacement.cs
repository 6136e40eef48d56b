using IrohActors.Blake3;
using IrohActors.Collections;

namespace IrohActors.Node.Getter;

/// <summary>
/// Where a collection download puts its children's data: each child's data file is written straight to its final
/// path under <see cref="Root"/> — a large one under a temporary name in the same directory, renamed when complete; a
/// small one created exclusively at its final name under the receive's <see cref="PlacementJournal"/> — never over an
/// existing file, while the store keeps outboard and ranges and references the file in place. Every name and
/// existing path is checked with the collections' safe-export rules once the collection root is known and before any
/// child is written (<see cref="ExportTarget"/>), so nothing is created outside the target directory.
/// </summary>
public sealed class DirectoryPlacement
{
    private readonly HashSet<string> _placed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _foundThere = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reclaimable = new(StringComparer.Ordinal);
    private ExportTarget? _target;

    /// <summary>Places children under <paramref name="targetDirectory"/>.</summary>
    public DirectoryPlacement(string targetDirectory)
    {
        ArgumentNullException.ThrowIfNull(targetDirectory);
        Root = Path.GetFullPath(targetDirectory);
    }

    /// <summary>The target directory (full path).</summary>
    public string Root { get; }

    /// <summary>Files placed by this download (full paths).</summary>
    public IReadOnlyCollection<string> Placed
    {
        get
        {
            lock (_placed)
                return [.. _placed];
        }
    }

    /// <summary>
    /// True when the regular file at <paramref name="path"/> holds <paramref name="link"/>'s content: this download
    /// placed it, or (after an interruption) an earlier run did — then its bytes are hashed to be sure.
    /// </summary>
    public bool AlreadyThere(Link link, string path)
    {
        lock (_placed)
        {
            if (_foundThere.Contains(path))
                return true;
            if (_placed.Contains(path))
            {
                // Remembered as found there too: PathFor then needs to look in one (usually empty) set only.
                _foundThere.Add(path);
                return true;
            }
        }
        try
        {
            bool there;
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
                there = Hasher.New().Update(file).Finalize() == link.Hash;
            if (there)
                lock (_placed)
                    _foundThere.Add(path);
            return there;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Checks every link of the collection <paramref name="root"/> against the target (called once its root is
    /// complete, before any child) and opens the receive's <see cref="PlacementJournal"/>: files an interrupted
    /// earlier receive may have left incomplete (children below its mark) are not refused but replaced.
    /// </summary>
    /// <exception cref="CollectionExportException">A name is unsafe or a path exists; nothing has been written.</exception>
    internal async Task PrepareAsync(CollectionReader collection, Hash root, CancellationToken cancellationToken)
    {
        var journalPath = PlacementJournal.PathFor(Root, root);
        var mark = PlacementJournal.ReadMark(journalPath);
        if (mark > 0)
        {
            ulong index = 0;
            await foreach (var link in collection.EnumerateAsync(cancellationToken).ConfigureAwait(false))
            {
                if (index++ >= mark)
                    break;
                _reclaimable.Add(Key(link));
            }
        }
        _target = await ExportTarget.PlanAsync(collection, Root, (link, path) => AlreadyThere(link, path) || _reclaimable.Contains(Key(link)), cancellationToken).ConfigureAwait(false);
        _journalPath = journalPath;
        _links = collection.Count;
    }

    private long _links = -1;

    /// <summary>The collection's links in order, as the plan read them (after <see cref="PrepareAsync"/>).</summary>
    internal IReadOnlyList<Link> Links => _target?.Links ?? throw new InvalidOperationException("the placement was not prepared with the collection");

    /// <summary>
    /// True when this download placed every link's file (each complete at its path: durable and recorded, or renamed
    /// into place), so an export afterwards would only find each of them there; false when some link was skipped,
    /// already there from an earlier run, or not placed.
    /// </summary>
    internal bool PlacedAll
    {
        get
        {
            lock (_placed)
                return _links >= 0 && _placed.Count == _links;
        }
    }

    private string? _journalPath;

    /// <summary>The journal of this receive, once <see cref="OpenJournal"/> opened it (needed before files are created at their final names directly).</summary>
    internal PlacementJournal? Journal { get; private set; }

    /// <summary>Opens (creating it durably) the receive's journal; after <see cref="PrepareAsync"/>.</summary>
    internal PlacementJournal OpenJournal()
    {
        var path = _journalPath ?? throw new InvalidOperationException("the placement was not prepared with the collection");
        Directory.CreateDirectory(Root);
        return Journal ??= PlacementJournal.Open(path);
    }

    /// <summary>The receive completed (every placed file durable and recorded): the journal, this run's or an interrupted one's, goes.</summary>
    internal void Completed()
    {
        if (Journal is { } journal)
            journal.Complete();
        else if (_journalPath is { } path)
            File.Delete(path);
        Journal = null;
    }

    /// <summary>The receive stopped early: the journal stays for the next run.</summary>
    internal void Stopped()
    {
        Journal?.Dispose();
        Journal = null;
    }

    /// <summary>
    /// The final path of <paramref name="link"/>'s file (its directories created and checked), or null when it is
    /// already there; a file an interrupted receive of ours left there with other content is deleted first.
    /// </summary>
    internal string? PathFor(Link link)
    {
        var target = _target ?? throw new InvalidOperationException("the placement was not prepared with the collection");
        var path = target.PrepareFile(link);
        // A file already there was found so by the plan (AlreadyThere, which remembers it in _foundThere, also when an
        // earlier download with this placement had placed it); a path the plan found free cannot have been placed since,
        // as each link's path is asked for once. So only _foundThere is asked, and only when it holds anything.
        if (_foundThere.Count > 0)
            lock (_placed)
                if (_foundThere.Contains(path))
                    return null;
        if (_reclaimable.Count > 0 && _reclaimable.Remove(Key(link)))
            File.Delete(path);
        return path;
    }

    // Link names are bytes; Latin-1 maps each byte to one char, so equal keys mean equal names.
    private static string Key(Link link) => System.Text.Encoding.Latin1.GetString(link.Name.Span);

    /// <summary>Records that the blob is complete at <paramref name="path"/>; unless <paramref name="known"/>, only if the file is there (a store that cannot place leaves it absent).</summary>
    internal void MarkPlaced(string path, bool known = false)
    {
        if (!known && !File.Exists(path))
            return;
        lock (_placed)
            _placed.Add(path);
    }
}
