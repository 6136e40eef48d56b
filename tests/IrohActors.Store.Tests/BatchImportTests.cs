using IrohActors.Actors;
using IrohActors.Actors.Hosting;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Store.Backends;
using IrohActors.Hocon;
using IrohActors.Store.Actors;
using IrohActors.Store.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IrohActors.Store.Tests;

/// <summary>Group commit in the file-system store, and the store's configuration through a generic host.</summary>
public sealed class BatchImportTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly string _dir = TestData.TempDir("batch");

    public void Dispose() => Directory.Delete(_dir, true);

    private string[] WriteFiles(int count, Func<int, int> size)
    {
        var paths = new string[count];
        for (var i = 0; i < count; i++)
        {
            paths[i] = Path.Combine(_dir, $"f{i}.bin");
            File.WriteAllBytes(paths[i], TestData.Bytes(size(i), 500 + i));
        }
        return paths;
    }

    [Fact]
    public async Task Many_imports_share_batches()
    {
        var paths = WriteFiles(100, i => 100 + i * 37);
        // Batches close at 25 imports (a long delay keeps them open until then while files are still being hashed).
        var options = new StoreOptions { CommitBatchItems = 25, CommitBatchDelay = TimeSpan.FromSeconds(30) };
        await using var store = BlobStores.OpenFileSystem(Path.Combine(_dir, "store"), options);
        var results = await store.ImportFilesAsync(paths, ImportMode.InPlace);
        foreach (var r in results)
            r.Dispose();
        var batches = ((StoreEngine)store).Batcher.CommittedBatches;
        Assert.InRange(batches, 4, paths.Length / 2);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(32)]
    public async Task Results_follow_the_paths_whatever_the_import_concurrency(int concurrency)
    {
        // More workers than files and a single worker both give every file its own hash, in the order of the paths.
        var paths = WriteFiles(20, i => i * 1500);
        await using var store = BlobStores.OpenFileSystem(Path.Combine(_dir, $"store-{concurrency}"), new StoreOptions { ImportConcurrency = concurrency });
        var results = await store.ImportFilesAsync(paths, ImportMode.InPlace);
        Assert.Equal(paths.Select(p => Hasher.Hash(File.ReadAllBytes(p))), results.Select(r => r.Hash));
        foreach (var r in results)
        {
            Assert.Equal(BlobState.Complete, (await store.StatusAsync(r.Hash)).State);
            r.Dispose();
        }
    }

    [Fact]
    public async Task Announced_bulk_imports_fill_one_batch_instead_of_one_each()
    {
        // Five imports queued 20 ms apart, nobody hashing in between: without the announcement each would be committed
        // alone (a batch waits only while imports are being hashed); announced, they wait for each other (≤ 1 s).
        var sizes = new List<int>();
        var batcher = new ImportBatcher(new StoreOptions(), batch =>
        {
            lock (sizes)
                sizes.Add(batch.Count);
            foreach (var item in batch)
                item.Complete(new ImportResult(item.Hash, 0, new TempTag(item.Hash, BlobFormat.Raw, _ => { })));
            return Task.CompletedTask;
        });
        await using (batcher)
        {
            var set = new ImportSet(5);
            batcher.Announce(5);
            for (var i = 0; i < 5; i++)
            {
                var data = TestData.Bytes(10, i);
                var outboard = PreOrderOutboard.Create(data);
                set.Add();
                batcher.Enqueue(new PendingImport(outboard.Root, new StagedBytes(data, data.Length), outboard, set, i));
                batcher.Announce(-1);
                await Task.Delay(20);
            }
            await set.SealAsync().WaitAsync(Patience);
            Assert.Null(set.Failure);
            Assert.All(set.Results, Assert.NotNull);
        }
        Assert.Equal(5, sizes.Sum());
        Assert.InRange(sizes.Count, 1, 2); // 2 only if the machine stalled this test for a second
    }

    [Theory]
    [InlineData(ImportMode.Copy)]
    [InlineData(ImportMode.InPlace)]
    public async Task Batch_imports_are_complete_after_a_reopen_and_leave_no_temp_files(ImportMode mode)
    {
        // Inline, owned data with an inline outboard, owned data and outboard.
        var paths = WriteFiles(12, i => (i % 3) switch { 0 => 9000 + i, 1 => (1 << 20) + i, _ => (5 << 20) + i });
        var storeDir = Path.Combine(_dir, "store");
        Hash[] hashes;
        await using (var store = BlobStores.OpenFileSystem(storeDir))
        {
            var results = await store.ImportFilesAsync(paths, mode);
            hashes = results.Select(r => r.Hash).ToArray();
            foreach (var (r, i) in results.Select((r, i) => (r, i)))
                await store.SetTagAsync($"t{i}", r.Hash);
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(storeDir, "temp")));
        await using (var store = BlobStores.OpenFileSystem(storeDir))
        {
            for (var i = 0; i < paths.Length; i++)
            {
                var bytes = await File.ReadAllBytesAsync(paths[i]);
                Assert.Equal(Hasher.Hash(bytes), hashes[i]);
                Assert.Equal(BlobState.Complete, (await store.StatusAsync(hashes[i])).State);
                Assert.Equal(bytes, await TestData.ReadAllAsync(store, hashes[i]));
            }
        }
    }

    [Theory]
    [InlineData(ImportMode.Copy)]
    [InlineData(ImportMode.InPlace)]
    public async Task Hashes_are_reported_once_in_the_order_of_the_paths_and_match_the_results(ImportMode mode)
    {
        var paths = WriteFiles(40, i => (i % 4) switch { 0 => i, 1 => 16 * 1024 + i, 2 => 3000 + i * 11, _ => (300 << 10) + i });
        await using var store = BlobStores.OpenFileSystem(Path.Combine(_dir, "store"));
        var reports = new List<IReadOnlyList<HashedBlob>>();
        var results = await store.ImportFilesAsync(paths, mode, hashed => reports.Add(hashed));
        var reported = Assert.Single(reports);
        Assert.Equal(paths.Length, reported.Count);
        for (var i = 0; i < paths.Length; i++)
        {
            var bytes = await File.ReadAllBytesAsync(paths[i]);
            Assert.Equal(Hasher.Hash(bytes), reported[i].Hash);
            Assert.Equal((ulong)bytes.Length, reported[i].Size);
            Assert.Equal(reported[i].Hash, results[i].Hash);
            Assert.Equal(BlobState.Complete, (await store.StatusAsync(results[i].Hash)).State);
            results[i].Dispose();
        }
    }

    [Fact]
    public async Task Hashes_are_reported_before_the_batches_commit()
    {
        // A garbage collection holds the store's gate (its child enumerator waits), so no batch can commit until the
        // report releases it: the report must come first (reported only after the commits, this would never finish).
        var gcInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new StoreOptions { ChildEnumerator = _ => WaitInsideGc(gcInside, release.Task) };
        var paths = WriteFiles(30, i => 500 + i * 101);
        await using var store = BlobStores.OpenFileSystem(Path.Combine(_dir, "store"), options);
        using (var seq = await store.ImportBytesAsync(new byte[Hash.Size]))
            await store.SetTagAsync("seq", seq.Hash, BlobFormat.HashSeq);
        var gc = store.GcAsync();
        await gcInside.Task.WaitAsync(Patience);
        var states = new List<BlobState>();
        var import = store.ImportFilesAsync(paths, ImportMode.InPlace, hashed =>
        {
            states.AddRange(hashed.Select(h => store.StatusAsync(h.Hash).Result.State));
            release.SetResult();
        });
        var results = await import.WaitAsync(Patience);
        await gc.WaitAsync(Patience);
        Assert.Equal(paths.Length, states.Count);
        Assert.All(states, s => Assert.Equal(BlobState.Absent, s));
        foreach (var r in results)
        {
            Assert.Equal(BlobState.Complete, (await store.StatusAsync(r.Hash)).State);
            r.Dispose();
        }
    }

    private static async IAsyncEnumerable<Hash> WaitInsideGc(TaskCompletionSource inside, Task release)
    {
        inside.TrySetResult();
        await release;
        yield break;
    }

    [Fact]
    public async Task A_failing_report_fails_the_import_and_releases_its_pins()
    {
        var paths = WriteFiles(10, i => 1000 + i);
        await using var store = BlobStores.OpenFileSystem(Path.Combine(_dir, "store"));
        IReadOnlyList<HashedBlob>? reported = null;
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.ImportFilesAsync(paths, ImportMode.InPlace, hashed =>
        {
            reported = hashed;
            throw new InvalidOperationException("the caller gave up");
        }));
        Assert.Equal("the caller gave up", e.Message);
        Assert.NotNull(reported);
        // The commits finished (nothing half-written), and nothing pins the blobs any more.
        var gc = await store.GcAsync();
        Assert.Equal(paths.Length, gc.Deleted.Count);
        Assert.All(reported!, h => Assert.Contains(h.Hash, gc.Deleted));
    }

    [Fact]
    public async Task Nothing_is_reported_when_a_file_cannot_be_hashed()
    {
        var paths = WriteFiles(5, i => 100 + i).Append(Path.Combine(_dir, "missing.bin")).ToArray();
        await using var store = BlobStores.OpenFileSystem(Path.Combine(_dir, "store"));
        var called = false;
        await Assert.ThrowsAnyAsync<IOException>(() => store.ImportFilesAsync(paths, ImportMode.InPlace, _ => called = true));
        Assert.False(called);
    }

    [Fact]
    public void The_commit_keys_are_read_from_HOCON_and_bad_ones_name_their_key()
    {
        var options = StoreOptions.FromConfig(HoconConfig.ParseString("""
            iroh.store { commit-batch-items = 7, commit-batch-bytes = 1 MiB, commit-batch-delay = 5ms, outboard-parallelism = 3 }
            """));
        Assert.Equal(7, options.CommitBatchItems);
        Assert.Equal(1L << 20, options.CommitBatchBytes);
        Assert.Equal(TimeSpan.FromMilliseconds(5), options.CommitBatchDelay);
        Assert.Equal(3, options.OutboardParallelism);
        var e = Assert.Throws<ArgumentException>(() => StoreOptions.FromConfig(HoconConfig.ParseString("iroh.store.commit-batch-delay = -1s")));
        Assert.Contains("iroh.store.commit-batch-delay", e.Message);
    }

    [Fact]
    public void Import_concurrency_defaults_to_several_files_per_core_and_is_read_from_HOCON()
    {
        var fallback = new StoreOptions().EffectiveImportConcurrency;
        Assert.Equal(Math.Min(StoreOptions.MaxDefaultImportConcurrency, StoreOptions.ImportFilesPerCore * Environment.ProcessorCount), fallback);
        Assert.True(fallback > Environment.ProcessorCount || fallback == StoreOptions.MaxDefaultImportConcurrency);
        var options = StoreOptions.FromConfig(HoconConfig.ParseString("iroh.store.import-concurrency = 3"));
        Assert.Equal(3, options.ImportConcurrency);
        Assert.Equal(3, options.EffectiveImportConcurrency);
        var e = Assert.Throws<ArgumentException>(() => StoreOptions.FromConfig(HoconConfig.ParseString("iroh.store.import-concurrency = -2")));
        Assert.Contains("iroh.store.import-concurrency", e.Message);
    }

    [Fact]
    public async Task A_hosted_store_takes_its_settings_from_configuration()
    {
        var dataDir = Path.Combine(_dir, "hosted");
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddHoconString($$"""
            iroh.store {
              data-dir = "{{dataDir}}"
              inline-data-max = 100
              commit-batch-items = 3
              outboard-parallelism = 1
            }
            """);
        builder.Services.AddBlobStore();
        builder.Services.AddActorSystem("hosted-store", b => b.WithBlobStoreActor());
        var host = builder.Build();
        try
        {
            await host.StartAsync();
            var options = host.Services.GetRequiredService<StoreOptions>();
            Assert.Equal(new StoreOptions { DataDir = dataDir, MaxInlineData = 100, CommitBatchItems = 3, OutboardParallelism = 1 }, options);

            // The store lives in the configured directory, and 1000 bytes (inline by default) get a data file.
            var actor = host.Services.GetRequiredService<IRequiredActor<BlobStoreActor>>().ActorRef;
            var data = TestData.Bytes(1000, 9);
            var imported = await actor.Ask<BlobImported>(new ImportBytes(data, "kept"), Patience);
            Assert.Equal(Hasher.Hash(data), imported.Hash);
            Assert.True(File.Exists(Path.Combine(dataDir, "data", imported.Hash.ToHex() + ".data")));
            Assert.Equal(BlobState.Complete, (await actor.Ask<BlobStatus>(new GetStatus(imported.Hash), Patience)).State);
            await host.StopAsync();
        }
        finally
        {
            await ((IAsyncDisposable)host).DisposeAsync();
        }
    }
}
