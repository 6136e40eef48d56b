using System.Diagnostics;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Node.Identity;
using IrohActors.Node.Protocol;
using IrohActors.Node.Provider;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Getter;

/// <summary>
/// Downloads a blob, or a collection and all its children in one Get, into a store: asks only for the ranges
/// the store is missing (so a second run resumes), verifies every item as it arrives and hands only verified
/// items to the store's partial-blob writer, which writes each chunk group once.
/// </summary>
public sealed class BlobGetter
{
    private const long ProgressStep = 1 << 20;
    private const int ReadBufferBytes = 256 * 1024;

    /// <summary>Blobs from this size on are decoded on the connection's read loop (<see cref="MuxStream.InlineReadContinuations"/>).</summary>
    private const ulong InlineDecodeBytes = 1 << 20;
    private readonly IBlobStore _store;
    private readonly IProgress<TransferProgress>? _progress;

    /// <summary>Creates a getter writing into <paramref name="store"/>, reporting to <paramref name="progress"/>.</summary>
    public BlobGetter(IBlobStore store, IProgress<TransferProgress>? progress = null)
    {
        _store = store;
        _progress = progress;
    }

    /// <summary>Downloads what the store misses of the raw blob <paramref name="hash"/>.</summary>
    /// <exception cref="TransferVerificationException">The provider sent data that does not verify (names chunk and peer).</exception>
    /// <exception cref="ProviderErrorException">The provider answered with an error frame.</exception>
    /// <exception cref="ProviderStoppedException">The provider reset the response while sending a blob.</exception>
    /// <exception cref="ResponseFormatException">The response broke the framing (for example it ended early).</exception>
    public async Task<GetResult> GetBlobAsync(NodeConnection connection, Hash hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var missing = await _store.MissingAsync(hash, cancellationToken).ConfigureAwait(false);
        var request = new GetRequest(hash, ChunkRangesSeq.Single(missing));
        if (missing.IsEmpty)
            return new GetResult(hash, false, ChunkRangesSeq.Empty, 0, 0, TimeSpan.Zero);
        return await RunAsync(connection, request, 1, async (response, state) =>
        {
            await ReceiveBlobAsync(response, state, hash, missing, null, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Downloads what the store misses of the collection <paramref name="root"/> and all its children, in one request.</summary>
    /// <exception cref="TransferVerificationException">The provider sent data that does not verify (names chunk and peer).</exception>
    /// <exception cref="ProviderErrorException">The provider answered with an error frame.</exception>
    /// <exception cref="ProviderStoppedException">The provider reset the response while sending a blob.</exception>
    /// <exception cref="ResponseFormatException">The response broke the framing (for example it ended early).</exception>
    /// <exception cref="CollectionFormatException">The root is not a valid collection.</exception>
    public Task<GetResult> GetCollectionAsync(NodeConnection connection, Hash root, CancellationToken cancellationToken = default) =>
        GetCollectionAsync(connection, root, null, cancellationToken);

    /// <summary>
    /// Downloads what the store misses of the collection <paramref name="root"/> and all its children, in one request;
    /// with a <paramref name="placement"/>, each child's data file is written straight to its final path there
    /// (checked by the collections' safe-export rules before any child is written).
    /// </summary>
    /// <exception cref="TransferVerificationException">The provider sent data that does not verify (names chunk and peer).</exception>
    /// <exception cref="ProviderErrorException">The provider answered with an error frame.</exception>
    /// <exception cref="ProviderStoppedException">The provider reset the response while sending a blob.</exception>
    /// <exception cref="ResponseFormatException">The response broke the framing (for example it ended early).</exception>
    /// <exception cref="CollectionFormatException">The root is not a valid collection.</exception>
    /// <exception cref="CollectionExportException">A name is unsafe or its path exists in the placement's directory.</exception>
    public async Task<GetResult> GetCollectionAsync(NodeConnection connection, Hash root, DirectoryPlacement? placement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var rootMissing = await _store.MissingAsync(root, cancellationToken).ConfigureAwait(false);
        ChunkRangesSeq ranges;
        long? total = null;
        if (rootMissing.IsEmpty)
        {
            // The root is here: ask exactly for what each child misses.
            var wanted = new List<ChunkRanges> { ChunkRanges.Empty };
            var collection = await OpenCollectionAsync(root, cancellationToken).ConfigureAwait(false);
            await foreach (var link in collection.EnumerateAsync(cancellationToken).ConfigureAwait(false))
                wanted.Add(await _store.MissingAsync(link.Hash, cancellationToken).ConfigureAwait(false));
            ranges = ChunkRangesSeq.FromRanges(wanted);
            total = wanted.Count(r => !r.IsEmpty);
            if (ranges.IsEmpty)
                return new GetResult(root, true, ranges, 0, 0, TimeSpan.Zero);
        }
        else
            ranges = ChunkRangesSeq.FromRangesInfinite([rootMissing, ChunkRanges.All]);
        var request = new GetRequest(root, ranges);
        return await RunAsync(connection, request, total, async (response, state) =>
        {
            if (!ranges[0].IsEmpty)
                await ReceiveBlobAsync(response, state, root, ranges[0], null, cancellationToken).ConfigureAwait(false);
            var collection = await OpenCollectionAsync(root, cancellationToken).ConfigureAwait(false);
            state.BlobsTotal ??= collection.Count + (ranges[0].IsEmpty ? 0 : 1);
            SmallFilePlacer? small = null;
            if (placement is not null)
            {
                await placement.PrepareAsync(collection, root, cancellationToken).ConfigureAwait(false);
                small = new SmallFilePlacer(_store, placement, placement.OpenJournal(), SmallFilePlacer.DefaultWriters);
            }
            ulong offset = 1;
            var completed = false;
            try
            {
                // With a placement, the links its plan read (the collection is read and parsed once, not twice).
                var links = placement?.Links is { } planned ? planned.ToAsyncEnumerable() : collection.EnumerateAsync(cancellationToken);
                await foreach (var link in links.WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    // Reads served from buffered data never look at the token: stop between children.
                    cancellationToken.ThrowIfCancellationRequested();
                    var index = offset - 1;
                    var childRanges = ranges[offset++];
                    if (childRanges.IsEmpty)
                        continue;
                    var path = placement?.PathFor(link);
                    if (await ReceiveBlobAsync(response, state, link.Hash, childRanges, path, cancellationToken, small, index).ConfigureAwait(false) && path is not null)
                        placement!.MarkPlaced(path);
                }
                completed = true;
            }
            finally
            {
                // Files already in place are recorded also when the download stops early (a resume then skips them).
                if (small is not null)
                {
                    var placed = false;
                    try
                    {
                        // Throws the first failure of the writers (a child that did not verify) when the download itself did not fail.
                        await small.CompleteAsync().ConfigureAwait(false);
                        placed = true;
                    }
                    catch when (!completed)
                    {
                        // The download's own failure is the one to report.
                    }
                    finally
                    {
                        if (completed && placed)
                            placement!.Completed();
                        else
                            placement!.Stopped();
                    }
                }
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<CollectionReader> OpenCollectionAsync(Hash root, CancellationToken cancellationToken) =>
        await CollectionReader.OpenAsync(await StoreBlobReader.OpenAsync(_store, root, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    private async Task<GetResult> RunAsync(NodeConnection connection, GetRequest request, long? total, Func<CountingReadStream, TransferState, Task> receive, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var peer = connection.RemoteNodeId;
        var stream = await connection.OpenStreamAsync(RequestCodec.Encode(request), cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await stream.CompleteWritesAsync(cancellationToken).ConfigureAwait(false);
            // Large reads from the mux (the decoder asks for 64-byte parents and 16 KiB leaves one at a time).
            using var buffered = new PooledReadStream(stream, ReadBufferBytes);
            var response = new CountingReadStream(buffered);
            var state = new TransferState(peer, stream) { BlobsTotal = total };
            await receive(response, state).ConfigureAwait(false);
            await ResponseFraming.ExpectEndAsync(response, peer, cancellationToken).ConfigureAwait(false);
            return new GetResult(request.Hash, !request.Ranges.IsSingleBlob, request.Ranges, response.BytesRead, state.BlobsDone, clock.Elapsed);
        }
    }

    /// <summary>Reads one blob item (size header and verified stream) into the store, its data file at <paramref name="placeAt"/> if given; true when the blob is complete.</summary>
    /// <exception cref="ProviderStoppedException">The provider reset the stream while sending this blob (a reset drops what was buffered, so it can surface at any read of the item).</exception>
    private async Task<bool> ReceiveBlobAsync(CountingReadStream response, TransferState state, Hash hash, ChunkRanges ranges, string? placeAt, CancellationToken cancellationToken, SmallFilePlacer? small = null, ulong childIndex = 0)
    {
        try
        {
            return await ReceiveBlobItemAsync(response, state, hash, ranges, placeAt, cancellationToken, small, childIndex).ConfigureAwait(false);
        }
        catch (StreamResetException e) when (e.ByPeer)
        {
            throw new ProviderStoppedException(state.Peer, hash, e.Code, e);
        }
    }

    private async Task<bool> ReceiveBlobItemAsync(CountingReadStream response, TransferState state, Hash hash, ChunkRanges ranges, string? placeAt, CancellationToken cancellationToken, SmallFilePlacer? small, ulong childIndex)
    {
        var peer = state.Peer;
        var size = await ResponseFraming.ReadBlobHeaderAsync(response, peer, hash, cancellationToken).ConfigureAwait(false);
        var tree = new BaoTree(size, _store.BlockSize);
        if (placeAt is not null && small is not null && size <= SmallFilePlacer.MaxBytes && ranges.IsAll)
        {
            // Small: its whole encoded item is read here and handed to the placer, whose writers verify it (capturing its
            // outboard), write it once at its final place and record it in a batch, on the other core. A blob the store
            // already holds keeps its copy; the file is placed anyway.
            var length = (int)EncodedSmallBlob.EncodedLength(tree);
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
            var read = 0;
            try
            {
                while (read < length)
                {
                    var n = await response.ReadAsync(buffer.AsMemory(read, length - read), cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                        break;
                    read += n;
                }
            }
            catch
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
            var blob = new EncodedSmallBlob(peer, hash, tree, buffer, read);
            if (read < length)
            {
                // The response ended inside this blob: the decoder names the first chunk missing (or one before it that is wrong).
                try
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(blob.Verify(PreOrderOutboard.CreateEmpty(tree, hash)));
                }
                finally
                {
                    blob.Release();
                }
                throw new InvalidOperationException($"a response {read} of {length} bytes long verified for blob {hash.ToHex()}");
            }
            await small.AddAsync(childIndex, placeAt, blob).ConfigureAwait(false);
            state.BlobsDone++;
            if (_progress is not null && (response.BytesRead >= state.NextSmallReport || state.BlobsDone == state.BlobsTotal))
            {
                state.NextSmallReport = response.BytesRead + ProgressStep;
                _progress.Report(new TransferProgress(hash, response.BytesRead, state.BlobsDone, state.BlobsTotal, size));
            }
            return false;
        }
        var writer = placeAt is null
            ? await _store.OpenWriterAsync(hash, tree, cancellationToken).ConfigureAwait(false)
            : await _store.OpenWriterAsync(hash, tree, placeAt, cancellationToken).ConfigureAwait(false);
        bool complete;
        await using (writer.ConfigureAwait(false))
        {
            using var decoder = new ResponseDecoder(hash, tree, ranges, response, $"peer {peer}");
            var nextReport = response.BytesRead + ProgressStep;
            if (_progress is not null)
                response.BytesReadChanged = read =>
                {
                    if (read < nextReport)
                        return;
                    nextReport = read + ProgressStep;
                    _progress.Report(new TransferProgress(hash, read, state.BlobsDone, state.BlobsTotal, size));
                };
            // A large blob is decoded where its bytes were just decrypted: the units' copies and hashing continue on the
            // connection's read loop (no hand-off per frame, the bytes still in that core's cache); device writes stay behind.
            var inline = size >= InlineDecodeBytes;
            state.Stream.InlineReadContinuations = inline;
            try
            {
                // Batches of whole groups read ahead, verified across cores, written as large runs; progress made
                // durable by the writer while it runs and at the end (also after a failure or cancellation).
                await writer.WriteAllAsync(decoder, cancellationToken).ConfigureAwait(false);
            }
            catch (BaoVerificationException e)
            {
                throw new TransferVerificationException(peer, hash, e);
            }
            finally
            {
                response.BytesReadChanged = null;
                if (inline)
                {
                    state.Stream.InlineReadContinuations = false;
                    // Off the read loop before anything else: what follows may end the stream or the connection, which
                    // the read loop would otherwise wait for beneath itself.
                    await Task.Yield();
                }
            }
            complete = writer.IsComplete;
        }
        state.BlobsDone++;
        _progress?.Report(new TransferProgress(hash, response.BytesRead, state.BlobsDone, state.BlobsTotal, size));
        return complete;
    }

    private sealed class TransferState(NodeId peer, MuxStream stream)
    {
        public NodeId Peer { get; } = peer;

        public MuxStream Stream { get; } = stream;

        public long BlobsDone { get; set; }

        public long? BlobsTotal { get; set; }

        public long NextSmallReport { get; set; }
    }
}
