using IrohActors.Actors;

namespace IrohActors.Store.Actors;

/// <summary>
/// Computes imports (hashing and outboards) off the caller's path, up to the configured number at once (default:
/// the core count); further requests wait in this actor's queue. Each import replies to its requester directly.
/// </summary>
public sealed class OutboardActor : ReceiveActor
{
    private readonly IBlobStore _store;
    private readonly int _parallelism;
    private readonly Queue<ComputeImport> _waiting = new();
    private int _running;

    /// <summary>Creates the actor; <paramref name="parallelism"/> ≤ 0 means <see cref="Environment.ProcessorCount"/>.</summary>
    public OutboardActor(IBlobStore store, int parallelism)
    {
        _store = store;
        _parallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount;
        Receive<ComputeImport>(m =>
        {
            _waiting.Enqueue(m);
            StartWaiting();
        });
        Receive<ImportDone>(_ =>
        {
            _running--;
            StartWaiting();
        });
    }

    /// <summary>Props for the actor.</summary>
    public static Props Props(IBlobStore store, int parallelism) => IrohActors.Actors.Props.Create(() => new OutboardActor(store, parallelism));

    /// <summary>How many imports run at most at once.</summary>
    internal int Parallelism => _parallelism;

    private void StartWaiting()
    {
        while (_running < _parallelism && _waiting.TryDequeue(out var next))
        {
            _running++;
            var self = Self;
            _ = Run(_store, next, self).ContinueWith(_ => self.Tell(new ImportDone(), self), TaskScheduler.Default);
        }
    }

    private static async Task Run(IBlobStore store, ComputeImport job, IActorRef self)
    {
        try
        {
            var result = job.Request switch
            {
                ImportBytes b => await store.ImportBytesAsync(b.Data).ConfigureAwait(false),
                ImportFile f => await store.ImportFileAsync(f.Path, f.Mode).ConfigureAwait(false),
                _ => throw new ArgumentException($"not an import: {job.Request.GetType().Name}"),
            };
            var tag = job.Request switch { ImportBytes b => b.Tag, ImportFile f => f.Tag, _ => null };
            if (tag is not null)
            {
                await store.SetTagAsync(tag, result.Hash).ConfigureAwait(false);
                result.Dispose();
                job.ReplyTo.Tell(new BlobImported(result.Hash, result.Size, null), self);
            }
            else
            {
                job.ReplyTo.Tell(new BlobImported(result.Hash, result.Size, result.TempTag), self);
            }
        }
        catch (Exception e)
        {
            job.ReplyTo.Tell(new Status.Failure(e), self);
        }
    }
}
