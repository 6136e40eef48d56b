namespace IrohActors.Actors.Tests;

public sealed class PipeToAndGracefulStopTests : TestKit.TestKit
{
    [Fact]
    public async Task PipeTo_tells_the_result_or_a_Status_Failure()
    {
        await Task.FromResult(7).PipeTo(TestActor);
        ExpectMsg(7);
        await Task.FromResult(7).PipeTo(TestActor, success: i => $"got {i}");
        ExpectMsg("got 7");
        await Task.FromException<int>(new IOException("disk gone")).PipeTo(TestActor);
        Assert.Equal("disk gone", ExpectMsg<Status.Failure>().Cause.Message);
        await Task.FromException(new IOException("again")).PipeTo(TestActor, failure: ex => $"failed: {ex.Message}");
        ExpectMsg("failed: again");
    }

    private sealed class SlowStopper(IActorRef probe) : ReceiveActor
    {
        protected override void PostStop() => probe.Tell("PostStop ran");
    }

    [Fact]
    public async Task GracefulStop_completes_true_after_PostStop()
    {
        var actor = Sys.ActorOf(Props.Create(() => new SlowStopper(TestActor)));
        Assert.True(await actor.GracefulStop(TimeSpan.FromSeconds(20)));
        ExpectMsg("PostStop ran"); // already queued: PostStop happened before the task completed
        Assert.True(await actor.GracefulStop(TimeSpan.FromSeconds(20))); // already dead: true at once
    }

    [Fact]
    public async Task GracefulStop_completes_false_when_the_actor_does_not_stop_in_time()
    {
        using var gate = new Gate();
        var actor = Sys.ActorOf(Props.Create(() => new BlockingActor(TestActor, gate)));
        actor.Tell("block");
        ExpectMsg("blocked");
        Assert.False(await actor.GracefulStop(TimeSpan.FromMilliseconds(200)));
        gate.Open();
        Watch(actor);
        await ExpectTerminatedAsync(actor); // the PoisonPill still stops it once it is free
    }
}
