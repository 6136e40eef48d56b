using IrohActors.Actors;

namespace IrohActors.Store.Actors;

/// <summary>
/// Owns the store on behalf of the node (/user/node/store): answers status and "missing", hands out the single
/// writer of each blob, sets tags and runs GC; imports go to its child <see cref="OutboardActor"/> so hashing
/// never blocks this mailbox. The store is the state, so a restart loses nothing. Expected errors (bad input,
/// absent blobs, busy writers) are replied as <see cref="Status.Failure"/>; anything else is also replied and
/// then crashes the actor for its supervisor.
/// </summary>
public sealed class BlobStoreActor : ReceiveActor
{
    /// <summary>The child's name: the outboard actor lives at <c>…/store/outboard</c>.</summary>
    public const string OutboardName = "outboard";

    private readonly IBlobStore _store;
    private readonly int _outboardParallelism;
    private IActorRef _outboard = ActorRefs.Nobody;

    /// <summary>Creates the actor over <paramref name="store"/>.</summary>
    public BlobStoreActor(IBlobStore store, int outboardParallelism)
    {
        _store = store;
        _outboardParallelism = outboardParallelism;
        Receive<ImportBytes>(m => _outboard.Tell(new ComputeImport(m, Sender), Self));
        Receive<ImportFile>(m => _outboard.Tell(new ComputeImport(m, Sender), Self));
        ReceiveAsync<GetStatus>(m => Reply(() => _store.StatusAsync(m.Hash)));
        ReceiveAsync<GetMissing>(m => Reply(async () => new MissingRanges(m.Hash, await _store.MissingAsync(m.Hash))));
        ReceiveAsync<OpenWriter>(m => Reply(async () => new WriterOpened(await _store.OpenWriterAsync(m.Hash, m.Tree))));
        ReceiveAsync<DeleteBlob>(m => Reply(async () => new BlobDeleted(m.Hash, await _store.DeleteAsync(m.Hash))));
        ReceiveAsync<SetTag>(m => Reply(async () =>
        {
            await _store.SetTagAsync(m.Name, m.Hash, m.Format);
            return new TagSet(m.Name);
        }));
        ReceiveAsync<RemoveTag>(m => Reply(async () => new TagRemoved(m.Name, await _store.RemoveTagAsync(m.Name))));
        ReceiveAsync<ListTags>(_ => Reply(async () => new TagList(await _store.ListTagsAsync())));
        ReceiveAsync<RunGc>(_ => Reply(() => _store.GcAsync()));
    }

    /// <summary>Props with a factory that hands the same store to every incarnation.</summary>
    public static Props Props(IBlobStore store, int outboardParallelism = 0) =>
        IrohActors.Actors.Props.Create(() => new BlobStoreActor(store, outboardParallelism));

    /// <inheritdoc />
    protected override void PreStart() =>
        _outboard = Context.ActorOf(OutboardActor.Props(_store, _outboardParallelism), OutboardName);

    private async Task Reply<T>(Func<Task<T>> operation)
        where T : notnull
    {
        var sender = Sender;
        try
        {
            sender.Tell(await operation().ConfigureAwait(false), Self);
        }
        catch (Exception e) when (IsExpected(e))
        {
            sender.Tell(new Status.Failure(e), Self);
        }
        catch (Exception e)
        {
            sender.Tell(new Status.Failure(e), Self);
            throw;
        }
    }

    internal static bool IsExpected(Exception e) =>
        e is IOException or ArgumentException or UnauthorizedAccessException or NotSupportedException or OperationCanceledException;
}
