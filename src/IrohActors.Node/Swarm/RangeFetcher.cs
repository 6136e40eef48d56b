using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.Getter;
using IrohActors.Node.Identity;
using IrohActors.Node.Protocol;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Swarm;

/// <summary>
/// The fetch worker's requests, each on its own mux stream of one peer's connection: Observe (what a peer has),
/// the size proof (the last chunk), a verified span of one blob into its <see cref="BlobWriteStage"/>, and a run of
/// a collection's children. Only items that came out of a <see cref="ResponseDecoder"/> reach the store; a failure
/// says which peer, blob and chunk.
/// </summary>
internal static class RangeFetcher
{
    private const int ReadBufferBytes = 256 * 1024;

    /// <summary>What <paramref name="connection"/>'s node claims to hold of <paramref name="hash"/> (a snapshot; untrusted).</summary>
    public static async Task<(ulong Size, ChunkRanges Ranges)> ObserveAsync(NodeConnection connection, Hash hash, CancellationToken cancellationToken)
    {
        var peer = connection.RemoteNodeId;
        var stream = await connection.OpenStreamAsync(RequestCodec.Encode(new ObserveRequest(hash, ChunkRanges.All, false)), cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await stream.CompleteWritesAsync(cancellationToken).ConfigureAwait(false);
            return await ResponseFraming.ReadTagAsync(stream, peer, cancellationToken).ConfigureAwait(false) switch
            {
                ResponseTag.Observe => await ResponseFraming.ReadObserveAsync(stream, peer, cancellationToken).ConfigureAwait(false),
                ResponseTag.Error => throw await ResponseFraming.ReadErrorAsync(stream, peer, cancellationToken).ConfigureAwait(false),
                null => throw new ResponseFormatException(peer, $"the observe response for blob {hash.ToHex()} was empty"),
                var tag => throw new ResponseFormatException(peer, $"expected an observe item for blob {hash.ToHex()}, got a {tag} item"),
            };
        }
    }

    /// <summary>
    /// Fetches the last chunk of <paramref name="hash"/> and stores it: the size header plus a verified last chunk
    /// prove the blob's size (bao's rule). Returns the proved geometry.
    /// </summary>
    public static async Task<BaoTree> ProveSizeAsync(NodeConnection connection, IBlobStore store, Hash hash, TimeSpan stallTimeout, CancellationToken cancellationToken)
    {
        var peer = connection.RemoteNodeId;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(stallTimeout);
        try
        {
            var stream = await connection.OpenStreamAsync(RequestCodec.Encode(new GetRequest(hash, ChunkRangesSeq.Single(ChunkRanges.LastChunk))), idle.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                await stream.CompleteWritesAsync(idle.Token).ConfigureAwait(false);
                var size = await ResponseFraming.ReadBlobHeaderAsync(stream, peer, hash, idle.Token).ConfigureAwait(false);
                var tree = new BaoTree(size, store.BlockSize);
                IBlobWriter writer;
                try
                {
                    writer = await store.OpenWriterAsync(hash, tree, idle.Token).ConfigureAwait(false);
                }
                catch (BlobSizeMismatchException e)
                {
                    throw new ResponseFormatException(peer, $"blob {hash.ToHex()}: claims {size} bytes, but the store proved another size: {e.Message}", e);
                }
                await using (writer.ConfigureAwait(false))
                {
                    using var decoder = new ResponseDecoder(hash, tree, ChunkRanges.LastChunk, stream, $"peer {peer}");
                    try
                    {
                        await writer.WriteAllAsync(decoder, idle.Token).ConfigureAwait(false);
                    }
                    catch (BaoVerificationException e)
                    {
                        throw new TransferVerificationException(peer, hash, e);
                    }
                }
                return tree;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RequestStalledException(peer, hash, $"no answer to the size proof within {stallTimeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>
    /// Fetches the chunks <c>[start, end)</c> of a blob whose size is proved, verifies them and hands them to
    /// <paramref name="stage"/>, advancing <paramref name="progress"/> as batches go out. Verified items before a
    /// failure or cancellation are still handed over; nothing of a failing item is.
    /// </summary>
    /// <exception cref="TransferVerificationException">The data does not verify (names peer, blob and chunk).</exception>
    /// <exception cref="ResponseFormatException">The response broke framing or claimed another size.</exception>
    /// <exception cref="ProviderErrorException">The provider answered with an error frame.</exception>
    /// <exception cref="RequestStalledException">Nothing verified arrived for <paramref name="stallTimeout"/>.</exception>
    public static async Task FetchSpanAsync(NodeConnection connection, BlobWriteStage stage, ulong start, ulong end, FetchProgress progress, TimeSpan stallTimeout, CancellationToken cancellationToken)
    {
        var peer = connection.RemoteNodeId;
        var hash = stage.Hash;
        var tree = stage.Tree;
        var ranges = ChunkRanges.Range(start, end);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(stallTimeout);
        var batch = new VerifiedBatch();
        var batchEnd = start;
        try
        {
            var stream = await connection.OpenStreamAsync(RequestCodec.Encode(new GetRequest(hash, ChunkRangesSeq.Single(ranges))), idle.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                await stream.CompleteWritesAsync(idle.Token).ConfigureAwait(false);
                using var buffered = new PooledReadStream(stream, ReadBufferBytes);
                var response = new ProgressReadStream(buffered, progress);
                var size = await ResponseFraming.ReadBlobHeaderAsync(response, peer, hash, idle.Token).ConfigureAwait(false);
                if (size != tree.Size)
                    throw new ResponseFormatException(peer, $"blob {hash.ToHex()}: claims {size} bytes, its proved size is {tree.Size}");
                using var decoder = new ResponseDecoder(hash, tree, ranges, response, $"peer {peer}");
                try
                {
                    while (await decoder.NextAsync(idle.Token).ConfigureAwait(false) is { } item)
                    {
                        if (!batch.TryAdd(item))
                        {
                            var full = batch;
                            batch = new VerifiedBatch();
                            // Waiting for the disk is not the peer's stall.
                            await stage.WriteAsync(full, cancellationToken).ConfigureAwait(false);
                            progress.Verified(batchEnd);
                            batch.TryAdd(item);
                        }
                        if (!item.IsParent)
                            batchEnd = item.Chunk.StartChunk.Value + Math.Max(1UL, ChunkNum.Chunks((ulong)item.Chunk.Size).Value);
                        idle.CancelAfter(stallTimeout);
                    }
                }
                catch (BaoVerificationException e)
                {
                    throw new TransferVerificationException(peer, hash, e);
                }
                await ResponseFraming.ExpectEndAsync(response, peer, idle.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RequestStalledException(peer, hash, $"nothing verified arrived for {stallTimeout.TotalSeconds:0.#} s (chunks {progress.VerifiedEnd}..{end} pending)");
        }
        finally
        {
            // Whatever verified goes to the store, also when the request failed or was cancelled.
            if (batch.Items.Count > 0)
            {
                try
                {
                    await stage.WriteAsync(batch, CancellationToken.None).ConfigureAwait(false);
                    progress.Verified(batchEnd);
                }
                catch (System.Threading.Channels.ChannelClosedException)
                {
                    batch.Return();
                }
            }
            else
                batch.Return();
        }
    }

    /// <summary>
    /// Fetches a run of a collection's children in one Get on the root: for each child the listed ranges (usually
    /// its first span and its last chunk, which proves its size). Children arrive in order; each is verified and
    /// written through its own store writer. <paramref name="progress"/>'s verified end counts children finished.
    /// </summary>
    /// <remarks>A child with a path in <paramref name="placeAt"/> has its data file written there (the store's placement: under a temporary name, renamed when complete).</remarks>
    public static async Task FetchChildrenAsync(NodeConnection connection, IBlobStore store, Hash root, IReadOnlyList<(ulong Index, Hash Hash, ChunkRanges Ranges)> children, IReadOnlyDictionary<ulong, string>? placeAt, FetchProgress progress, TimeSpan stallTimeout, CancellationToken cancellationToken)
    {
        var peer = connection.RemoteNodeId;
        var seq = new List<ChunkRanges> { ChunkRanges.Empty };
        var first = children[0].Index;
        foreach (var (index, _, ranges) in children)
        {
            while ((ulong)seq.Count < index + 1)
                seq.Add(ChunkRanges.Empty);
            seq.Add(ranges);
        }
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(stallTimeout);
        try
        {
            var stream = await connection.OpenStreamAsync(RequestCodec.Encode(new GetRequest(root, ChunkRangesSeq.FromRanges(seq))), idle.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                await stream.CompleteWritesAsync(idle.Token).ConfigureAwait(false);
                using var buffered = new PooledReadStream(stream, ReadBufferBytes);
                var response = new ProgressReadStream(buffered, progress);
                foreach (var (index, hash, ranges) in children)
                {
                    if (ranges.IsEmpty)
                        continue;
                    var size = await ResponseFraming.ReadBlobHeaderAsync(response, peer, hash, idle.Token).ConfigureAwait(false);
                    var tree = new BaoTree(size, store.BlockSize);
                    IBlobWriter writer;
                    try
                    {
                        writer = placeAt is not null && placeAt.TryGetValue(index, out var path)
                            ? await store.OpenWriterAsync(hash, tree, path, cancellationToken).ConfigureAwait(false)
                            : await store.OpenWriterAsync(hash, tree, cancellationToken).ConfigureAwait(false);
                    }
                    catch (BlobSizeMismatchException e)
                    {
                        throw new ResponseFormatException(peer, $"child {index} ({hash.ToHex()}) of {root.ToHex()}: claims {size} bytes, but its size was proved otherwise: {e.Message}", e);
                    }
                    await using (writer.ConfigureAwait(false))
                    {
                        using var decoder = new ResponseDecoder(hash, tree, ranges, response, $"peer {peer}");
                        try
                        {
                            while (await decoder.NextAsync(idle.Token).ConfigureAwait(false) is { } item)
                            {
                                await writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
                                if (!item.IsParent)
                                    progress.AddData(item.Bytes.Length);
                                idle.CancelAfter(stallTimeout);
                            }
                        }
                        catch (BaoVerificationException e)
                        {
                            throw new TransferVerificationException(peer, hash, e);
                        }
                        finally
                        {
                            await writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                        }
                    }
                    progress.Verified(index + 1);
                }
                await ResponseFraming.ExpectEndAsync(response, peer, idle.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RequestStalledException(peer, root, $"nothing verified arrived for {stallTimeout.TotalSeconds:0.#} s (children {progress.VerifiedEnd}.. of the request from {first} pending)");
        }
    }
}
