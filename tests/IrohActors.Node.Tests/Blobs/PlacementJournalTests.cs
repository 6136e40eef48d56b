using IrohActors.Node.Getter;

namespace IrohActors.Node.Tests.Blobs;

/// <summary>The receive journal's mark: on disk above every child covered, before <see cref="PlacementJournal.Cover"/> returns.</summary>
public sealed class PlacementJournalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("node-journal-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheMarkOnDiskIsAlwaysAboveEveryChildCovered()
    {
        var path = Path.Combine(_dir, ".iroh-receive-test");
        using (var journal = PlacementJournal.Open(path))
        {
            Assert.Equal(0UL, PlacementJournal.ReadMark(path));
            // Across several steps (the next one is written ahead, in the background), child by child.
            for (ulong index = 0; index < 3 * PlacementJournal.Step + 7; index++)
            {
                journal.Cover(index);
                var onDisk = PlacementJournal.ReadMark(path);
                Assert.True(onDisk > index, $"child {index} covered, the mark on disk is {onDisk}");
                Assert.True(journal.Mark <= onDisk, $"the journal says {journal.Mark}, the disk {onDisk}");
            }
        }
        // Kept (closed) for the next run, with a mark at most two steps ahead of the last child.
        var kept = PlacementJournal.ReadMark(path);
        Assert.InRange(kept, 3 * PlacementJournal.Step + 7, 5 * PlacementJournal.Step + 7);

        using (var reopened = PlacementJournal.Open(path))
        {
            Assert.Equal(kept, reopened.Mark);
            reopened.Complete();
        }
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void ResumingFarBeyondTheMarkCoversAtOnce()
    {
        var path = Path.Combine(_dir, ".iroh-receive-jump");
        using var journal = PlacementJournal.Open(path);
        journal.Cover(3);
        journal.Cover(100_000);
        Assert.True(PlacementJournal.ReadMark(path) > 100_000);
    }
}
