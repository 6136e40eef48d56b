using IrohActors.Bao;
using IrohActors.Node.Swarm;

namespace IrohActors.Node.Tests.Swarm;

/// <summary>The span planner: rarest first, aligned spans, reassignment and what nobody has.</summary>
public class SpanPlannerTests
{
    [Fact]
    public void APeerGetsTheRegionFewestPeersHoldFirst()
    {
        var planner = new SpanPlanner(ChunkRanges.Range(0, 128), 16);
        planner.SetHas(0, ChunkRanges.Range(0, 128));
        planner.SetHas(1, ChunkRanges.Range(0, 64));
        // 64..128 is held by peer 0 alone, 0..64 by both.
        Assert.Equal(ChunkRanges.Range(64, 96), planner.Take(0, 32));
        // Peer 1 can only take what it has.
        Assert.Equal(ChunkRanges.Range(0, 32), planner.Take(1, 32));
        Assert.Equal(ChunkRanges.Range(96, 128), planner.Take(0, 32));
        Assert.Equal(ChunkRanges.Range(32, 64), planner.Take(0, 100));
        Assert.Null(planner.Take(0, 32));
        Assert.Null(planner.Take(1, 32));
    }

    [Fact]
    public void SpansEndOnAlignmentBoundariesUnlessTheRegionEndsFirst()
    {
        var planner = new SpanPlanner(ChunkRanges.Range(0, 100), 16);
        planner.SetHas(0, ChunkRanges.All);
        var first = planner.Take(0, 40)!.Value;
        Assert.Equal(ChunkRanges.Range(0, 32), first);
        Assert.Equal(ChunkRanges.Range(32, 64), planner.Take(0, 40));
        // Less than one step left: the rest of the blob, short last group included.
        Assert.Equal(ChunkRanges.Range(64, 96), planner.Take(0, 40));
        Assert.Equal(ChunkRanges.Range(96, 100), planner.Take(0, 40));
    }

    [Fact]
    public void ReturnedUnitsAreAssignedAgainButDoneUnitsNever()
    {
        var planner = new SpanPlanner(ChunkRanges.Range(0, 64), 16);
        planner.SetHas(0, ChunkRanges.All);
        var span = planner.Take(0, 64)!.Value;
        Assert.True(planner.Unassigned.IsEmpty);
        planner.Complete(ChunkRanges.Range(0, 16));
        planner.Return(span);
        Assert.Equal(ChunkRanges.Range(16, 64), planner.Unassigned);
        Assert.Equal(ChunkRanges.Range(16, 64), planner.Remaining);
        planner.Complete(ChunkRanges.Range(16, 64));
        Assert.True(planner.IsComplete);
    }

    [Fact]
    public void WhatNoLivePeerHoldsIsUnreachable()
    {
        var planner = new SpanPlanner(ChunkRanges.Range(0, 64), 16);
        planner.SetHas(0, ChunkRanges.Range(0, 32));
        planner.SetHas(1, ChunkRanges.Range(32, 48));
        Assert.Equal(ChunkRanges.Range(48, 64), planner.Unreachable);
        planner.RemovePeer(1);
        Assert.Equal(ChunkRanges.Range(32, 64), planner.Unreachable);
        planner.RemoveHas(0, ChunkRanges.Range(0, 16));
        Assert.Equal(ChunkRanges.Range(0, 16) | ChunkRanges.Range(32, 64), planner.Unreachable);
        Assert.False(planner.HasWorkFor(1));
    }
}

/// <summary>hocon/reference.conf states the swarm defaults.</summary>
public class SwarmOptionsTests
{
    [Fact]
    public void TheReferenceConfigurationStatesTheSwarmDefaults()
    {
        var config = IrohActors.Hocon.HoconConfig.Load(null);
        Assert.Equal(new SwarmOptions(), SwarmOptions.FromConfig(config));
    }

    [Fact]
    public void AnOutOfRangeValueIsRefusedNamingIt()
    {
        var config = IrohActors.Hocon.HoconConfig.Load(IrohActors.Hocon.HoconConfig.ParseString("iroh.swarm.max-span = 1KiB"));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SwarmOptions.FromConfig(config));
        Assert.Equal(nameof(SwarmOptions.MaxSpanBytes), e.ParamName);
    }
}
