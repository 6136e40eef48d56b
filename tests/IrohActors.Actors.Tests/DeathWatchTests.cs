namespace IrohActors.Actors.Tests;

public sealed class DeathWatchTests : TestKit.TestKit
{
    [Fact]
    public void Watching_delivers_Terminated_when_the_actor_stops()
    {
        var actor = Sys.ActorOf(Props.Create<EchoActor>());
        Watch(actor);
        actor.Tell(PoisonPill.Instance);
        var terminated = ExpectTerminated(actor);
        Assert.True(terminated.ExistenceConfirmed);
    }

    [Fact]
    public void Watching_an_already_dead_actor_delivers_Terminated_at_once()
    {
        var actor = Sys.ActorOf(Props.Create<EchoActor>());
        var probe = CreateTestProbe();
        probe.Watch(actor);
        Sys.Stop(actor);
        probe.ExpectTerminated(actor);
        Watch(actor); // dead now
        ExpectTerminated(actor);
        Watch(ActorRefs.Nobody);
        Assert.False(ExpectTerminated(ActorRefs.Nobody).ExistenceConfirmed);
    }

    private sealed class UnwatchingActor : ReceiveActor
    {
        public UnwatchingActor(IActorRef target, IActorRef probe, Gate gate)
        {
            Context.Watch(target);
            Receive<string>(s => s == "block", _ => { probe.Tell("blocked"); gate.Wait(); });
            Receive<string>(s => s == "unwatch", _ => Context.Unwatch(target));
            Receive<string>(s => s == "ping", _ => probe.Tell("pong"));
            Receive<Terminated>(t => probe.Tell(t));
        }
    }

    [Fact]
    public void After_Unwatch_a_Terminated_already_queued_is_not_delivered()
    {
        using var gate = new Gate();
        var target = Sys.ActorOf(Props.Create<EchoActor>());
        var watcher = Sys.ActorOf(Props.Create(() => new UnwatchingActor(target, TestActor, gate)));
        watcher.Tell("block");
        ExpectMsg("blocked");
        watcher.Tell("unwatch");
        Sys.Stop(target);
        AwaitCondition(() => Internals.Cell(target).IsTerminated);
        AwaitCondition(() => Internals.Cell(watcher).Mailbox.HasSystemMessages || Internals.QueuedUserMessages(watcher) > 1);
        gate.Open(); // the notification is handled after "block": Terminated is queued behind "unwatch"
        watcher.Tell("ping");
        ExpectMsg("pong");
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Without_Unwatch_the_same_sequence_delivers_Terminated()
    {
        using var gate = new Gate();
        var target = Sys.ActorOf(Props.Create<EchoActor>());
        var watcher = Sys.ActorOf(Props.Create(() => new UnwatchingActor(target, TestActor, gate)));
        watcher.Tell("block");
        ExpectMsg("blocked");
        Sys.Stop(target);
        AwaitCondition(() => Internals.Cell(target).IsTerminated);
        gate.Open();
        Assert.Equal(target, ExpectMsg<Terminated>().ActorRef);
    }

    private sealed class WatchWithActor : ReceiveActor
    {
        public WatchWithActor(IActorRef target, IActorRef probe)
        {
            Context.WatchWith(target, "target gone");
            ReceiveAny(m => probe.Tell(m));
        }
    }

    [Fact]
    public void WatchWith_delivers_the_custom_message()
    {
        var target = Sys.ActorOf(Props.Create<EchoActor>());
        Sys.ActorOf(Props.Create(() => new WatchWithActor(target, TestActor)));
        Sys.Stop(target);
        ExpectMsg("target gone");
    }
}
