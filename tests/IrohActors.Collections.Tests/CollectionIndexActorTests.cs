using System.Collections.Concurrent;
using System.Text;
using IrohActors.Actors;
using IrohActors.Blake3;
using IrohActors.Collections.Index;

namespace IrohActors.Collections.Tests;

/// <summary>
/// The collection index actor against a model computed straight from the link lists the collections were built
/// from; blobs come from an in-memory "store" that counts how often each collection is opened.
/// </summary>
public sealed class CollectionIndexActorTests : Actors.TestKit.TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<Hash, byte[]> _store = new();
    private readonly ConcurrentDictionary<Hash, int> _opens = new();

    private ValueTask<IBlobReader?> Open(Hash collection, CancellationToken cancellationToken)
    {
        _opens.AddOrUpdate(collection, 1, (_, n) => n + 1);
        return ValueTask.FromResult<IBlobReader?>(_store.TryGetValue(collection, out var bytes) ? new MemoryBlobReader(bytes) : null);
    }

    private IActorRef NewIndex() => Sys.ActorOf(CollectionIndexActor.Props(Open));

    private async Task<Hash> StoreAsync(IEnumerable<Link> links)
    {
        var bytes = await TestLinks.BuildAsync(links);
        var hash = Hasher.Hash(bytes);
        _store[hash] = bytes;
        return hash;
    }

    private static Link L(string name, string content) => new(name, TestLinks.HashOf(content));

    private static async Task<T> AskAsync<T>(IActorRef index, object message) => await index.Ask<T>(message, Patience);

    private static List<string> Render(IEnumerable<IndexedLink> links) =>
        links.Select(l => $"{Convert.ToHexString(l.Name.Span)} {l.Collection.ToHex()} {l.Link.ToHex()}").ToList();

    [Fact]
    public async Task Lookup_and_prefix_queries_answer_from_every_held_collection()
    {
        var a = await StoreAsync([L("docs/readme.md", "1"), L("src/main.c", "2"), L("src/util.c", "3")]);
        var b = await StoreAsync([L("src/main.c", "other main"), L("src/zz.h", "4"), L("", "empty name")]);
        var index = NewIndex();
        await AskAsync<CollectionAdded>(index, new AddCollection(a));
        await AskAsync<CollectionAdded>(index, new AddCollection(b));

        var main = await AskAsync<LookupResult>(index, new Lookup("src/main.c"));
        var expected = new[] { (a, TestLinks.HashOf("2")), (b, TestLinks.HashOf("other main")) }
            .OrderBy(p => p.Item1.ToHex(), StringComparer.Ordinal).ToList();
        Assert.Equal(expected, main.Links.Select(l => (l.Collection, l.Link)));
        Assert.Empty(main.Unavailable);

        var empty = await AskAsync<LookupResult>(index, new Lookup(ReadOnlyMemory<byte>.Empty));
        Assert.Equal(TestLinks.HashOf("empty name"), Assert.Single(empty.Links).Link);
        Assert.Empty((await AskAsync<LookupResult>(index, new Lookup("src"))).Links);

        var src = await AskAsync<PrefixQueryResult>(index, new PrefixQuery("src/", 100));
        Assert.Equal(["src/main.c", "src/main.c", "src/util.c", "src/zz.h"], src.Links.Select(l => Encoding.UTF8.GetString(l.Name.Span)));
        Assert.False(src.Truncated);

        var limited = await AskAsync<PrefixQueryResult>(index, new PrefixQuery("src/", 2));
        Assert.Equal(Render(src.Links.Take(2)), Render(limited.Links));
        Assert.True(limited.Truncated);
        var exact = await AskAsync<PrefixQueryResult>(index, new PrefixQuery("src/", 4));
        Assert.False(exact.Truncated);
        Assert.Equal(6, (await AskAsync<PrefixQueryResult>(index, new PrefixQuery("", 1000))).Links.Count);

        var bad = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => AskAsync<PrefixQueryResult>(index, new PrefixQuery("src/", 0)));
        Assert.Contains("limit", bad.Message);
    }

    [Fact]
    public async Task Collections_are_read_on_the_first_query_not_when_added()
    {
        var a = await StoreAsync([L("x", "1")]);
        var index = NewIndex();
        await AskAsync<CollectionAdded>(index, new AddCollection(a));
        Assert.False(_opens.ContainsKey(a));
        var status = await AskAsync<CollectionIndexStatus>(index, GetCollectionIndexStatus.Instance);
        Assert.Equal(new CollectionIndexStatus(1, 0, 0, 0), status);

        await AskAsync<LookupResult>(index, new Lookup("x"));
        await AskAsync<LookupResult>(index, new Lookup("y"));
        await AskAsync<CollectionAdded>(index, new AddCollection(a)); // again: no reload
        await AskAsync<PrefixQueryResult>(index, new PrefixQuery("", 10));
        Assert.Equal(1, _opens[a]);
        Assert.Equal(new CollectionIndexStatus(1, 1, 0, 1), await AskAsync<CollectionIndexStatus>(index, GetCollectionIndexStatus.Instance));
    }

    [Fact]
    public async Task Removing_a_collection_removes_exactly_its_names_and_shared_names_stay_until_both_are_gone()
    {
        var a = await StoreAsync([L("shared", "a"), L("only-a", "a1")]);
        var b = await StoreAsync([L("shared", "b"), L("only-b", "b1")]);
        var index = NewIndex();
        await AskAsync<CollectionAdded>(index, new AddCollection(a));
        await AskAsync<CollectionAdded>(index, new AddCollection(b));
        Assert.Equal(2, (await AskAsync<LookupResult>(index, new Lookup("shared"))).Links.Count);

        var removed = await AskAsync<CollectionRemoved>(index, new RemoveCollection(a));
        Assert.Equal(new CollectionRemoved(a, true, 2), removed);
        var shared = await AskAsync<LookupResult>(index, new Lookup("shared"));
        Assert.Equal((b, TestLinks.HashOf("b")), (Assert.Single(shared.Links).Collection, shared.Links[0].Link));
        Assert.Empty((await AskAsync<LookupResult>(index, new Lookup("only-a"))).Links);
        Assert.Single((await AskAsync<LookupResult>(index, new Lookup("only-b"))).Links);

        // b's blob has left the store already: removal falls back to sweeping the tree.
        _store.TryRemove(b, out _);
        Assert.Equal(new CollectionRemoved(b, true, 2), await AskAsync<CollectionRemoved>(index, new RemoveCollection(b)));
        Assert.Empty((await AskAsync<PrefixQueryResult>(index, new PrefixQuery("", 10))).Links);
        Assert.Equal(new CollectionRemoved(b, false, 0), await AskAsync<CollectionRemoved>(index, new RemoveCollection(b)));
        Assert.Equal(new CollectionIndexStatus(0, 0, 0, 0), await AskAsync<CollectionIndexStatus>(index, GetCollectionIndexStatus.Instance));
    }

    [Fact]
    public async Task A_corrupt_collection_fails_its_load_naming_it_and_the_others_are_still_served()
    {
        var good = await StoreAsync([L("file-150", "good"), L("file-999", "good 2")]);
        var links = Enumerable.Range(0, 300).Select(i => L($"file-{i:D3}", $"c{i}")).ToList();
        var bytes = await TestLinks.BuildAsync(links);
        // Turn "file-200" into "file-100": the names fall out of order in the third block, after 200 links loaded.
        var reader = await TestLinks.OpenAsync(bytes);
        var at = (await reader.FindAsync("file-200"u8.ToArray()))!.Value.Offset;
        bytes[at + 1 + "file-".Length] = (byte)'1';
        var corrupt = Hasher.Hash(bytes);
        _store[corrupt] = bytes;

        var index = NewIndex();
        await AskAsync<CollectionAdded>(index, new AddCollection(corrupt));
        await AskAsync<CollectionAdded>(index, new AddCollection(good));

        var result = await AskAsync<LookupResult>(index, new Lookup("file-150"));
        Assert.Equal(good, Assert.Single(result.Links).Collection);
        var unavailable = Assert.Single(result.Unavailable);
        Assert.Equal(corrupt, unavailable.Collection);
        Assert.Contains(corrupt.ToHex(), unavailable.Reason);
        Assert.Contains("out of order", unavailable.Reason);

        var error = await Assert.ThrowsAsync<CollectionLoadException>(() => AskAsync<CollectionLoaded>(index, new LoadCollection(corrupt)));
        Assert.Equal(corrupt, error.Collection);
        Assert.Equal(200, error.LinksRead);
        Assert.IsType<CollectionFormatException>(error.InnerException);
        Assert.Contains(new Cid(CidCodec.Collection, corrupt).ToString(), error.Message);

        // The 200 links read before the damage were taken out again: only the good collection's names remain.
        Assert.Equal(new CollectionIndexStatus(2, 1, 1, 2), await AskAsync<CollectionIndexStatus>(index, GetCollectionIndexStatus.Instance));
        Assert.Equal(["file-150", "file-999"],
            (await AskAsync<PrefixQueryResult>(index, new PrefixQuery("file-", 1000))).Links.Select(l => Encoding.UTF8.GetString(l.Name.Span)));
    }

    [Fact]
    public async Task A_missing_or_unreadable_blob_is_reported_and_a_missing_one_is_retried_later()
    {
        var content = await TestLinks.BuildAsync([L("late", "1")]);
        var late = Hasher.Hash(content);
        var throwing = TestLinks.HashOf("a collection whose reads fail");
        var index = Sys.ActorOf(CollectionIndexActor.Props((hash, ct) =>
            hash == throwing ? throw new IOException("disk on fire") : Open(hash, ct)));
        await AskAsync<CollectionAdded>(index, new AddCollection(late));
        await AskAsync<CollectionAdded>(index, new AddCollection(throwing));

        var first = await AskAsync<LookupResult>(index, new Lookup("late"));
        Assert.Empty(first.Links);
        Assert.Equal(2, first.Unavailable.Count);
        Assert.Contains(first.Unavailable, u => u.Collection == late && u.Reason.Contains("does not hold"));
        Assert.Contains(first.Unavailable, u => u.Collection == throwing && u.Reason.Contains("disk on fire") && u.Reason.Contains(throwing.ToHex()));

        _store[late] = content;
        var second = await AskAsync<LookupResult>(index, new Lookup("late"));
        Assert.Equal(late, Assert.Single(second.Links).Collection);
        Assert.Equal(throwing, Assert.Single(second.Unavailable).Collection);

        await Assert.ThrowsAsync<KeyNotFoundException>(() => AskAsync<CollectionLoaded>(index, new LoadCollection(TestLinks.HashOf("never added"))));
        Assert.Equal(new CollectionLoaded(late, 1), await AskAsync<CollectionLoaded>(index, new LoadCollection(late)));
    }

    [Fact]
    public async Task Random_adds_and_removes_keep_the_index_equal_to_the_union_of_the_held_collections()
    {
        var rng = new Random(11);
        var collections = new List<(Hash Hash, List<Link> Links)>();
        for (int i = 0; i < 6; i++)
        {
            // Small alphabet: the collections share many names; names include empty, 0x00 and 0xFF bytes.
            var links = TestLinks.RandomLinks(rng, rng.Next(0, 200), 4, arbitraryBytes: false)
                .Select(l => new Link(l.Name, TestLinks.HashOf($"{i}:{Convert.ToHexString(l.Name.Span)}"))).ToList();
            collections.Add((await StoreAsync(links), links));
        }
        var index = NewIndex();
        var held = new HashSet<int>();
        for (int step = 0; step < 40; step++)
        {
            int c = rng.Next(collections.Count);
            if (held.Contains(c) && rng.Next(2) == 0)
            {
                var removed = await AskAsync<CollectionRemoved>(index, new RemoveCollection(collections[c].Hash));
                Assert.True(removed.WasRegistered);
                held.Remove(c);
            }
            else
            {
                await AskAsync<CollectionAdded>(index, new AddCollection(collections[c].Hash));
                held.Add(c);
            }

            var model = held.SelectMany(h => collections[h].Links.Select(l => new IndexedLink(l.Name, collections[h].Hash, l.Hash)))
                .OrderBy(l => Convert.ToHexString(l.Name.Span), StringComparer.Ordinal)
                .ThenBy(l => l.Collection.ToHex(), StringComparer.Ordinal)
                .ToList();
            var prefix = rng.Next(3) == 0 ? Array.Empty<byte>() : new[] { (byte)"ab/c\0\xff"[rng.Next(6)] };
            var answer = await AskAsync<PrefixQueryResult>(index, new PrefixQuery(prefix, 100_000));
            Assert.Equal(Render(model.Where(l => l.Name.Span.StartsWith(prefix))), Render(answer.Links));

            var probe = model.Count > 0 && rng.Next(2) == 0 ? model[rng.Next(model.Count)].Name : new byte[] { (byte)'a', 0 };
            var lookup = await AskAsync<LookupResult>(index, new Lookup(probe));
            Assert.Equal(Render(model.Where(l => l.Name.Span.SequenceEqual(probe.Span))), Render(lookup.Links));
        }
    }
}
