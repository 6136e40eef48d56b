namespace IrohActors.Actors.Tests;

public sealed class ReceiveActorTests : TestKit.TestKit
{
    private sealed class Typed : ReceiveActor
    {
        public Typed()
        {
            Receive<int>(i => i < 0, i => Sender.Tell($"negative {i}"));
            Receive<int>(i => Sender.Tell($"int {i}"));
            Receive<string>(s => { if (s == "pass") return false; Sender.Tell($"string {s}"); return true; });
            ReceiveAny(m => Sender.Tell($"any {m}"));
        }
    }

    [Fact]
    public void The_first_matching_handler_wins_and_ReceiveAny_catches_the_rest()
    {
        var actor = Sys.ActorOf(Props.Create<Typed>());
        actor.Tell(-1);
        actor.Tell(5);
        actor.Tell("x");
        actor.Tell("pass");
        actor.Tell(2.5);
        ExpectMsg("negative -1");
        ExpectMsg("int 5");
        ExpectMsg("string x");
        ExpectMsg("any pass");
        ExpectMsg("any 2.5");
    }

    private sealed class RegistersLate : ReceiveActor
    {
        public RegistersLate() => Receive<string>(_ =>
        {
            try
            {
                Receive<int>(_ => { });
                Sender.Tell("registered");
            }
            catch (InvalidOperationException ex)
            {
                Sender.Tell(ex.Message);
            }
        });
    }

    [Fact]
    public void Handlers_registered_outside_the_constructor_or_Become_are_rejected()
    {
        Sys.ActorOf(Props.Create<RegistersLate>()).Tell("go");
        Assert.Contains("constructor", ExpectMsg<string>());
    }

    private sealed class Switcher : ReceiveActor
    {
        public Switcher()
        {
            Receive<string>(s => s == "state", _ => Sender.Tell("initial"));
            Receive<string>(s => s == "become", _ => Become(Happy));
            Receive<string>(s => s == "push", _ => BecomeStacked(Angry));
        }

        private void Happy()
        {
            Receive<string>(s => s == "state", _ => Sender.Tell("happy"));
            Receive<string>(s => s == "push", _ => BecomeStacked(Angry));
        }

        private void Angry()
        {
            Receive<string>(s => s == "state", _ => Sender.Tell("angry"));
            Receive<string>(s => s == "pop", _ => UnbecomeStacked());
        }
    }

    [Fact]
    public void Become_replaces_and_BecomeStacked_pushes_a_behaviour_that_UnbecomeStacked_pops()
    {
        var actor = Sys.ActorOf(Props.Create<Switcher>());
        foreach (var step in new[] { "state", "become", "state", "push", "state", "pop", "state" })
            actor.Tell(step);
        ExpectMsg("initial");
        ExpectMsg("happy");
        ExpectMsg("angry");
        ExpectMsg("happy");
    }

    private sealed class AsyncActor : ReceiveActor
    {
        public AsyncActor(IActorRef probe)
        {
            ReceiveAsync<string>(s => s.StartsWith("slow", StringComparison.Ordinal), async s =>
            {
                probe.Tell($"start {s}");
                await Task.Delay(100);
                probe.Tell($"end {s}");
                Sender.Tell($"reply {s}"); // Sender is still the original sender after the await
                Context.ActorOf(Props.Create<EchoActor>()); // and the context is usable
                Self.Tell("self-told"); // implicit sender works after await too
            });
            ReceiveAsync<string>(s => s == "throw", async _ =>
            {
                await Task.Yield();
                throw new InvalidOperationException("async failure");
            });
            Receive<string>(s => probe.Tell($"got {s}"));
        }

        protected override void PostRestart(Exception reason) => Context.System.EventStream.Publish($"restarted: {reason.Message}");
    }

    [Fact]
    public void ReceiveAsync_does_not_interleave_other_messages_and_keeps_Sender_and_Context_across_awaits()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new AsyncActor(probe.Ref)));
        actor.Tell("slow-1");
        actor.Tell("fast");
        actor.Tell("slow-2");
        probe.ExpectMsg("start slow-1");
        probe.ExpectMsg("end slow-1");
        var next = probe.ReceiveN(4).Cast<string>().ToList();
        Assert.Equal("got fast", next[0]); // "fast" only after slow-1 completed
        Assert.Contains("start slow-2", next);
        Assert.Contains("got self-told", next);
        ExpectMsg("reply slow-1");
        ExpectMsg("reply slow-2");
    }

    [Fact]
    public void An_exception_in_an_async_handler_fails_the_actor()
    {
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe<string>(events.Ref);
        var actor = Sys.ActorOf(Props.Create(() => new AsyncActor(TestActor)));
        actor.Tell("throw");
        events.ExpectMsg("restarted: async failure");
    }

    private sealed class Stasher : ReceiveActor, IWithStash
    {
        public IStash Stash { get; set; } = null!;

        public Stasher(IActorRef probe)
        {
            Receive<string>(s => s == "open", _ =>
            {
                Become(() =>
                {
                    Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("fail"));
                    Receive<string>(s => probe.Tell($"open:{s}"));
                });
                Stash.UnstashAll();
            });
            Receive<string>(s => s == "stash-twice", _ =>
            {
                Stash.Stash();
                try { Stash.Stash(); }
                catch (IllegalActorStateException) { probe.Tell("twice refused"); }
            });
            Receive<string>(s => s == "count", _ => probe.Tell(Stash.Count));
            Receive<string>(s => s == "fail-closed", _ => throw new InvalidOperationException("fail while closed"));
            Receive<string>(_ => Stash.Stash());
        }
    }

    [Fact]
    public void UnstashAll_returns_stashed_messages_in_order_before_newer_ones()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Stasher(TestActor)));
        actor.Tell("a");
        actor.Tell("b");
        actor.Tell("count");
        ExpectMsg(2);
        actor.Tell("open");
        actor.Tell("c");
        ExpectMsg("open:a");
        ExpectMsg("open:b");
        ExpectMsg("open:c");
    }

    [Fact]
    public void Stashing_the_same_message_twice_is_refused()
    {
        Sys.ActorOf(Props.Create(() => new Stasher(TestActor))).Tell("stash-twice");
        ExpectMsg("twice refused");
    }

    [Fact]
    public void On_restart_stashed_messages_go_back_to_the_mailbox_for_the_new_instance()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Stasher(TestActor)));
        actor.Tell("a");
        actor.Tell("b");
        actor.Tell("fail-closed"); // restart: a and b are unstashed into the mailbox, the new instance stashes them again
        actor.Tell("count");
        ExpectMsg(2);
        actor.Tell("open");
        ExpectMsg("open:a");
        ExpectMsg("open:b");
    }

    [Fact]
    public void On_stop_stashed_messages_go_to_dead_letters()
    {
        var dead = CreateTestProbe();
        Sys.EventStream.Subscribe<DeadLetter>(dead.Ref);
        var actor = Sys.ActorOf(Props.Create(() => new Stasher(TestActor)));
        actor.Tell("s1");
        actor.Tell("count");
        ExpectMsg(1);
        Sys.Stop(actor);
        Assert.Equal("s1", dead.ExpectMsg<DeadLetter>().Message);
    }

    [Fact]
    public void A_bounded_stash_throws_StashOverflowException_when_full()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Stasher(TestActor)).WithStashCapacity(1));
        actor.Tell("s1");
        actor.Tell("s2"); // overflow → the actor fails and restarts (s1 back into the mailbox, stashed again)
        actor.Tell("count");
        ExpectMsg(1); // two would mean the capacity was ignored
    }

    private sealed class Plain : UntypedActor
    {
        private readonly IActorRef _probe;

        public Plain(IActorRef probe)
        {
            _probe = probe;
        }

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case "other":
                    Become(m => _probe.Tell($"other {m}"));
                    break;
                case string s:
                    _probe.Tell($"plain {s}");
                    break;
                default:
                    Unhandled(message);
                    break;
            }
        }
    }

    [Fact]
    public void UntypedActor_OnReceive_and_Become_work()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Plain(TestActor)));
        actor.Tell("x");
        actor.Tell("other");
        actor.Tell("y");
        ExpectMsg("plain x");
        ExpectMsg("other y");
    }
}
