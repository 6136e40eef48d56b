namespace IrohActors.Actors.Tests;

public sealed class StopAndDeadLetterTests : TestKit.TestKit
{
    [Fact]
    public void On_stop_the_remaining_mail_goes_to_dead_letters_counted_and_published()
    {
        var dead = CreateTestProbe();
        Sys.EventStream.Subscribe<DeadLetter>(dead.Ref);
        using var gate = new Gate();
        var actor = Sys.ActorOf(Props.Create(() => new BlockingActor(TestActor, gate)), "stopper");
        actor.Tell("block");
        ExpectMsg("blocked");
        actor.Tell("m1");
        actor.Tell("m2");
        actor.Tell("m3");
        var before = Sys.DeadLetterCount;
        Watch(actor);
        Sys.Stop(actor);
        gate.Open();
        ExpectTerminated(actor);
        var letters = Enumerable.Range(0, 3).Select(_ => dead.ExpectMsg<DeadLetter>()).ToList();
        Assert.Equal(["m1", "m2", "m3"], letters.Select(l => (string)l.Message));
        Assert.All(letters, l => Assert.Equal(actor, l.Recipient));
        Assert.All(letters, l => Assert.Equal(TestActor, l.Sender));
        Assert.True(Sys.DeadLetterCount - before >= 3, $"dead letter count grew by {Sys.DeadLetterCount - before}");
        ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // none of them was processed
    }

    [Fact]
    public void Messages_to_a_stopped_actor_and_to_DeadLetters_are_dead_letters()
    {
        var dead = CreateTestProbe();
        Sys.EventStream.Subscribe<AllDeadLetters>(dead.Ref);
        var actor = Sys.ActorOf(Props.Create<EchoActor>());
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
        var before = Sys.DeadLetterCount;
        actor.Tell("after stop");
        Sys.DeadLetters.Tell("direct");
        Assert.Equal("after stop", dead.ExpectMsg<DeadLetter>().Message);
        Assert.Equal("direct", dead.ExpectMsg<DeadLetter>().Message);
        Assert.Equal(before + 2, Sys.DeadLetterCount);
    }

    [Fact]
    public void Suppressed_messages_are_published_but_not_counted()
    {
        var dead = CreateTestProbe();
        Sys.EventStream.Subscribe<AllDeadLetters>(dead.Ref);
        var before = Sys.DeadLetterCount;
        Sys.DeadLetters.Tell(PoisonPill.Instance);
        dead.ExpectMsg<SuppressedDeadLetter>();
        Assert.Equal(before, Sys.DeadLetterCount);
    }

    private sealed class SelfStopper : ReceiveActor
    {
        public SelfStopper(IActorRef probe)
        {
            Receive<string>(s =>
            {
                Context.Stop(Self);
                probe.Tell("handled " + s); // the current message completes
            });
        }

        protected override void PostStop() => Context.System.EventStream.Publish("self-stopper stopped");
    }

    [Fact]
    public void Context_Stop_of_self_lets_the_current_message_finish()
    {
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe<string>(events.Ref);
        var actor = Sys.ActorOf(Props.Create(() => new SelfStopper(TestActor)));
        Watch(actor);
        actor.Tell("one");
        actor.Tell("two");
        ExpectMsg("handled one");
        ExpectTerminated(actor);
        events.ExpectMsg("self-stopper stopped");
    }

    [Fact]
    public void Unhandled_messages_are_published()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe<UnhandledMessage>(probe.Ref);
        var actor = Sys.ActorOf(Props.Create(() => new DeathWatchHelper()));
        actor.Tell(12345);
        var unhandled = probe.ExpectMsg<UnhandledMessage>();
        Assert.Equal(12345, unhandled.Message);
        Assert.Equal(actor, unhandled.Recipient);
    }

    private sealed class DeathWatchHelper : ReceiveActor
    {
        public DeathWatchHelper() => Receive<string>(_ => { });
    }
}
