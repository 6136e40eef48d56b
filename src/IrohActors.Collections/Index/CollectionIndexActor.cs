using System.Runtime.CompilerServices;
using IrohActors.Actors;
using IrohActors.Blake3;
using Microsoft.Extensions.Logging;

namespace IrohActors.Collections.Index;

/// <summary>
/// Keeps a radix tree over the names of the collections a node holds, mapping each name to the (collection, link
/// hash) pairs that carry it, and answers <see cref="Lookup"/> and <see cref="PrefixQuery"/> by message.
/// </summary>
/// <remarks>
/// Collections are registered by hash (<see cref="AddCollection"/>) and read lazily: the first query after a
/// registration streams the new collections' links into the tree (the reader's lazy enumeration, so a big
/// collection is never held as a list beside the tree). A collection that fails to load (corrupt blob, read error)
/// has its links taken out of the tree again, is recorded as failed with a <see cref="CollectionLoadException"/>
/// naming it, and is listed as unavailable in answers; the others keep being served. <see cref="RemoveCollection"/> removes exactly
/// the pairs of that collection, so a name shared with another collection stays until both are gone.
/// Loads run inside the handler, so no query interleaves with a half-loaded collection.
/// </remarks>
public sealed class CollectionIndexActor : ReceiveActor
{
    private readonly CollectionBlobOpener _open;
    private readonly RadixTree<NameLinks> _names = new();
    private readonly Dictionary<Hash, RegisteredCollection> _byHash = [];
    private readonly Dictionary<int, RegisteredCollection> _byId = [];
    private readonly CancellationTokenSource _stopping = new();
    private int _nextId = 1;

    /// <summary>Creates the index; <paramref name="open"/> reaches the collection blobs (the store).</summary>
    public CollectionIndexActor(CollectionBlobOpener open)
    {
        _open = open ?? throw new ArgumentNullException(nameof(open));
        Receive<AddCollection>(Add);
        ReceiveAsync<RemoveCollection>(RemoveAsync);
        ReceiveAsync<LoadCollection>(LoadAsync);
        ReceiveAsync<Lookup>(LookupAsync);
        ReceiveAsync<PrefixQuery>(PrefixQueryAsync);
        Receive<GetCollectionIndexStatus>(_ => Sender.Tell(CurrentStatus(), Self));
    }

    /// <summary>Props of an index that opens collection blobs with <paramref name="open"/>.</summary>
    public static IrohActors.Actors.Props Props(CollectionBlobOpener open)
    {
        ArgumentNullException.ThrowIfNull(open);
        return IrohActors.Actors.Props.Create(() => new CollectionIndexActor(open));
    }

    /// <inheritdoc/>
    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        base.PostStop();
    }

    private void Add(AddCollection m)
    {
        if (!_byHash.TryGetValue(m.Collection, out var c))
        {
            c = new RegisteredCollection(m.Collection, _nextId++);
            _byHash.Add(c.Hash, c);
            _byId.Add(c.Id, c);
        }
        else if (c.State is LoadState.Failed or LoadState.Missing)
        {
            c.State = LoadState.Pending;
            c.Failure = null;
        }
        Sender.Tell(new CollectionAdded(m.Collection), Self);
    }

    private async Task RemoveAsync(RemoveCollection m)
    {
        var replyTo = Sender;
        if (!_byHash.Remove(m.Collection, out var c))
        {
            replyTo.Tell(new CollectionRemoved(m.Collection, false, 0), Self);
            return;
        }
        _byId.Remove(c.Id);
        long removed = c.State == LoadState.Loaded ? await RemoveLinksOfAsync(c).ConfigureAwait(true) : 0;
        replyTo.Tell(new CollectionRemoved(m.Collection, true, removed), Self);
    }

    private async Task LoadAsync(LoadCollection m)
    {
        var replyTo = Sender;
        if (!_byHash.TryGetValue(m.Collection, out var c))
        {
            replyTo.Tell(new Status.Failure(new KeyNotFoundException($"collection {m.Collection.ToHex()} was never added to the index")), Self);
            return;
        }
        if (c.State != LoadState.Loaded)
            await LoadAsync(c).ConfigureAwait(true);
        replyTo.Tell(c.State == LoadState.Loaded ? new CollectionLoaded(c.Hash, c.LinkCount) : new Status.Failure(c.Failure!), Self);
    }

    private async Task LookupAsync(Lookup m)
    {
        var replyTo = Sender;
        await LoadPendingAsync().ConfigureAwait(true);
        var links = new List<IndexedLink>();
        if (_names.TryGetValue(m.Name.Span, out var entry))
            AppendLinks(links, m.Name, entry);
        replyTo.Tell(new LookupResult(m.Name, links, Unavailable()), Self);
    }

    private async Task PrefixQueryAsync(PrefixQuery m)
    {
        var replyTo = Sender;
        if (m.Limit < 1)
        {
            replyTo.Tell(new Status.Failure(new ArgumentOutOfRangeException(nameof(m.Limit), m.Limit, "a prefix query's limit must be at least 1")), Self);
            return;
        }
        await LoadPendingAsync().ConfigureAwait(true);
        var links = new List<IndexedLink>();
        bool truncated = false;
        var ofOneName = new List<IndexedLink>();
        foreach (var (name, entry) in _names.EnumeratePrefix(m.Prefix))
        {
            ofOneName.Clear();
            AppendLinks(ofOneName, name, entry);
            int room = m.Limit - links.Count;
            if (ofOneName.Count > room)
            {
                links.AddRange(ofOneName.Take(room));
                truncated = true;
                break;
            }
            links.AddRange(ofOneName);
        }
        replyTo.Tell(new PrefixQueryResult(m.Prefix, links, truncated, Unavailable()), Self);
    }

    /// <summary>Loads every registered collection not yet in the tree (missing ones are tried again).</summary>
    private async Task LoadPendingAsync()
    {
        foreach (var c in _byHash.Values.Where(c => c.State is LoadState.Pending or LoadState.Missing).ToList())
            await LoadAsync(c).ConfigureAwait(true);
    }

    /// <summary>Streams the links of <paramref name="c"/> into the tree; on failure takes them out again.</summary>
    private async Task LoadAsync(RegisteredCollection c)
    {
        var cancellationToken = _stopping.Token;
        long read = 0;
        IBlobReader? blob = null;
        try
        {
            blob = await _open(c.Hash, cancellationToken).ConfigureAwait(true);
            if (blob is null)
            {
                c.State = LoadState.Missing;
                c.Failure = new CollectionLoadException(c.Hash, "the node does not hold the collection blob");
                return;
            }
            var reader = await CollectionReader.OpenAsync(blob, cancellationToken).ConfigureAwait(true);
            await foreach (var link in reader.EnumerateAsync(cancellationToken).ConfigureAwait(true))
            {
                ref var slot = ref _names.GetValueRefOrAddDefault(link.Name.Span, out bool exists);
                if (exists)
                    slot.Add(c.Id, link.Hash);
                else
                    slot = NameLinks.Of(c.Id, link.Hash);
                read++;
            }
            c.State = LoadState.Loaded;
            c.LinkCount = read;
            c.Failure = null;
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            SweepOut(c.Id);
            c.State = LoadState.Failed;
            c.Failure = new CollectionLoadException(c.Hash, read, ex);
            Context.System.Log.LogWarning(c.Failure, "{Actor}: {Error}", Self.Path, c.Failure.Message);
        }
        finally
        {
            await DisposeAsync(blob).ConfigureAwait(true);
        }
    }

    /// <summary>
    /// Removes the pairs of a loaded collection by streaming its names again (cost ∝ its size); when the blob is gone
    /// or does not give back every link, sweeps the whole tree instead.
    /// </summary>
    private async Task<long> RemoveLinksOfAsync(RegisteredCollection c)
    {
        var cancellationToken = _stopping.Token;
        long removed = 0;
        IBlobReader? blob = null;
        try
        {
            blob = await _open(c.Hash, cancellationToken).ConfigureAwait(true);
            if (blob is not null)
            {
                var reader = await CollectionReader.OpenAsync(blob, cancellationToken).ConfigureAwait(true);
                await foreach (var link in reader.EnumerateAsync(cancellationToken).ConfigureAwait(true))
                    if (RemovePair(link.Name.Span, c.Id))
                        removed++;
                if (removed == c.LinkCount)
                    return removed;
            }
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            Context.System.Log.LogWarning(ex, "{Actor}: re-reading collection {Collection} to remove it failed; sweeping the index instead", Self.Path, c.Hash.ToHex());
        }
        finally
        {
            await DisposeAsync(blob).ConfigureAwait(true);
        }
        return removed + SweepOut(c.Id);
    }

    /// <summary>Removes every pair of collection <paramref name="id"/> by walking the whole tree.</summary>
    private long SweepOut(int id)
    {
        var names = new List<ReadOnlyMemory<byte>>();
        foreach (var (name, entry) in _names)
            if (entry.Contains(id))
                names.Add(name);
        foreach (var name in names)
            RemovePair(name.Span, id);
        return names.Count;
    }

    private bool RemovePair(ReadOnlySpan<byte> name, int id)
    {
        ref var slot = ref _names.GetValueRefOrNullRef(name);
        if (Unsafe.IsNullRef(ref slot) || !slot.Remove(id, out bool nowEmpty))
            return false;
        if (nowEmpty)
            _names.Remove(name);
        return true;
    }

    private void AppendLinks(List<IndexedLink> links, ReadOnlyMemory<byte> name, NameLinks entry)
    {
        if (entry.Count == 1)
        {
            var (id, link) = entry.First;
            links.Add(new IndexedLink(name, _byId[id].Hash, link));
            return;
        }
        var ordered = entry.Pairs().Select(p => new IndexedLink(name, _byId[p.Collection].Hash, p.Link)).ToList();
        ordered.Sort(static (a, b) =>
        {
            var x = a.Collection;
            var y = b.Collection;
            return x.AsSpan().SequenceCompareTo(y.AsSpan());
        });
        links.AddRange(ordered);
    }

    private List<UnavailableCollection> Unavailable() =>
        _byHash.Values.Where(c => c.Failure is not null).Select(c => new UnavailableCollection(c.Hash, c.Failure!.Message)).ToList();

    private CollectionIndexStatus CurrentStatus() => new(
        _byHash.Count,
        _byHash.Values.Count(c => c.State == LoadState.Loaded),
        _byHash.Values.Count(c => c.State is LoadState.Failed or LoadState.Missing),
        _names.Count);

    private static async ValueTask DisposeAsync(IBlobReader? blob)
    {
        if (blob is IAsyncDisposable asyncDisposable)
            await asyncDisposable.DisposeAsync().ConfigureAwait(true);
        else if (blob is IDisposable disposable)
            disposable.Dispose();
    }

    private enum LoadState
    {
        Pending,
        Loaded,
        Failed,
        Missing,
    }

    private sealed class RegisteredCollection(Hash hash, int id)
    {
        public Hash Hash { get; } = hash;

        public int Id { get; } = id;

        public LoadState State { get; set; }

        public long LinkCount { get; set; }

        public CollectionLoadException? Failure { get; set; }
    }
}
