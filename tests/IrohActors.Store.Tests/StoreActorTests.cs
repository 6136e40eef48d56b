using IrohActors.Actors;
using IrohActors.Actors.TestKit;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Store;
using IrohActors.Store.Actors;

namespace IrohActors.Store.Tests;

/// <summary>BlobStoreActor and OutboardActor: the protocol, the child, parallel imports, supervision.</summary>
public sealed class StoreActorTests : TestKit
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Imports_run_on_the_outboard_child_and_the_store_answers_status_missing_tags_and_gc()
    {
        await using var store = BlobStores.InMemory();
        var actor = ActorOf(BlobStoreActor.Props(store, 2), "store");
        var data = TestData.Bytes(100_000, 1);

        actor.Tell(new ImportBytes(data, Tag: "one"), TestActor);
        var imported = ExpectMsg<BlobImported>(Long);
        Assert.Equal(Hasher.Hash(data), imported.Hash);
        Assert.Null(imported.TempTag);
        Assert.EndsWith("/store/outboard", LastSender.Path.ToString());

        var status = await actor.Ask<BlobStatus>(new GetStatus(imported.Hash), Long);
        Assert.Equal(BlobState.Complete, status.State);
        var missing = await actor.Ask<MissingRanges>(new GetMissing(Hasher.Hash("absent"u8)), Long);
        Assert.True(missing.Ranges.IsAll);
        var tags = await actor.Ask<TagList>(new ListTags(), Long);
        Assert.Equal("one", Assert.Single(tags.Tags).Name);

        var loose = await actor.Ask<BlobImported>(new ImportBytes(TestData.Bytes(10, 2)), Long);
        loose.TempTag!.Dispose();
        var gc = await actor.Ask<GcResult>(new RunGc(), Long);
        Assert.Equal([loose.Hash], gc.Deleted);
        Assert.True((await actor.Ask<TagRemoved>(new RemoveTag("one"), Long)).Existed);
    }

    [Fact]
    public async Task Many_imports_at_once_all_complete_with_bounded_parallelism()
    {
        await using var store = BlobStores.InMemory();
        var actor = ActorOf(BlobStoreActor.Props(store, 2), "store");
        var tasks = Enumerable.Range(0, 20).Select(i => actor.Ask<BlobImported>(new ImportBytes(TestData.Bytes(50_000 + i, i)), Long)).ToArray();
        var results = await Task.WhenAll(tasks);
        for (var i = 0; i < 20; i++)
            Assert.Equal(Hasher.Hash(TestData.Bytes(50_000 + i, i)), results[i].Hash);
        foreach (var r in results)
            r.TempTag!.Dispose();
    }

    [Fact]
    public async Task One_writer_per_blob_and_typed_failures_as_replies()
    {
        await using var store = BlobStores.InMemory();
        var actor = ActorOf(BlobStoreActor.Props(store), "store");
        var data = TestData.Bytes(40_000, 3);
        var (root, tree, encoded) = TestData.Encode(data, ChunkRanges.All);
        var opened = await actor.Ask<WriterOpened>(new OpenWriter(root, tree), Long);
        await Assert.ThrowsAsync<BlobBusyException>(() => actor.Ask<WriterOpened>(new OpenWriter(root, tree), Long));
        await Assert.ThrowsAnyAsync<IOException>(() => actor.Ask<BlobImported>(new ImportFile("/nonexistent/file"), Long));
        await using (opened.Writer)
        {
            using var decoder = new ResponseDecoder(root, tree, ChunkRanges.All, new MemoryStream(encoded));
            await opened.Writer.WriteAllAsync(decoder);
        }
        Assert.Equal(BlobState.Complete, (await actor.Ask<BlobStatus>(new GetStatus(root), Long)).State);
        // The actor is still alive after expected failures.
        Watch(actor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_crash_restarts_the_actor_and_its_child_without_losing_the_store()
    {
        await using var inner = BlobStores.InMemory();
        var store = new FaultyStore(inner);
        var actor = ActorOf(BlobStoreActor.Props(store), "store");
        Watch(actor);
        var before = await actor.Ask<BlobImported>(new ImportBytes(TestData.Bytes(70_000, 4), "kept"), Long);

        store.FailNextStatus = true;
        var crash = await Assert.ThrowsAsync<InvalidOperationException>(() => actor.Ask<BlobStatus>(new GetStatus(before.Hash), Long));
        Assert.Contains("simulated", crash.Message);

        // Restarted (not stopped): same reference answers, the blob and tag are there, the new child imports.
        var status = await actor.Ask<BlobStatus>(new GetStatus(before.Hash), Long);
        Assert.Equal(BlobState.Complete, status.State);
        Assert.Equal("kept", Assert.Single((await actor.Ask<TagList>(new ListTags(), Long)).Tags).Name);
        actor.Tell(new ImportBytes(TestData.Bytes(5, 5), "after"), TestActor);
        ExpectMsg<BlobImported>(Long);
        Assert.EndsWith("/store/outboard", LastSender.Path.ToString());
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // no Terminated
    }

    /// <summary>A store that fails one status call with an unexpected exception, as a bug would.</summary>
    private sealed class FaultyStore(IBlobStore inner) : IBlobStore
    {
        public volatile bool FailNextStatus;

        public BlockSize BlockSize => inner.BlockSize;

        public Task<BlobStatus> StatusAsync(Hash hash, CancellationToken cancellationToken = default)
        {
            if (FailNextStatus)
            {
                FailNextStatus = false;
                throw new InvalidOperationException("simulated bug");
            }
            return inner.StatusAsync(hash, cancellationToken);
        }

        public Task<ImportResult> ImportBytesAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => inner.ImportBytesAsync(data, cancellationToken);

        public Task<ImportResult> ImportStreamAsync(Stream data, CancellationToken cancellationToken = default) => inner.ImportStreamAsync(data, cancellationToken);

        public Task<ImportResult> ImportFileAsync(string path, ImportMode mode = ImportMode.Copy, CancellationToken cancellationToken = default) => inner.ImportFileAsync(path, mode, cancellationToken);

        public Task ExportAsync(Hash hash, string path, ExportMode mode = ExportMode.Copy, CancellationToken cancellationToken = default) => inner.ExportAsync(hash, path, mode, cancellationToken);

        public Task<BlobReader> OpenReaderAsync(Hash hash, ChunkRanges ranges, CancellationToken cancellationToken = default) => inner.OpenReaderAsync(hash, ranges, cancellationToken);

        public Task<ChunkRanges> MissingAsync(Hash hash, CancellationToken cancellationToken = default) => inner.MissingAsync(hash, cancellationToken);

        public IAsyncEnumerable<BlobStatus> ListAsync(CancellationToken cancellationToken = default) => inner.ListAsync(cancellationToken);

        public Task<bool> DeleteAsync(Hash hash, CancellationToken cancellationToken = default) => inner.DeleteAsync(hash, cancellationToken);

        public IAsyncEnumerable<BlobStatus> ObserveAsync(Hash hash, CancellationToken cancellationToken = default) => inner.ObserveAsync(hash, cancellationToken);

        public Task<IBlobWriter> OpenWriterAsync(Hash hash, BaoTree tree, CancellationToken cancellationToken = default) => inner.OpenWriterAsync(hash, tree, cancellationToken);

        public TempTag CreateTempTag(Hash hash, BlobFormat format = BlobFormat.Raw) => inner.CreateTempTag(hash, format);

        public Task SetTagAsync(string name, Hash hash, BlobFormat format = BlobFormat.Raw, CancellationToken cancellationToken = default) => inner.SetTagAsync(name, hash, format, cancellationToken);

        public Task<bool> RemoveTagAsync(string name, CancellationToken cancellationToken = default) => inner.RemoveTagAsync(name, cancellationToken);

        public Task<IReadOnlyList<TagInfo>> ListTagsAsync(CancellationToken cancellationToken = default) => inner.ListTagsAsync(cancellationToken);

        public Task<GcResult> GcAsync(CancellationToken cancellationToken = default) => inner.GcAsync(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>hocon/reference.conf states the store's defaults.</summary>
public sealed class StoreConfigTests
{
    [Fact]
    public void The_reference_configuration_states_the_store_defaults()
    {
        var fromReference = StoreOptions.FromConfig(IrohActors.Hocon.HoconConfig.LoadReference());
        Assert.Equal(new StoreOptions(), fromReference);
    }

    [Fact]
    public void Bad_values_name_their_key()
    {
        var config = IrohActors.Hocon.HoconConfig.ParseString("iroh.store.chunk-log = 40");
        var e = Assert.Throws<ArgumentException>(() => StoreOptions.FromConfig(config));
        Assert.Contains("iroh.store.chunk-log", e.Message);
    }
}
