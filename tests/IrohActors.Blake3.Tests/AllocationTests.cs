namespace IrohActors.Blake3.Tests;

/// <summary>The single-threaded hot paths allocate nothing per call.</summary>
public class AllocationTests
{
    [Fact]
    public void Hash_subtree_and_incremental_updates_do_not_allocate()
    {
        var data = new byte[300 * 1024 + 17];
        new Random(1).NextBytes(data);
        var hasher = Hasher.New();
        var output = new byte[200];
        void Work()
        {
            Hasher.Hash(data);
            Subtree.HashSubtree(16, data.AsSpan(0, 16 * 1024), false);
            Subtree.ParentCv(Hash.Empty, Hash.Empty, true);
            hasher.Reset();
            hasher.Update(data.AsSpan(0, 1000)).Update(data.AsSpan(1000));
            hasher.FinalizeXof(5, output);
            hasher.Finalize();
        }
        Work();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
            Work();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
