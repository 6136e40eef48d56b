using IrohActors.Actors;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.Getter;
using IrohActors.Node.Identity;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Protocol;
using IrohActors.Node.Provider;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Blobs;

public class ProviderTests
{
    /// <summary>Sends raw request header bytes and returns the error frame the provider answers with.</summary>
    private static async Task<ProviderErrorException> ErrorForAsync(NodeConnection connection, byte[] header)
    {
        await using var stream = await connection.OpenStreamAsync(header);
        await stream.CompleteWritesAsync();
        var tag = await ResponseFraming.ReadTagAsync(stream, connection.RemoteNodeId, CancellationToken.None);
        Assert.Equal(ResponseTag.Error, tag);
        var error = await ResponseFraming.ReadErrorAsync(stream, connection.RemoteNodeId, CancellationToken.None);
        Assert.Null(await ResponseFraming.ReadTagAsync(stream, connection.RemoteNodeId, CancellationToken.None));
        return error;
    }

    [Fact]
    public async Task MalformedRequestsGetABadRequestFrameAndTheConnectionKeepsServing()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync();
        var data = TestNodes.RandomBytes(50_000, 4);
        using var imported = await provider.Store.ImportBytesAsync(data);
        var connection = await getter.ConnectAsync(provider.Address);

        var garbage = new[]
        {
            (Bytes: new byte[] { 0x01, 0x07 }, Text: "unknown request type 0x07", Offset: "byte 1"),
            (Bytes: new byte[] { 0x09, 0x00 }, Text: "version 9 is not supported", Offset: "byte 0"),
            (Bytes: [.. RequestCodec.Encode(GetRequest.Blob(imported.Hash)), 0xff], Text: "unexpected bytes", Offset: "byte 40"),
            (Bytes: new byte[] { 0x01, 0x00, 0x01, 0x02 }, Text: "hash", Offset: "byte 2"),
        };
        foreach (var (bytes, text, offset) in garbage)
        {
            var error = await ErrorForAsync(connection, bytes).WaitAsync(TestNodes.Generous);
            Assert.Equal(ErrorCode.BadRequest, error.Code);
            Assert.Contains(text, error.ProviderMessage);
            Assert.Contains(offset, error.ProviderMessage);
        }
        // The same connection still serves a good request, also concurrently with a bad one.
        var bad = ErrorForAsync(connection, [0x01, 0x42]);
        var good = new BlobGetter(getter.Store).GetBlobAsync(connection, imported.Hash);
        await Task.WhenAll(bad, good).WaitAsync(TestNodes.Generous);
        Assert.Equal(data, await TestNodes.ReadAllAsync(getter.Store, imported.Hash));
        var stats = await provider.Provider.Ask<ProviderStats>(GetProviderStats.Instance, TestNodes.Generous);
        Assert.Equal(5, stats.Refused);
        Assert.Equal(1, stats.Admitted);
    }

    [Fact]
    public async Task AnAllowListRefusesOtherNodesWithPermission()
    {
        await using var nodes = new TestNodes();
        var allowed = await nodes.StartAsync();
        var stranger = await nodes.StartAsync();
        var provider = await nodes.StartAsync(new ProviderOptions { Access = AccessPolicy.AllowList([allowed.NodeId]) });
        using var imported = await provider.Store.ImportBytesAsync("secret"u8.ToArray());
        var ticket = provider.CreateTicket(imported.Hash, BlobFormat.Raw);
        var e = await Assert.ThrowsAsync<ProviderErrorException>(() => stranger.DownloadAsync(ticket).WaitAsync(TestNodes.Generous));
        Assert.Equal(ErrorCode.Permission, e.Code);
        Assert.Contains(stranger.NodeId.ToString(), e.ProviderMessage);
        await allowed.DownloadAsync(ticket).WaitAsync(TestNodes.Generous);
        Assert.Equal(BlobState.Complete, (await allowed.Store.StatusAsync(imported.Hash)).State);
    }

    [Fact]
    public async Task ARequestOverTheSizeLimitIsRefusedWithLimit()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync(new ProviderOptions { MaxRequestSize = 100 });
        var getter = await nodes.StartAsync();
        var connection = await getter.ConnectAsync(provider.Address);
        var hashes = Enumerable.Range(0, 5).Select(i => Hasher.Hash([(byte)i])).ToList();
        var request = RequestCodec.Encode(new GetManyRequest(hashes, ChunkRangesSeq.All));
        var error = await ErrorForAsync(connection, request).WaitAsync(TestNodes.Generous);
        Assert.Equal(ErrorCode.Limit, error.Code);
        Assert.Contains($"{request.Length} bytes exceeds the limit of 100", error.ProviderMessage);
    }

    [Fact]
    public async Task GetManyAnswersEachHashInOrder()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync();
        var blobs = Enumerable.Range(0, 3).Select(i => TestNodes.RandomBytes(20_000 * (i + 1), 20 + i)).ToList();
        var hashes = new List<Hash>();
        foreach (var b in blobs)
            hashes.Add((await provider.Store.ImportBytesAsync(b)).Hash);
        var connection = await getter.ConnectAsync(provider.Address);
        // Skip the middle one: offsets 0 and 2 only.
        var ranges = ChunkRangesSeq.FromRanges([ChunkRanges.All, ChunkRanges.Empty, ChunkRanges.All]);
        await using var stream = await connection.OpenStreamAsync(RequestCodec.Encode(new GetManyRequest(hashes, ranges)));
        await stream.CompleteWritesAsync();
        foreach (var i in new[] { 0, 2 })
        {
            Assert.Equal(ResponseTag.Blob, await ResponseFraming.ReadTagAsync(stream, provider.NodeId, default));
            var size = await ResponseFraming.ReadSizeAsync(stream, provider.NodeId, default);
            Assert.Equal((ulong)blobs[i].Length, size);
            using var decoder = new ResponseDecoder(hashes[i], new BaoTree(size, BlockSize.Default), ChunkRanges.All, stream);
            using var output = new MemoryStream();
            await decoder.DecodeIntoAsync(output);
            Assert.Equal(blobs[i], output.ToArray());
        }
        Assert.Null(await ResponseFraming.ReadTagAsync(stream, provider.NodeId, default));
    }

    [Fact]
    public async Task ObserveReportsTheRangesHeld()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync();
        var data = TestNodes.RandomBytes(100_000, 5);
        using var imported = await provider.Store.ImportBytesAsync(data);
        var connection = await getter.ConnectAsync(provider.Address);

        async Task<(ulong, ChunkRanges)> ObserveAsync(Hash hash)
        {
            await using var stream = await connection.OpenStreamAsync(RequestCodec.Encode(new ObserveRequest(hash, ChunkRanges.All, false)));
            await stream.CompleteWritesAsync();
            Assert.Equal(ResponseTag.Observe, await ResponseFraming.ReadTagAsync(stream, provider.NodeId, default));
            var item = await ResponseFraming.ReadObserveAsync(stream, provider.NodeId, default);
            Assert.Null(await ResponseFraming.ReadTagAsync(stream, provider.NodeId, default));
            return item;
        }

        var (size, ranges) = await ObserveAsync(imported.Hash).WaitAsync(TestNodes.Generous);
        Assert.Equal((ulong)data.Length, size);
        Assert.Equal(ChunkRanges.Range(0, 98), ranges);
        var (absentSize, absentRanges) = await ObserveAsync(Hasher.Hash("nope"u8)).WaitAsync(TestNodes.Generous);
        Assert.Equal(0UL, absentSize);
        Assert.True(absentRanges.IsEmpty);
    }

    [Fact]
    public async Task ObserveWithFollowReportsChanges()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync();
        var data = TestNodes.RandomBytes(40_000, 13);
        var hash = Hasher.Hash(data);
        var connection = await getter.ConnectAsync(provider.Address);
        await using var stream = await connection.OpenStreamAsync(RequestCodec.Encode(new ObserveRequest(hash, ChunkRanges.All, true)));
        await stream.CompleteWritesAsync();
        Assert.Equal(ResponseTag.Observe, await ResponseFraming.ReadTagAsync(stream, provider.NodeId, default).AsTask().WaitAsync(TestNodes.Generous));
        Assert.True((await ResponseFraming.ReadObserveAsync(stream, provider.NodeId, default)).Ranges.IsEmpty);
        using var imported = await provider.Store.ImportBytesAsync(data);
        Assert.Equal(ResponseTag.Observe, await ResponseFraming.ReadTagAsync(stream, provider.NodeId, default).AsTask().WaitAsync(TestNodes.Generous));
        var (size, ranges) = await ResponseFraming.ReadObserveAsync(stream, provider.NodeId, default);
        Assert.Equal((ulong)data.Length, size);
        Assert.Equal(ChunkRanges.Range(0, 40), ranges);
    }

    [Fact]
    public async Task EventsFollowARequestFromStartToCompletion()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync(new ProviderOptions { ProgressEventBytes = 64 * 1024 });
        var getter = await nodes.StartAsync();
        var data = TestNodes.RandomBytes(1_200_000, 6);
        using var imported = await provider.Store.ImportBytesAsync(data);
        var events = new System.Collections.Concurrent.ConcurrentQueue<ProviderEvent>();
        var completed = new TaskCompletionSource();
        var listener = provider.System.ActorOf(Props.Create(() => new Collector(events, completed)), "collector");
        provider.System.EventStream.Subscribe<ProviderEvent>(listener);

        await getter.DownloadAsync(provider.CreateTicket(imported.Hash, BlobFormat.Raw)).WaitAsync(TestNodes.Generous);
        await completed.Task.WaitAsync(TestNodes.Generous);

        var list = events.ToList();
        var started = Assert.IsType<ProviderRequestStarted>(list[0]);
        Assert.Equal(getter.NodeId, started.Peer);
        Assert.Equal(imported.Hash, Assert.IsType<GetRequest>(started.Request).Hash);
        var progress = list.OfType<ProviderBytesSent>().ToList();
        Assert.True(progress.Count >= 3, $"{progress.Count} progress events");
        Assert.True(progress.Zip(progress.Skip(1)).All(p => p.First.TotalBytes < p.Second.TotalBytes));
        var done = Assert.IsType<ProviderRequestCompleted>(list[^1]);
        Assert.True(done.TotalBytes > data.Length);
        Assert.All(list, e => Assert.Equal(started.RequestId, e.RequestId));
    }

    [Fact]
    public async Task ARequesterThatTakesNothingIsDroppedAfterTheStallTimeoutAndItsSlotFreed()
    {
        await using var nodes = new TestNodes();
        // One request per peer: while the stalled one holds the slot, another would be refused with Limit.
        var provider = await nodes.StartAsync(new ProviderOptions { StallTimeout = TimeSpan.FromMilliseconds(500), MaxConcurrentRequestsPerPeer = 1 });
        var getter = await nodes.StartAsync();
        // Far more than the stream's window lets out before the requester reads.
        var data = TestNodes.RandomBytes(8 << 20, 8);
        using var imported = await provider.Store.ImportBytesAsync(data);
        var events = new System.Collections.Concurrent.ConcurrentQueue<ProviderEvent>();
        var finished = new TaskCompletionSource();
        var listener = provider.System.ActorOf(Props.Create(() => new Collector(events, finished)), "collector");
        provider.System.EventStream.Subscribe<ProviderEvent>(listener);
        var connection = await getter.ConnectAsync(provider.Address);

        await using (var stalled = await connection.OpenStreamAsync(RequestCodec.Encode(GetRequest.Blob(imported.Hash))))
        {
            await stalled.CompleteWritesAsync();
            // Not a byte read: the provider's writes wait for credit until the watchdog drops the request.
            await finished.Task.WaitAsync(TestNodes.Generous);
            var failed = Assert.IsType<ProviderRequestFailed>(events.Last());
            Assert.Equal(ErrorCode.Limit, failed.Code);
            Assert.Contains("the requester took nothing for 0.5 s (iroh.provider.stall-timeout)", failed.Reason);
            // What the window had let out is still readable; then the reset.
            var buffer = new byte[1 << 20];
            var reset = await Assert.ThrowsAsync<StreamResetException>(async () =>
            {
                while (await stalled.ReadAsync(buffer).AsTask().WaitAsync(TestNodes.Generous) > 0)
                {
                }
            });
            Assert.Equal(StreamErrorCode.Cancelled, reset.Code);
        }

        // The slot is free again: the same peer's next request is served whole (a blob within one window, so that its
        // provider never waits for credit, however slowly a loaded test run reads).
        var small = TestNodes.RandomBytes(100_000, 9);
        using var next = await provider.Store.ImportBytesAsync(small);
        await getter.DownloadAsync(provider.CreateTicket(next.Hash, BlobFormat.Raw)).WaitAsync(TestNodes.Generous);
        Assert.Equal(small, await TestNodes.ReadAllAsync(getter.Store, next.Hash));
    }

    private sealed class Collector : ReceiveActor
    {
        public Collector(System.Collections.Concurrent.ConcurrentQueue<ProviderEvent> events, TaskCompletionSource completed)
        {
            Receive<ProviderEvent>(e =>
            {
                events.Enqueue(e);
                if (e is ProviderRequestCompleted or ProviderRequestFailed)
                    completed.TrySetResult();
            });
        }
    }
}
