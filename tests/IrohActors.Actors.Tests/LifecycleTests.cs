namespace IrohActors.Actors.Tests;

public sealed class LifecycleTests : TestKit.TestKit
{
    private static int s_instances;

    /// <summary>Reports every hook with its instance number; fails on "fail".</summary>
    private sealed class HookRecorder : UntypedActor
    {
        private readonly IActorRef _probe;
        private readonly int _id = Interlocked.Increment(ref s_instances);

        public HookRecorder(IActorRef probe)
        {
            _probe = probe;
            probe.Tell($"ctor", null);
        }

        protected override void OnReceive(object message)
        {
            if (message is "fail")
                throw new InvalidOperationException("boom");
            _probe.Tell($"{message}@{_id}", Self);
        }

        protected override void PreStart() => _probe.Tell("PreStart", Self);
        protected override void PostStop() => _probe.Tell("PostStop", Self);

        protected override void PreRestart(Exception reason, object? message)
        {
            _probe.Tell($"PreRestart({reason.Message}, {message})", Self);
            base.PreRestart(reason, message);
        }

        protected override void PostRestart(Exception reason)
        {
            _probe.Tell($"PostRestart({reason.Message})", Self);
            base.PostRestart(reason);
        }
    }

    [Fact]
    public void Hooks_run_in_Akka_order_through_start_restart_and_stop()
    {
        var actor = Sys.ActorOf(Props.Create(() => new HookRecorder(TestActor)));
        ExpectMsg("ctor");
        ExpectMsg("PreStart");
        actor.Tell("fail");
        // old instance: PreRestart (with the failing message) → default PostStop; new instance: ctor → PostRestart → default PreStart
        ExpectMsg("PreRestart(boom, fail)");
        ExpectMsg("PostStop");
        ExpectMsg("ctor");
        ExpectMsg("PostRestart(boom)");
        ExpectMsg("PreStart");
        Watch(actor);
        Sys.Stop(actor);
        ExpectMsg("PostStop");
        ExpectTerminated(actor);
    }

    private sealed class ParentWithChildren : ReceiveActor
    {
        private readonly IActorRef _probe;

        public ParentWithChildren(IActorRef probe)
        {
            _probe = probe;
            Context.ActorOf(Props.Create(() => new StopReporter(probe, "child-1")), "c1");
            Context.ActorOf(Props.Create(() => new StopReporter(probe, "child-2")), "c2");
            Receive<string>(_ => Sender.Tell(Context.Children.Count));
        }

        protected override void PostStop() => _probe.Tell("parent stopped");
    }

    private sealed class StopReporter(IActorRef probe, string name) : UntypedActor
    {
        protected override void OnReceive(object message) => Unhandled(message);
        protected override void PostStop() => probe.Tell(name + " stopped");
    }

    [Fact]
    public void Children_stop_before_their_parent_and_PostStop_of_children_runs_first()
    {
        var parent = Sys.ActorOf(Props.Create(() => new ParentWithChildren(TestActor)), "p");
        parent.Tell("count?");
        ExpectMsg(2);
        Watch(parent);
        Sys.Stop(parent);
        var stops = ReceiveN(3).Cast<string>().ToList();
        Assert.Equal("parent stopped", stops[2]);
        Assert.Equal(["child-1 stopped", "child-2 stopped"], stops.Take(2).Order().ToList());
        ExpectTerminated(parent);
    }

    private sealed class FailingPreStart : UntypedActor
    {
        protected override void PreStart() => throw new InvalidOperationException("cannot start");
        protected override void OnReceive(object message) { }
    }

    private sealed class RecordingSupervisor : ReceiveActor
    {
        private readonly IActorRef _probe;

        public RecordingSupervisor(IActorRef probe, Props child)
        {
            _probe = probe;
            Receive<string>(_ => Sender.Tell(Context.ActorOf(child, "child")));
        }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(ex =>
        {
            _probe.Tell(ex);
            return Actors.SupervisorStrategy.DefaultDecider(ex);
        });
    }

    [Fact]
    public void An_exception_in_PreStart_becomes_ActorInitializationException_and_the_default_decider_stops_the_actor()
    {
        var supervisor = Sys.ActorOf(Props.Create(() => new RecordingSupervisor(TestActor, Props.Create<FailingPreStart>())));
        supervisor.Tell("create");
        var child = ExpectMsg<IActorRef>();
        Watch(child);
        var ex = ExpectMsg<ActorInitializationException>();
        Assert.IsType<InvalidOperationException>(ex.InnerException);
        Assert.Contains("/user/", ex.Message);
        ExpectTerminated(child);
    }

    [Fact]
    public void Kill_fails_the_actor_with_ActorKilledException_and_the_default_decider_stops_it()
    {
        var supervisor = Sys.ActorOf(Props.Create(() => new RecordingSupervisor(TestActor, Props.Create<EchoActor>())));
        supervisor.Tell("create");
        var child = ExpectMsg<IActorRef>();
        Watch(child);
        child.Tell(Kill.Instance);
        ExpectMsg<ActorKilledException>();
        ExpectTerminated(child);
    }

    [Fact]
    public void PoisonPill_stops_after_the_messages_sent_before_it_and_later_ones_become_dead_letters()
    {
        var dead = CreateTestProbe();
        Sys.EventStream.Subscribe<DeadLetter>(dead.Ref);
        var actor = Sys.ActorOf(Props.Create(() => new ForwardTo(TestActor)));
        Watch(actor);
        actor.Tell("a");
        actor.Tell("b");
        actor.Tell(PoisonPill.Instance);
        actor.Tell("c");
        ExpectMsg("a");
        ExpectMsg("b");
        ExpectTerminated(actor);
        Assert.Equal("c", dead.ExpectMsg<DeadLetter>().Message);
    }

    private sealed class ReceiveTimeoutActor : ReceiveActor
    {
        public ReceiveTimeoutActor(IActorRef probe)
        {
            SetReceiveTimeout(TimeSpan.FromMilliseconds(100));
            Receive<ReceiveTimeout>(_ =>
            {
                probe.Tell("timeout");
                SetReceiveTimeout(null);
            });
        }
    }

    [Fact]
    public void Receive_timeout_fires_when_idle()
    {
        Sys.ActorOf(Props.Create(() => new ReceiveTimeoutActor(TestActor)));
        ExpectMsg("timeout");
        ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // turned off after the first
    }
}
