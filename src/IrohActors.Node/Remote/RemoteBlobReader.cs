using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Node.Getter;
using IrohActors.Node.Protocol;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Remote;

/// <summary>
/// Random access to a blob held by another node, through verified range requests: each read asks the provider for
/// the 1 KiB chunks it touches (minus those already cached) in one Get, decodes the response against the root hash
/// and returns only bytes that verified. The size is proven once, at open, by a request for the last chunk (and the
/// first, which a collection's header needs next).
/// </summary>
public sealed class RemoteBlobReader : IBlobReader
{
    private const int ChunkBytes = 1024;
    private const int ResponseBufferBytes = 16 * 1024;
    private const int MaxRangesPerRequest = 256;
    private readonly Func<CancellationToken, ValueTask<NodeConnection>> _connect;
    private readonly RemoteReadOptions _options;
    private readonly ChunkCache _cache;
    private readonly SemaphoreSlim _storing = new(1, 1);
    private long _size = -1;
    private long _bytesReceived;
    private long _requests;

    private RemoteBlobReader(Func<CancellationToken, ValueTask<NodeConnection>> connect, Hash hash, RemoteReadOptions options)
    {
        _connect = connect;
        _options = options;
        _cache = new ChunkCache(options.CacheBytes);
        Hash = hash;
    }

    /// <summary>The blob's hash: every byte returned verified against it.</summary>
    public Hash Hash { get; }

    /// <inheritdoc/>
    /// <remarks>Proven: the provider sent the last chunk and it verified against <see cref="Hash"/>.</remarks>
    public long Size => _size;

    /// <summary>Response bytes received so far (item tags, size headers, parents and leaves), the size proof included.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Get requests sent so far, the size proof included.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Bytes of verified chunks held in the cache now.</summary>
    public long CachedBytes => _cache.Bytes;

    /// <summary>
    /// Opens <paramref name="hash"/> on the provider that <paramref name="connect"/> reaches (called once per request,
    /// so a reconnecting connection source keeps the reader usable), proving the blob's size with one request for the
    /// last chunk, which also fetches the first chunk.
    /// </summary>
    /// <exception cref="TransferVerificationException">The size proof did not verify (names the peer and chunk).</exception>
    /// <exception cref="ProviderErrorException">The provider refused (for example NotFound).</exception>
    /// <exception cref="ResponseFormatException">The response broke the framing.</exception>
    public static async Task<RemoteBlobReader> OpenAsync(Func<CancellationToken, ValueTask<NodeConnection>> connect, Hash hash, RemoteReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connect);
        options ??= new RemoteReadOptions();
        options.Validate();
        var reader = new RemoteBlobReader(connect, hash, options);
        // The first chunk rides along (a collection's header lives there): the first read is then often local.
        await reader.FetchAsync(ChunkRanges.Chunk(0) | ChunkRanges.LastChunk, 0, Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        return reader;
    }

    /// <summary>Opens <paramref name="hash"/> on the provider at the other end of <paramref name="connection"/>.</summary>
    /// <exception cref="TransferVerificationException">The size proof did not verify (names the peer and chunk).</exception>
    /// <exception cref="ProviderErrorException">The provider refused (for example NotFound).</exception>
    /// <exception cref="ResponseFormatException">The response broke the framing.</exception>
    public static Task<RemoteBlobReader> OpenAsync(NodeConnection connection, Hash hash, RemoteReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return OpenAsync(_ => ValueTask.FromResult(connection), hash, options, cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="TransferVerificationException">The provider's data did not verify (names the peer and chunk); no unverified byte reaches the buffer.</exception>
    /// <exception cref="ProviderErrorException">The provider refused the request.</exception>
    /// <exception cref="ResponseFormatException">The response broke the framing.</exception>
    public async ValueTask<int> ReadAtAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= _size || buffer.IsEmpty)
            return 0;
        var target = buffer[..(int)Math.Min(buffer.Length, _size - offset)];
        var first = (ulong)offset / ChunkBytes;
        var end = ((ulong)offset + (ulong)target.Length + ChunkBytes - 1) / ChunkBytes;
        // Cached chunks are copied now (they may be evicted during the fetch); the rest become one request.
        var missing = new List<ulong>();
        for (var chunk = first; chunk < end; chunk++)
        {
            if (_cache.TryGet(chunk) is { } data)
                CopyOverlap(chunk * ChunkBytes, data, offset, target.Span);
            else if (missing.Count > 0 && missing[^1] == chunk)
                missing[^1] = chunk + 1;
            else
            {
                missing.Add(chunk);
                missing.Add(chunk + 1);
            }
        }
        if (missing.Count == 0)
            return target.Length;
        // A request stays small (the provider limits its size): many gaps between cached chunks become one span.
        var ranges = missing.Count / 2 > MaxRangesPerRequest
            ? ChunkRanges.Range(missing[0], missing[^1])
            : ChunkRanges.FromBoundaries(missing.ToArray());
        await FetchAsync(ranges, offset, target, cancellationToken).ConfigureAwait(false);
        return target.Length;
    }

    /// <summary>
    /// One Get for <paramref name="ranges"/> (rounded out to whole groups when the options name a store to write
    /// them to): every leaf is verified by the decoder before it is cached and copied
    /// into <paramref name="target"/> (which holds the blob bytes from <paramref name="offset"/>). While the size is
    /// not yet proven (the first request), the provider's claimed size shapes the tree, and it is accepted only
    /// after the whole response verified.
    /// </summary>
    private async Task FetchAsync(ChunkRanges ranges, long offset, Memory<byte> target, CancellationToken cancellationToken)
    {
        if (_options.Store is not { } store)
        {
            await FetchAsync(ranges, null, offset, target, cancellationToken).ConfigureAwait(false);
            return;
        }
        // One writer per blob at a time: fetches that store take turns.
        await _storing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await FetchAsync(ranges.RoundUpToGroups(_options.BlockSize), store, offset, target, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _storing.Release();
        }
    }

    private async Task FetchAsync(ChunkRanges ranges, IBlobStore? store, long offset, Memory<byte> target, CancellationToken cancellationToken)
    {
        var connection = await _connect(cancellationToken).ConfigureAwait(false);
        var peer = connection.RemoteNodeId;
        var request = RequestCodec.Encode(new GetRequest(Hash, ChunkRangesSeq.Single(ranges)));
        Interlocked.Increment(ref _requests);
        var stream = await connection.OpenStreamAsync(request, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await stream.CompleteWritesAsync(cancellationToken).ConfigureAwait(false);
            using var response = new PooledReadStream(stream, ResponseBufferBytes);
            long received = 0;
            try
            {
                var size = await ResponseFraming.ReadBlobHeaderAsync(response, peer, Hash, cancellationToken).ConfigureAwait(false);
                received += 9;
                if (_size >= 0 && size != (ulong)_size)
                    throw new ResponseFormatException(peer, $"blob {Hash.ToHex()} is said to have {size} bytes, its proven size is {_size}");
                if (size > long.MaxValue)
                    throw new ResponseFormatException(peer, $"blob {Hash.ToHex()} is said to have {size} bytes");
                // Until the size is proven, what verified is kept aside and cached only once the whole proof verified.
                var proving = _size < 0 ? new List<(ulong Offset, byte[] Leaf)>() : null;
                var tree = new BaoTree(size, _options.BlockSize);
                using var decoder = new ResponseDecoder(Hash, tree, ranges, response, $"peer {peer}");
                var writer = store is null ? null : await store.OpenWriterAsync(Hash, tree, cancellationToken).ConfigureAwait(false);
                try
                {
                    while (await decoder.NextAsync(cancellationToken).ConfigureAwait(false) is { } item)
                    {
                        received += item.Bytes.Length;
                        if (writer is not null)
                            await writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
                        if (item.IsParent)
                            continue;
                        if (proving is null)
                            Accept(item.Offset, item.Bytes.Span, offset, target.Span);
                        else
                            proving.Add((item.Offset, item.Bytes.ToArray()));
                    }
                }
                catch (BaoVerificationException e)
                {
                    throw new TransferVerificationException(peer, Hash, e);
                }
                finally
                {
                    if (writer is not null)
                    {
                        // What verified before a failure is kept, as the getter keeps it.
                        await writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                        await writer.DisposeAsync().ConfigureAwait(false);
                    }
                }
                // One blob was asked for: the provider ends the stream after it, or says why it stopped.
                await ResponseFraming.ExpectEndAsync(response, peer, cancellationToken).ConfigureAwait(false);
                if (proving is not null)
                {
                    _size = (long)size;
                    foreach (var (leafOffset, leaf) in proving)
                        Accept(leafOffset, leaf, offset, target.Span);
                }
            }
            finally
            {
                Interlocked.Add(ref _bytesReceived, received);
            }
        }
    }

    /// <summary>Caches a verified leaf chunk by chunk and copies the part of it inside the read window.</summary>
    private void Accept(ulong leafOffset, ReadOnlySpan<byte> leaf, long offset, Span<byte> target)
    {
        for (var at = 0; at < leaf.Length; at += ChunkBytes)
        {
            var chunk = leaf.Slice(at, Math.Min(ChunkBytes, leaf.Length - at));
            var chunkOffset = leafOffset + (ulong)at;
            _cache.Add(chunkOffset / ChunkBytes, chunk);
            CopyOverlap(chunkOffset, chunk, offset, target);
        }
    }

    /// <summary>Copies the bytes of <paramref name="data"/> (at blob offset <paramref name="dataOffset"/>) that fall in the window target = blob[offset..].</summary>
    private static void CopyOverlap(ulong dataOffset, ReadOnlySpan<byte> data, long offset, Span<byte> target)
    {
        var start = Math.Max((long)dataOffset, offset);
        var end = Math.Min((long)dataOffset + data.Length, offset + target.Length);
        if (start < end)
            data.Slice((int)(start - (long)dataOffset), (int)(end - start)).CopyTo(target[(int)(start - offset)..]);
    }
}
