using System.Diagnostics;
using IrohActors.Actors;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Node.Getter;
using IrohActors.Node.Peers;
using IrohActors.Node.Protocol;
using IrohActors.Node.Provider;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Swarm;

/// <summary>
/// Owns one swarm download: connects to the providers and learns what each holds (Observe), proves each blob's
/// size, plans spans rarest first with span sizes and request windows that follow each peer's measured rate, starts
/// the fetch workers, and turns their outcomes into decisions (ban on bad data, reassign on loss, stall or refusal,
/// duplicate in the endgame, fail naming what nobody has). A collection is its root, then its children in runs
/// across peers, then each child too large for one run as a blob of its own. All state lives here; the workers
/// share only their <see cref="FetchProgress"/> counters.
/// </summary>
internal sealed class DownloaderActor : ReceiveActor, IWithTimers
{
    private const string TickKey = "tick";
    private readonly IBlobStore _store;
    private readonly IActorRef _peersActor;
    private readonly SwarmOptions _options;
    private readonly SwarmRequest _request;
    private readonly IProgress<SwarmProgress>? _progress;
    private readonly TaskCompletionSource<SwarmResult> _completion;
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<SwarmPeer> _peers = [];
    private readonly Dictionary<long, SpanRequest> _inFlight = [];
    private readonly Queue<Hash> _blobs = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Stopwatch _sinceTick = Stopwatch.StartNew();
    private long _nextRequest;
    private long _jobId;
    private Job? _job;
    private Hash _blob;
    private readonly Dictionary<int, (ulong Size, ChunkRanges Has)> _observed = [];
    private readonly Dictionary<Hash, string> _placeBlobAt = [];
    private IReadOnlyDictionary<ulong, string> _placeAt = new Dictionary<ulong, string>();
    private int _awaitingObserve;
    private List<int> _proofCandidates = [];
    private long _closedWritten;
    private long _closedDuplicates;
    private long _childrenWritten;
    private long? _bytesNeeded;
    private Exception? _failure;
    private bool _childrenDone;
    private bool _preparing;

    public DownloaderActor(IBlobStore store, IActorRef peers, SwarmOptions options, SwarmRequest request, IProgress<SwarmProgress>? progress, TaskCompletionSource<SwarmResult> completion)
    {
        _store = store;
        _peersActor = peers;
        _options = options;
        _request = request;
        _progress = progress;
        _completion = completion;
        Receive<PeerObserved>(OnObserved);
        Receive<PeerObserveFailed>(OnObserveFailed);
        Receive<BlobStatusRead>(OnStatus);
        Receive<SizeProved>(OnSizeProved);
        Receive<SizeProofFailed>(OnSizeProofFailed);
        Receive<BlobJobReady>(OnBlobJobReady);
        Receive<ChildrenListed>(OnChildrenListed);
        Receive<LargeChildrenFound>(OnLargeChildren);
        Receive<FetchFinished>(OnFetchFinished);
        Receive<JobClosed>(OnJobClosed);
        Receive<StepFailed>(m =>
        {
            _preparing = false;
            Fail(m.Error);
        });
        Receive<SwarmTick>(_ => OnTick());
        Receive<ReconnectPeer>(OnReconnectPeer);
        Receive<PeerReconnected>(OnReconnected);
        Receive<PeerReconnectFailed>(OnReconnectFailed);
        Receive<CancelSwarm>(_ => Fail(new OperationCanceledException("the swarm download was cancelled")));
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IBlobStore store, IActorRef peers, SwarmOptions options, SwarmRequest request, IProgress<SwarmProgress>? progress, TaskCompletionSource<SwarmResult> completion) =>
        Actors.Props.Create(() => new DownloaderActor(store, peers, options, request, progress, completion));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(TickKey, SwarmTick.Instance, _options.SampleInterval);
        for (var i = 0; i < _request.Providers.Count; i++)
            _peers.Add(new SwarmPeer(i, _request.Providers[i]));
        _blob = _request.Hash;
        ObserveAll(_request.Hash);
    }

    protected override void PostStop()
    {
        _cancel.Cancel();
        foreach (var request in _inFlight.Values)
            request.Cts.Cancel();
        _completion.TrySetException(new OperationCanceledException("the swarm download actor stopped"));
        base.PostStop();
    }

    // ---- phase 1: connect and observe -------------------------------------------------------------------------

    private void ObserveAll(Hash hash)
    {
        _observed.Clear();
        _awaitingObserve = 0;
        var token = _cancel.Token;
        foreach (var peer in _peers.Where(p => p.IsLive || p.Connection is null && p.Gone is null))
        {
            _awaitingObserve++;
            var index = peer.Index;
            var address = peer.Address;
            var existing = peer.Connection;
            var peersActor = _peersActor;
            Task.Run(async () =>
            {
                var connection = existing ?? (await peersActor.Ask<PeerConnected>(new GetPeerConnection(address), TimeSpan.FromMinutes(2), token).ConfigureAwait(false)).Connection;
                var (size, has) = await RangeFetcher.ObserveAsync(connection, hash, token).WaitAsync(_options.StallTimeout, token).ConfigureAwait(false);
                return new PeerObserved(index, hash, connection, size, has);
            }, token).PipeTo(Self, Self, m => m, e => new PeerObserveFailed(index, hash, e));
        }
        if (_awaitingObserve == 0)
            ObservationDone();
    }

    private void OnObserved(PeerObserved m)
    {
        if (m.Hash != _blob || _failure is not null)
            return;
        var peer = _peers[m.Peer];
        if (peer.Connection is null)
        {
            peer.Connection = m.Connection;
            Publish(new SwarmPeerJoined(_request.Hash, m.Connection.RemoteNodeId, m.Size, m.Has));
        }
        _observed[m.Peer] = (m.Size, m.Has);
        if (--_awaitingObserve == 0)
            ObservationDone();
    }

    private void OnObserveFailed(PeerObserveFailed m)
    {
        if (m.Hash != _blob || _failure is not null)
            return;
        var peer = _peers[m.Peer];
        if (Unwrap(m.Error) is ProviderErrorException { Code: ErrorCode.NotFound })
            _observed[m.Peer] = (0, ChunkRanges.Empty);
        else
            Drop(peer, $"{(peer.Connection is null ? "unreachable" : "observe failed")}: {Unwrap(m.Error).Message}");
        if (--_awaitingObserve == 0)
            ObservationDone();
    }

    private void ObservationDone()
    {
        if (_failure is not null)
        {
            TryFinish();
            return;
        }
        var hash = _blob;
        _store.StatusAsync(hash, _cancel.Token).PipeTo(Self, Self, s => new BlobStatusRead(hash, s), e => new StepFailed(e));
    }

    // ---- phase 2: the size proof --------------------------------------------------------------------------------

    private void OnStatus(BlobStatusRead m)
    {
        if (m.Hash != _blob || _failure is not null)
            return;
        var status = m.Status;
        if (status.State == BlobState.Complete)
        {
            BlobFinished();
            return;
        }
        if (status.SizeProved)
        {
            PrepareBlobJob(new BaoTree(status.Size, _store.BlockSize));
            return;
        }
        // Peers that claim the last chunk of the size they claim first; then any live peer.
        _proofCandidates = _observed
            .Where(o => _peers[o.Key].IsLive)
            .OrderByDescending(o => o.Value.Has.Contains(Math.Max(1, ChunkNum.Chunks(o.Value.Size).Value) - 1) && !o.Value.Has.IsEmpty)
            .ThenByDescending(o => !o.Value.Has.IsEmpty)
            .Select(o => o.Key).ToList();
        NextSizeProof();
    }

    private void NextSizeProof()
    {
        if (_proofCandidates.Count == 0)
        {
            Fail(new SwarmIncompleteException(_blob, ChunkRanges.LastChunk, "its last chunk (which proves the size) and everything else", PeerNotes()));
            return;
        }
        var index = _proofCandidates[0];
        _proofCandidates.RemoveAt(0);
        var peer = _peers[index];
        if (!peer.IsLive)
        {
            NextSizeProof();
            return;
        }
        var hash = _blob;
        RangeFetcher.ProveSizeAsync(peer.Connection!, _store, hash, _options.StallTimeout, _cancel.Token)
            .PipeTo(Self, Self, t => new SizeProved(index, hash, t), e => new SizeProofFailed(index, hash, e));
    }

    private void OnSizeProved(SizeProved m)
    {
        if (m.Hash != _blob || _failure is not null)
            return;
        PrepareBlobJob(m.Tree);
    }

    private void OnSizeProofFailed(SizeProofFailed m)
    {
        if (m.Hash != _blob || _failure is not null)
            return;
        var error = Unwrap(m.Error);
        if (error is BlobStoreException and not BlobSizeMismatchException)
        {
            Fail(error);
            return;
        }
        Judge(_peers[m.Peer], m.Hash, error, ChunkRanges.LastChunk);
        NextSizeProof();
    }

    private void PrepareBlobJob(BaoTree tree)
    {
        // Until the stage arrives the download cannot end: an open writer must be closed, whatever happens.
        _preparing = true;
        var hash = _blob;
        var token = _cancel.Token;
        var placeAt = _placeBlobAt.GetValueOrDefault(hash);
        Task.Run(async () =>
        {
            var missing = await _store.MissingAsync(hash, token).ConfigureAwait(false);
            var stage = await BlobWriteStage.OpenAsync(_store, hash, tree, placeAt, token).ConfigureAwait(false);
            return new BlobJobReady(hash, missing & ChunkRanges.Range(0, Math.Max(1, tree.Chunks.Value)), stage);
        }, token).PipeTo(Self, Self, m => m, e => new StepFailed(e));
    }

    // ---- phase 3: running a job -----------------------------------------------------------------------------

    private void OnBlobJobReady(BlobJobReady m)
    {
        _preparing = false;
        var job = new Job(++_jobId, JobKind.Blob, m.Hash, new SpanPlanner(m.Missing, _store.BlockSize.Chunks)) { Stage = m.Stage };
        if (_failure is not null)
        {
            // Failed meanwhile: close the writer through the usual path, then finish.
            _job = job;
            CloseJob(job);
            return;
        }
        if (_blob == _request.Hash && _request.Format == BlobFormat.Raw)
            _bytesNeeded = (long)Bytes(m.Missing, m.Stage.Tree.Size);
        foreach (var (index, (_, has)) in _observed)
            if (_peers[index].IsLive)
                job.Planner.SetHas(index, has);
        _job = job;
        Pump();
    }

    private void OnChildrenListed(ChildrenListed m)
    {
        if (_failure is not null)
            return;
        var needed = ChunkRanges.Empty;
        foreach (var (index, _, missing) in m.Children)
            if (!missing.IsEmpty)
                needed |= ChunkRanges.Chunk(index);
        _placeAt = m.PlaceAt;
        foreach (var (index, path) in m.PlaceAt)
            _placeBlobAt[m.Children[(int)index].Hash] = path;
        var job = new Job(++_jobId, JobKind.Children, _request.Hash, new SpanPlanner(needed, 1)) { Children = m.Children };
        var count = (ulong)m.Children.Count;
        foreach (var peer in _peers.Where(p => p.IsLive))
            job.Planner.SetHas(peer.Index, ChunkRanges.Range(0, count));
        _job = job;
        Pump();
    }

    private void Pump()
    {
        if (_job is not { } job)
            return;
        if (_failure is null)
        {
            var now = _clock.Elapsed;
            foreach (var peer in _peers.Where(p => p.IsLive).OrderByDescending(p => p.Rate))
            {
                if (peer.BackoffUntil > now)
                    continue;
                while (peer.InFlight < Window(peer, job))
                {
                    var span = job.Planner.Take(peer.Index, SpanUnits(peer, job));
                    if (span is { } s)
                    {
                        var (start, end) = s.Ranges().First();
                        Start(job, peer, start, end!.Value, null);
                    }
                    else if (job.Kind != JobKind.Blob || !TryDuplicate(job, peer))
                        break;
                }
            }
        }
        if (_inFlight.Count > 0)
            return;
        if (_failure is null && !job.Planner.IsComplete)
        {
            if (_peers.Any(p => p.IsLive && p.BackoffUntil > _clock.Elapsed && job.Planner.HasWorkFor(p.Index)))
                return;
            // A dropped peer being reconnected may still serve what is left.
            if (_peers.Any(p => p.Reconnecting))
                return;
            var unit = job.Kind == JobKind.Blob ? "chunks" : "children (by index)";
            Fail(new SwarmIncompleteException(job.Hash, job.Planner.Remaining, unit, PeerNotes()));
        }
        CloseJob(job);
    }

    private void CloseJob(Job job)
    {
        if (job.Closing)
            return;
        job.Closing = true;
        var id = job.Id;
        if (job.Stage is { } stage)
            stage.CloseAsync().PipeTo(Self, Self, () => new JobClosed(id, null), e => new JobClosed(id, e));
        else
            Self.Tell(new JobClosed(id, null), Self);
    }

    private void OnJobClosed(JobClosed m)
    {
        if (_job is not { } job || job.Id != m.Job)
            return;
        if (job.Stage is { } stage)
        {
            _closedWritten += stage.WrittenBytes;
            _closedDuplicates += stage.DuplicateBytes;
        }
        _job = null;
        if (m.Error is not null)
            Fail(m.Error);
        if (_failure is not null)
        {
            TryFinish();
            return;
        }
        if (job.Kind == JobKind.Blob)
            BlobFinished();
        else
            ChildrenFinished(job);
    }

    private void BlobFinished()
    {
        if (_request.Format == BlobFormat.HashSeq && !_childrenDone && _blob == _request.Hash)
        {
            ListChildren();
            return;
        }
        NextBlobOrFinish();
    }

    private void NextBlobOrFinish()
    {
        if (_blobs.TryDequeue(out var next))
        {
            _blob = next;
            ObserveAll(next);
            return;
        }
        TryFinish();
    }

    private void ListChildren()
    {
        var root = _request.Hash;
        var token = _cancel.Token;
        var placement = _request.Placement;
        Task.Run(async () =>
        {
            var collection = await CollectionReader.OpenAsync(await StoreBlobReader.OpenAsync(_store, root, token).ConfigureAwait(false), token).ConfigureAwait(false);
            // Every name and existing path is checked before any child is written (as the single-peer receive does).
            if (placement is not null)
                await placement.PrepareAsync(collection, root, token).ConfigureAwait(false);
            var children = new List<(ulong, Hash, ChunkRanges)>();
            var placeAt = new Dictionary<ulong, string>();
            var placedHashes = new HashSet<Hash>();
            ulong index = 0;
            await foreach (var link in collection.EnumerateAsync(token).ConfigureAwait(false))
            {
                var missing = await _store.MissingAsync(link.Hash, token).ConfigureAwait(false);
                // One file per blob is written in place (a writer per blob); copies of the same content are exported after.
                if (placement is not null && !missing.IsEmpty && placedHashes.Add(link.Hash) && placement.PathFor(link) is { } path)
                    placeAt[index] = path;
                children.Add((index++, link.Hash, missing));
            }
            return new ChildrenListed(children, placeAt);
        }, token).PipeTo(Self, Self, m => m, e => new StepFailed(e));
    }

    private void ChildrenFinished(Job job)
    {
        _childrenDone = true;
        var token = _cancel.Token;
        var children = job.Children!;
        Task.Run(async () =>
        {
            var large = new List<Hash>();
            foreach (var (_, hash, missing) in children)
                if (!missing.IsEmpty && !(await _store.MissingAsync(hash, token).ConfigureAwait(false)).IsEmpty)
                    large.Add(hash);
            return new LargeChildrenFound(large);
        }, token).PipeTo(Self, Self, m => m, e => new StepFailed(e));
    }

    private void OnLargeChildren(LargeChildrenFound m)
    {
        if (_failure is not null)
            return;
        foreach (var hash in m.Children.Distinct())
            _blobs.Enqueue(hash);
        NextBlobOrFinish();
    }

    // ---- requests -----------------------------------------------------------------------------------------------

    private SpanRequest Start(Job job, SwarmPeer peer, ulong start, ulong end, SpanRequest? twinOf)
    {
        var request = new SpanRequest(++_nextRequest, job, peer, start, end, new FetchProgress(start), CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token));
        _inFlight[request.Id] = request;
        peer.InFlight++;
        if (twinOf is not null)
        {
            twinOf.Twin = request;
            request.Twin = twinOf;
            request.IsDuplicate = true;
        }
        var id = request.Id;
        var connection = peer.Connection!;
        var token = request.Cts.Token;
        if (job.Kind == JobKind.Blob)
        {
            RangeFetcher.FetchSpanAsync(connection, job.Stage!, start, end, request.Progress, _options.StallTimeout, token)
                .PipeTo(Self, Self, () => new FetchFinished(id, null), e => new FetchFinished(id, e));
        }
        else
        {
            var runs = new List<(ulong, Hash, ChunkRanges)>();
            var firstSpan = ChunkRanges.Range(0, (ulong)Math.Max(1, _options.MaxSpanBytes / 1024)) | ChunkRanges.LastChunk;
            for (var i = start; i < end; i++)
            {
                var (index, hash, missing) = job.Children![(int)i];
                runs.Add((index, hash, missing & firstSpan));
            }
            RangeFetcher.FetchChildrenAsync(connection, _store, job.Hash, runs, _placeAt, request.Progress, _options.StallTimeout, token)
                .PipeTo(Self, Self, () => new FetchFinished(id, null), e => new FetchFinished(id, e));
        }
        return request;
    }

    /// <summary>Endgame: take over the unverified rest of a slower peer's request (once per request).</summary>
    private bool TryDuplicate(Job job, SwarmPeer peer)
    {
        if (peer.Rate <= 0)
            return false;
        var has = job.Planner.Has(peer.Index);
        SpanRequest? best = null;
        var bestEta = 0.0;
        foreach (var r in _inFlight.Values)
        {
            if (r.Job != job || r.Peer == peer || r.Twin is not null || r.IsDuplicate || r.Reassigned || r.Cancelled)
                continue;
            var from = r.Progress.VerifiedEnd;
            if (from >= r.End || !has.Covers(from, r.End))
                continue;
            // The owner serves its requests in flight at its rate; the helper would add this one to its own.
            var remaining = (r.End - from) * 1024.0;
            var eta = r.Peer.Rate > 0 ? Backlog(r.Peer) / r.Peer.Rate : double.MaxValue;
            var helperEta = (Backlog(peer) + remaining) / peer.Rate;
            var stalled = r.Progress.BytesReceived == 0 && r.Clock.Elapsed > _options.StallTimeout / 2;
            if (!stalled && (eta < _options.EndgameSpeedup * helperEta || eta < _options.SpanTargetTime.TotalSeconds))
                continue;
            if (best is null || eta > bestEta)
            {
                best = r;
                bestEta = eta;
            }
        }
        if (best is null)
            return false;
        var resume = best.Progress.VerifiedEnd;
        if (resume - best.Start < (best.End - best.Start) / 2)
        {
            // Less than half of it arrived: hand the rest over instead of racing for it (nothing is fetched twice
            // but what was in transit).
            CancelRequest(best);
            Start(job, peer, resume, best.End, null).Reassigned = true;
        }
        else
            Start(job, peer, resume, best.End, best);
        return true;
    }

    private void OnFetchFinished(FetchFinished m)
    {
        if (!_inFlight.Remove(m.Request, out var request))
            return;
        var job = request.Job;
        var peer = request.Peer;
        peer.InFlight--;
        Account(request);
        request.Cts.Dispose();
        if (request.Twin is { } twin)
            twin.Twin = null;
        var verifiedEnd = m.Error is null ? request.End : request.Progress.VerifiedEnd;
        job.Planner.Complete(ChunkRanges.Range(request.Start, verifiedEnd));
        _childrenWritten += request.Progress.DataBytes;
        if (m.Error is null)
        {
            peer.RangesServed++;
            Publish(new SwarmRangeServed(_request.Hash, peer.Id, job.Hash, ChunkRanges.Range(request.Start, request.End), request.Progress.BytesReceived, request.IsDuplicate));
        }
        else if (!request.Cancelled && _failure is null)
        {
            var error = Unwrap(m.Error);
            if (error is System.Threading.Channels.ChannelClosedException or BlobStoreException and not BlobSizeMismatchException)
                Fail(error is System.Threading.Channels.ChannelClosedException { InnerException: { } inner } ? inner : error);
            else
                Judge(peer, job.Kind == JobKind.Blob ? job.Hash : _request.Hash, error, ChunkRanges.Range(verifiedEnd, request.End));
        }
        // What this request leaves undone goes back, unless another request (its endgame twin) still covers it.
        var leftover = ChunkRanges.Range(verifiedEnd, request.End) - job.Planner.Done;
        foreach (var other in _inFlight.Values)
            if (other.Job == job)
                leftover -= ChunkRanges.Range(other.Start, other.End);
        job.Planner.Return(leftover);
        // Requests now wholly done by others (endgame duplicates) are cancelled.
        foreach (var other in _inFlight.Values)
            if (other.Job == job && !other.Cancelled && (ChunkRanges.Range(other.Progress.VerifiedEnd, other.End) - job.Planner.Done).IsEmpty)
                CancelRequest(other);
        Pump();
        if (_job is null)
            TryFinish();
    }

    /// <summary>Decides what a failed request says about its peer.</summary>
    private void Judge(SwarmPeer peer, Hash blob, Exception error, ChunkRanges range)
    {
        switch (error)
        {
            case TransferVerificationException v:
                Ban(peer, blob, v.Chunk, v.Message);
                break;
            case ResponseFormatException f:
                Ban(peer, blob, null, f.Message);
                break;
            case ProviderErrorException { Code: ErrorCode.NotFound }:
                // It does not have that range after all: plan around it.
                _job?.Planner.RemoveHas(peer.Index, range);
                _observed.Remove(peer.Index);
                break;
            case ProviderErrorException { Code: ErrorCode.Limit }:
                peer.BackoffUntil = _clock.Elapsed + TimeSpan.FromMilliseconds(200);
                peer.Limited = true;
                break;
            case RequestStalledException s:
                Drop(peer, $"stalled: {s.Message}");
                break;
            default:
                Drop(peer, $"{error.GetType().Name}: {error.Message}");
                break;
        }
    }

    private void Ban(SwarmPeer peer, Hash blob, ulong? chunk, string reason)
    {
        if (peer.Banned)
            return;
        peer.Banned = true;
        peer.Gone = reason;
        RemovePeer(peer);
        Publish(new SwarmPeerBanned(_request.Hash, peer.Id, blob, chunk, reason));
    }

    private void Drop(SwarmPeer peer, string reason)
    {
        if (peer.Gone is not null)
            return;
        peer.Gone = reason;
        RemovePeer(peer);
        Publish(new SwarmPeerDropped(_request.Hash, peer.Id, reason));
        if (!peer.Banned && peer.ReconnectAttempts < _options.ReconnectAttempts)
            ScheduleReconnect(peer);
    }

    // ---- reconnecting a dropped peer ---------------------------------------------------------------------------

    /// <summary>Tries again after a backoff that doubles per failed attempt; the peer stays dropped meanwhile.</summary>
    private void ScheduleReconnect(SwarmPeer peer)
    {
        peer.Connection = null;
        peer.Reconnecting = true;
        var delay = _options.ReconnectBackoff * Math.Pow(2, peer.ReconnectAttempts);
        Timers.StartSingleTimer($"reconnect-{peer.Index}", new ReconnectPeer(peer.Index), delay);
    }

    private void OnReconnectPeer(ReconnectPeer m)
    {
        var peer = _peers[m.Peer];
        if (_failure is not null || !peer.Reconnecting)
            return;
        peer.ReconnectAttempts++;
        var index = peer.Index;
        var address = peer.Address;
        var hash = _blob;
        var peersActor = _peersActor;
        var token = _cancel.Token;
        Task.Run(async () =>
        {
            var connection = (await peersActor.Ask<PeerConnected>(new GetPeerConnection(address), TimeSpan.FromMinutes(2), token).ConfigureAwait(false)).Connection;
            // The peer actor may not have noticed the loss yet and hand out the dead connection: that attempt failed.
            if (connection.Completion.IsCompleted || connection.IsClosing)
                throw new ConnectionClosedException(CloseCode.TransportClosed, false, "the connection is still the closed one");
            var (size, has) = await RangeFetcher.ObserveAsync(connection, hash, token).WaitAsync(_options.StallTimeout, token).ConfigureAwait(false);
            return new PeerReconnected(index, hash, connection, size, has);
        }, token).PipeTo(Self, Self, r => r, e => new PeerReconnectFailed(index, e));
    }

    private void OnReconnected(PeerReconnected m)
    {
        var peer = _peers[m.Peer];
        if (!peer.Reconnecting || peer.Banned)
            return;
        peer.Reconnecting = false;
        peer.Connection = m.Connection;
        peer.Gone = null;
        peer.Rate = 0;
        // Attempts are not reset: a peer that keeps failing is reconnected at most ReconnectAttempts times per download.
        Publish(new SwarmPeerReconnected(_request.Hash, peer.Id, peer.ReconnectAttempts));
        if (m.Hash == _blob)
            _observed[m.Peer] = (m.Size, m.Has);
        if (_job is { } job && !job.Closing)
        {
            if (job.Kind == JobKind.Children)
                job.Planner.SetHas(peer.Index, ChunkRanges.Range(0, (ulong)job.Children!.Count));
            else if (m.Hash == job.Hash)
                job.Planner.SetHas(peer.Index, m.Has);
        }
        Pump();
    }

    private void OnReconnectFailed(PeerReconnectFailed m)
    {
        var peer = _peers[m.Peer];
        if (!peer.Reconnecting)
            return;
        var error = Unwrap(m.Error);
        if (_failure is null && peer.ReconnectAttempts < _options.ReconnectAttempts && error is not PeerIdentityMismatchException and not OperationCanceledException)
        {
            ScheduleReconnect(peer);
            return;
        }
        peer.Reconnecting = false;
        peer.Gone = $"{peer.Gone}; not reconnected after {peer.ReconnectAttempts} attempt(s): {error.Message}";
        // Nobody else may be left: the download can now end (or fail naming what is missing).
        if (_job is not null)
            Pump();
        else
            TryFinish();
    }

    private void RemovePeer(SwarmPeer peer)
    {
        _job?.Planner.RemovePeer(peer.Index);
        _observed.Remove(peer.Index);
        foreach (var r in _inFlight.Values)
            if (r.Peer == peer)
                CancelRequest(r);
    }

    private static void CancelRequest(SpanRequest request)
    {
        if (request.Cancelled)
            return;
        request.Cancelled = true;
        request.Cts.Cancel();
    }

    /// <summary>Bytes the peer still has to deliver for its requests in flight.</summary>
    private double Backlog(SwarmPeer peer)
    {
        var total = 0.0;
        foreach (var r in _inFlight.Values)
            if (r.Peer == peer && !r.Cancelled)
                total += (r.End - Math.Min(r.End, r.Progress.VerifiedEnd)) * 1024.0;
        return total;
    }

    private int Window(SwarmPeer peer, Job job)
    {
        if (peer.Limited)
            return 1;
        if (peer.Rate <= 0)
            return _options.InitialInFlight;
        var spanBytes = job.Kind == JobKind.Blob ? SpanUnits(peer, job) * 1024.0 : _options.MaxSpanBytes;
        // Enough requests to keep the peer busy for the target time plus a round trip, and one more.
        var rtt = peer.Connection?.LatestRtt ?? TimeSpan.Zero;
        var depth = (int)Math.Ceiling(peer.Rate * (_options.WindowTargetTime + rtt).TotalSeconds / spanBytes) + 1;
        return Math.Clamp(depth, 1, _options.MaxInFlight);
    }

    private ulong SpanUnits(SwarmPeer peer, Job job)
    {
        if (job.Kind == JobKind.Children)
            return (ulong)_options.ChildrenPerRequest;
        var bytes = peer.Rate <= 0 ? _options.MinSpanBytes : (long)Math.Clamp(peer.Rate * _options.SpanTargetTime.TotalSeconds, _options.MinSpanBytes, _options.MaxSpanBytes);
        // Near the end, smaller spans let every peer finish at about the same time (less need for the endgame),
        // down to a quarter of the minimum span.
        var live = Math.Max(1, _peers.Count(p => p.IsLive));
        var tail = (long)Math.Min((double)long.MaxValue, Bytes(job.Planner.Unassigned, ulong.MaxValue) / (2.0 * live));
        bytes = Math.Max(Math.Min(bytes, tail), _options.MinSpanBytes / 4);
        return (ulong)Math.Max(1, bytes / 1024);
    }

    // ---- sampling, progress, the end ---------------------------------------------------------------------------

    private void OnTick()
    {
        var dt = _sinceTick.Elapsed.TotalSeconds;
        _sinceTick.Restart();
        var delta = new Dictionary<SwarmPeer, long>();
        foreach (var r in _inFlight.Values)
            delta[r.Peer] = delta.GetValueOrDefault(r.Peer) + Account(r);
        foreach (var peer in _peers)
        {
            var busy = peer.InFlight > 0 || delta.ContainsKey(peer);
            if (!busy || dt <= 0)
                continue;
            var sample = delta.GetValueOrDefault(peer) / dt;
            peer.Rate = peer.Rate <= 0 ? (sample > 0 ? sample : 0) : 0.7 * peer.Rate + 0.3 * sample;
            if (peer.Limited && peer.BackoffUntil < _clock.Elapsed)
                peer.Limited = false;
        }
        var progress = Progress();
        _progress?.Report(progress);
        Publish(progress);
        Pump();
    }

    /// <summary>Adds what a request received since the last look to its peer; returns the increment.</summary>
    private static long Account(SpanRequest request)
    {
        var now = request.Progress.BytesReceived;
        var delta = now - request.SeenBytes;
        request.SeenBytes = now;
        request.Peer.Bytes += delta;
        return delta;
    }

    private SwarmProgress Progress()
    {
        var received = _peers.Sum(p => p.Bytes);
        var written = _closedWritten + _childrenWritten + (_job?.Stage?.WrittenBytes ?? 0);
        return new SwarmProgress(_request.Hash, received, written, _bytesNeeded, PeerFigures());
    }

    private List<SwarmPeerProgress> PeerFigures() =>
        _peers.Select(p => new SwarmPeerProgress(p.Id, p.Bytes, p.Rate, p.RangesServed, p.Banned, p.Gone)).ToList();

    private string PeerNotes()
    {
        var notes = _peers.Select(p => p.Gone is null ? $"{p.Id.ToShortString()} has not got it" : p.Banned ? $"{p.Id.ToShortString()} banned" : $"{p.Id.ToShortString()} dropped ({p.Gone})").ToList();
        return notes.Count == 0 ? "no providers" : string.Join("; ", notes);
    }

    private void Fail(Exception error)
    {
        if (_failure is not null)
            return;
        _failure = error;
        foreach (var r in _inFlight.Values)
            CancelRequest(r);
        _cancel.Cancel();
        if (_job is { } job && _inFlight.Count == 0)
            CloseJob(job);
        TryFinish();
    }

    private void TryFinish()
    {
        if (_inFlight.Count > 0 || _job is not null || _preparing)
            return;
        if (_failure is null && (_awaitingObserve > 0 || _blobs.Count > 0))
            return;
        Timers.CancelAll();
        if (_failure is { } failure)
        {
            Publish(new SwarmFinished(_request.Hash, failure.Message));
            _completion.TrySetException(failure);
        }
        else
        {
            // A placed child's file exists only once the blob completed (its writer renames it into place then).
            if (_request.Placement is { } placement)
                foreach (var path in _placeAt.Values)
                    placement.MarkPlaced(path);
            var progress = Progress();
            _progress?.Report(progress);
            Publish(progress);
            Publish(new SwarmFinished(_request.Hash, null));
            _completion.TrySetResult(new SwarmResult(_request.Hash, _request.Format == BlobFormat.HashSeq, progress.BytesWritten, progress.BytesReceived, _closedDuplicates, _clock.Elapsed, progress.Peers));
        }
        Context.Stop(Self);
    }

    private void Publish(SwarmEvent e) => Context.System.EventStream.Publish(e);

    private static Exception Unwrap(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerExceptions[0]) : e;

    private static ulong Bytes(ChunkRanges ranges, ulong size)
    {
        ulong total = 0;
        foreach (var (start, end) in ranges.Ranges())
        {
            var s = Math.Min(start * 1024, size);
            var e = Math.Min((end ?? ulong.MaxValue / 1024) * 1024, size);
            total += e - s;
        }
        return total;
    }

    private enum JobKind
    {
        Blob,
        Children,
    }

    /// <summary>One planned unit of work: a blob's chunks into its write stage, or a collection's children.</summary>
    private sealed class Job(long id, JobKind kind, Hash hash, SpanPlanner planner)
    {
        public long Id { get; } = id;

        public JobKind Kind { get; } = kind;

        public Hash Hash { get; } = hash;

        public SpanPlanner Planner { get; } = planner;

        public BlobWriteStage? Stage { get; init; }

        public IReadOnlyList<(ulong Index, Hash Hash, ChunkRanges Missing)>? Children { get; init; }

        public bool Closing { get; set; }
    }

    /// <summary>A provider as this download sees it.</summary>
    private sealed class SwarmPeer(int index, Transport.NodeAddr address)
    {
        public int Index { get; } = index;

        public Transport.NodeAddr Address { get; } = address;

        public Identity.NodeId Id => Address.NodeId;

        public Transport.NodeConnection? Connection { get; set; }

        public bool Banned { get; set; }

        public string? Gone { get; set; }

        public bool IsLive => Connection is not null && Gone is null;

        public long Bytes { get; set; }

        public int RangesServed { get; set; }

        public double Rate { get; set; }

        public int InFlight { get; set; }

        public TimeSpan BackoffUntil { get; set; }

        public bool Limited { get; set; }

        /// <summary>Dropped, with a reconnect attempt scheduled or running.</summary>
        public bool Reconnecting { get; set; }

        /// <summary>Reconnect attempts in this download.</summary>
        public int ReconnectAttempts { get; set; }
    }

    /// <summary>A request in flight.</summary>
    private sealed class SpanRequest(long id, Job job, SwarmPeer peer, ulong start, ulong end, FetchProgress progress, CancellationTokenSource cts)
    {
        public long Id { get; } = id;

        public Job Job { get; } = job;

        public SwarmPeer Peer { get; } = peer;

        public ulong Start { get; } = start;

        public ulong End { get; } = end;

        public FetchProgress Progress { get; } = progress;

        public CancellationTokenSource Cts { get; } = cts;

        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public long SeenBytes { get; set; }

        public SpanRequest? Twin { get; set; }

        public bool IsDuplicate { get; set; }

        /// <summary>Taken over from a slower peer in the endgame (never taken over again).</summary>
        public bool Reassigned { get; set; }

        public bool Cancelled { get; set; }
    }
}
