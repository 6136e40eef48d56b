using IrohActors.Actors;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Protocol;
using IrohActors.Node.Provider;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Blobs;

/// <summary>
/// A sequence of blobs (GetMany, a collection's children) prepared ahead by several workers in batches
/// (<see cref="BlobSequenceServer"/>): the response must be the same bytes, in the same order, as serving each blob
/// alone, and must stop or break exactly where a blob cannot be served.
/// </summary>
public sealed class BlobSequenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("node-sequence-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Sizes around the group (16 KiB) and the batch limits, an empty blob, and blobs too big for a batch.</summary>
    private static readonly int[] Sizes = [0, 1, 1000, 1024, 3_900, 16_384, 16_385, 40_000, 100_000, 262_100, 300_000, 700_000];

    /// <summary>The response a provider must send: each blob's header and verified stream, from the single-blob reader.</summary>
    private static async Task<byte[]> ExpectedAsync(IBlobStore store, IEnumerable<(Hash Hash, ChunkRanges Ranges)> blobs)
    {
        var expected = new MemoryStream();
        foreach (var (hash, ranges) in blobs)
        {
            using var reader = await store.OpenReaderAsync(hash, ranges);
            expected.Write(ResponseFraming.BlobHeader(reader.Tree.Size));
            await reader.WriteToAsync(expected);
        }
        return expected.ToArray();
    }

    private static async Task<byte[]> ResponseAsync(NodeConnection connection, BlobRequest request)
    {
        await using var stream = await connection.OpenStreamAsync(RequestCodec.Encode(request));
        await stream.CompleteWritesAsync();
        var response = new MemoryStream();
        await stream.CopyToAsync(response).WaitAsync(TestNodes.Generous);
        return response.ToArray();
    }

    [Fact]
    public async Task ACollectionOfMoreChildrenThanALookupSendsEachAsTheSingleBlobPathDoesInOrder()
    {
        await using var nodes = new TestNodes();
        // 1,100 files (three lookups, many batches over the workers), a few too big for a batch between the small ones.
        var (provider, getter, ticket, paths) = await ShareTreeAsync(nodes, 1100, i => (i % 100) switch
        {
            50 => 700_000,
            75 => 300_000,
            90 => 262_100,
            _ => Sizes[i % 9],
        });
        // Whole blobs, a few chunks inside the first group, ranges with a gap; now and then a child left out.
        var choices = new[] { ChunkRanges.All, ChunkRanges.Range(1, 3), ChunkRanges.Range(0, 1) | ChunkRanges.Range(17, 60), ChunkRanges.Empty };
        var ranges = paths.Select((_, i) => choices[i % 5 == 4 ? 3 : i % 3]).ToList();
        var connection = await getter.ConnectAsync(provider.Address);

        var response = await ResponseAsync(connection, new GetRequest(ticket.Hash, ChunkRangesSeq.FromRanges(ranges.Prepend(ChunkRanges.All))));

        // The collection lists the files in name order, which is the order they were written in.
        var children = paths.Select(p => Hasher.Hash(File.ReadAllBytes(p))).Zip(ranges).Where(c => !c.Second.IsEmpty);
        Assert.Equal(await ExpectedAsync(provider.Store, children.Prepend((ticket.Hash, ChunkRanges.All))), response);
    }

    [Fact]
    public async Task GetManySendsEachBlobAsTheSingleBlobPathDoesInOrder()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync();
        var hashes = new List<Hash>();
        for (var i = 0; i < 400; i++)
            hashes.Add((await provider.Store.ImportBytesAsync(TestNodes.RandomBytes(Sizes[(i * 7) % Sizes.Length], i % 50))).Hash);
        var connection = await getter.ConnectAsync(provider.Address);

        var response = await ResponseAsync(connection, new GetManyRequest(hashes, ChunkRangesSeq.FromRanges(hashes.Select(_ => ChunkRanges.All))));

        Assert.Equal(await ExpectedAsync(provider.Store, hashes.Select(h => (h, ChunkRanges.All))), response);
    }

    [Fact]
    public async Task AMissingBlobEndsTheResponseWithNotFoundAfterEveryBlobBeforeIt()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync();
        var hashes = new List<Hash>();
        for (var i = 0; i < 420; i++)
            hashes.Add((await provider.Store.ImportBytesAsync(TestNodes.RandomBytes(Sizes[i % 9], i))).Hash);
        var absent = Hasher.Hash("not in the provider's store"u8);
        hashes.Insert(380, absent);
        var connection = await getter.ConnectAsync(provider.Address);

        var response = await ResponseAsync(connection, new GetManyRequest(hashes, ChunkRangesSeq.FromRanges(hashes.Select(_ => ChunkRanges.All))));

        var before = await ExpectedAsync(provider.Store, hashes.Take(380).Select(h => (h, ChunkRanges.All)));
        Assert.Equal(before, response[..before.Length]);
        using var rest = new MemoryStream(response[before.Length..]);
        Assert.Equal(ResponseTag.Error, await ResponseFraming.ReadTagAsync(rest, provider.NodeId, default));
        var error = await ResponseFraming.ReadErrorAsync(rest, provider.NodeId, default);
        Assert.Equal(ErrorCode.NotFound, error.Code);
        Assert.Contains(absent.ToString(), error.Message);
        Assert.Equal(rest.Length, rest.Position);
    }

    /// <summary>A tree of files (<c>d00/f0000.bin</c>, …) shared in place from a file-system store; the paths in name order.</summary>
    /// <remarks>
    /// <paramref name="storeOptions"/> null: the store's defaults, so files up to 4 KiB are served from the bytes the import
    /// hashed (<see cref="StoreOptions.RecentImportCacheBytes"/>); tests of what happens to the files on disk pass their own.
    /// </remarks>
    private async Task<(IrohNode Provider, IrohNode Getter, IrohActors.Node.Tickets.BlobTicket Ticket, List<string> Paths)> ShareTreeAsync(TestNodes nodes, int files, Func<int, int>? size = null, StoreOptions? storeOptions = null)
    {
        size ??= i => Sizes[i % 8];
        var source = Path.Combine(_dir, "src");
        var paths = new List<string>();
        for (var i = 0; i < files; i++)
        {
            var path = Path.Combine(source, $"d{i / 100:D2}", $"f{i:D4}.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, TestNodes.RandomBytes(size(i), 1000 + i));
            paths.Add(path);
        }
        var provider = await nodes.StartAsync(store: BlobStores.OpenFileSystem(Path.Combine(_dir, "provider-store"), storeOptions));
        var getter = await nodes.StartAsync();
        var (ticket, _) = await provider.ShareAsync(source);
        return (provider, getter, ticket, paths);
    }

    [Fact]
    public async Task AnInPlaceFileChangedBehindItsStampBreaksTheResponseAndIsMarkedCorrupt()
    {
        await using var nodes = new TestNodes();
        var (provider, getter, ticket, paths) = await ShareTreeAsync(nodes, 400, storeOptions: NothingKept);
        // File 300 (3,900 bytes: one chunk group, framed in a batch): a flipped byte, the same size and modification time.
        var victim = paths[300];
        var bytes = File.ReadAllBytes(victim);
        var hash = Hasher.Hash(bytes);
        var mtime = File.GetLastWriteTimeUtc(victim);
        bytes[2_000] ^= 0x40;
        File.WriteAllBytes(victim, bytes);
        File.SetLastWriteTimeUtc(victim, mtime);

        await Assert.ThrowsAnyAsync<IOException>(() => getter.DownloadAsync(ticket).WaitAsync(TestNodes.Generous));

        Assert.Equal(BlobState.Corrupt, (await provider.Store.StatusAsync(hash)).State);
        var got = await getter.Store.StatusAsync(hash);
        Assert.NotEqual(BlobState.Complete, got.State);
        Assert.True(got.Ranges.IsEmpty, $"the getter holds [{got.Ranges}] of the changed file");
        // The provider keeps serving: the other files still arrive whole.
        var other = Hasher.Hash(File.ReadAllBytes(paths[17]));
        var connection = await getter.ConnectAsync(provider.Address);
        Assert.Equal(await ExpectedAsync(provider.Store, [(other, ChunkRanges.All)]), await ResponseAsync(connection, GetRequest.Blob(other)));
    }

    /// <summary>A store that keeps no imported bytes in memory: every file is read (and checked) from disk.</summary>
    private static readonly StoreOptions NothingKept = new() { RecentImportCacheBytes = 0 };

    [Fact]
    public async Task SmallFilesJustImportedAreServedAsImportedEvenIfTheirFilesChangedOrWentAway()
    {
        await using var nodes = new TestNodes();
        var (provider, getter, ticket, paths) = await ShareTreeAsync(nodes, 400);
        // File 300 (3,900 bytes) edited behind its stamp, file 250 (1,000 bytes) deleted: their imported bytes are still held.
        var edited = File.ReadAllBytes(paths[300]);
        var mtime = File.GetLastWriteTimeUtc(paths[300]);
        var flipped = (byte[])edited.Clone();
        flipped[2_000] ^= 0x40;
        File.WriteAllBytes(paths[300], flipped);
        File.SetLastWriteTimeUtc(paths[300], mtime);
        var deleted = File.ReadAllBytes(paths[250]);
        Assert.Equal(1_000, deleted.Length);
        File.Delete(paths[250]);

        await getter.DownloadAsync(ticket).WaitAsync(TestNodes.Generous);

        foreach (var original in new[] { edited, deleted })
        {
            var hash = Hasher.Hash(original);
            Assert.Equal(BlobState.Complete, (await getter.Store.StatusAsync(hash)).State);
            Assert.Equal(BlobState.Complete, (await provider.Store.StatusAsync(hash)).State);
            using var reader = await getter.Store.OpenReaderAsync(hash, ChunkRanges.All);
            var output = new MemoryStream();
            await reader.CopyDataToAsync(output);
            Assert.Equal(original, output.ToArray());
        }
        // A file over 4 KiB is read from disk, so an edit of one is still caught.
        var large = paths.FindIndex(p => new FileInfo(p).Length is > 4096 and <= 16_384);
        var bytes = File.ReadAllBytes(paths[large]);
        var largeHash = Hasher.Hash(bytes);
        var largeTime = File.GetLastWriteTimeUtc(paths[large]);
        bytes[100] ^= 1;
        File.WriteAllBytes(paths[large], bytes);
        File.SetLastWriteTimeUtc(paths[large], largeTime);
        var connection = await getter.ConnectAsync(provider.Address);
        try
        {
            await ResponseAsync(connection, GetRequest.Blob(largeHash));
        }
        catch (IOException)
        {
            // The provider broke the stream when the file failed its check; what matters is that it was checked.
        }
        Assert.Equal(BlobState.Corrupt, (await provider.Store.StatusAsync(largeHash)).State);
    }

    [Fact]
    public async Task AnInPlaceFileDeletedAfterTheImportEndsTheResponseWithAnInternalError()
    {
        await using var nodes = new TestNodes();
        var (_, getter, ticket, paths) = await ShareTreeAsync(nodes, 300, storeOptions: NothingKept);
        var deleted = Hasher.Hash(File.ReadAllBytes(paths[250]));
        File.Delete(paths[250]);

        var e = await Assert.ThrowsAsync<ProviderErrorException>(() => getter.DownloadAsync(ticket).WaitAsync(TestNodes.Generous));

        Assert.Equal(ErrorCode.Internal, e.Code);
        Assert.Contains(deleted.ToString(), e.Message);
        Assert.Contains("gone", e.Message);
        // Every file before it arrived (the collection lists them in name order, as they were written).
        foreach (var path in paths.Take(250).Where((_, i) => i % 7 == 0))
            Assert.Equal(BlobState.Complete, (await getter.Store.StatusAsync(Hasher.Hash(File.ReadAllBytes(path)))).State);
    }

    [Fact]
    public async Task AGetterThatResetsMidResponseLeavesTheProviderServing()
    {
        await using var nodes = new TestNodes();
        var (provider, getter, ticket, _) = await ShareTreeAsync(nodes, 600);
        var connection = await getter.ConnectAsync(provider.Address);
        var finished = new TaskCompletionSource<ProviderEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = provider.System.ActorOf(Props.Create(() => new EventProbe(finished)), "sequence-probe");
        provider.System.EventStream.Subscribe<ProviderRequestFailed>(listener);

        await using (var stream = await connection.OpenStreamAsync(RequestCodec.Encode(GetRequest.All(ticket.Hash))))
        {
            await stream.CompleteWritesAsync();
            var some = new byte[100_000];
            await stream.ReadExactlyAsync(some).AsTask().WaitAsync(TestNodes.Generous);
            stream.Reset();
        }

        Assert.IsType<ProviderRequestFailed>(await finished.Task.WaitAsync(TestNodes.Generous));
        var result = await getter.DownloadAsync(ticket).WaitAsync(TestNodes.Generous);
        Assert.True(result.IsCollection);
    }

    private sealed class EventProbe : ReceiveActor
    {
        public EventProbe(TaskCompletionSource<ProviderEvent> seen) => Receive<ProviderEvent>(e => seen.TrySetResult(e));
    }
}
