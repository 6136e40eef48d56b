namespace IrohActors.Actors.Tests;

public sealed class SupervisionTests : TestKit.TestKit
{
    private static int s_instances;

    private sealed class TestException(string message) : Exception(message);

    /// <summary>Counts; "fail" throws; "block" waits on the gate; reports (instance, message) for everything else.</summary>
    private sealed class Worker : ReceiveActor
    {
        private readonly int _id = Interlocked.Increment(ref s_instances);
        private int _count;

        public Worker(IActorRef probe, Gate? gate)
        {
            Receive<string>(s => s == "block", _ => { probe.Tell("blocked"); gate!.Wait(); });
            Receive<string>(s => s == "fail", _ => throw new TestException("fail"));
            Receive<string>(s => s == "count", _ => Sender.Tell(_count));
            Receive<string>(s => s == "id", _ => Sender.Tell(_id));
            Receive<string>(s => s == "incr", _ => _count++);
            ReceiveAny(m => probe.Tell((_id, m)));
        }

        protected override void PreRestart(Exception reason, object? message)
        {
            Context.System.EventStream.Publish(("PreRestart", message));
            base.PreRestart(reason, message);
        }
    }

    /// <summary>Creates children on request and applies the given strategy to them.</summary>
    private sealed class Supervisor : ReceiveActor
    {
        private readonly SupervisorStrategy _strategy;

        public Supervisor(SupervisorStrategy strategy)
        {
            _strategy = strategy;
            Receive<Props>(p => Sender.Tell(Context.ActorOf(p)));
            Receive<(Props, string)>(p => Sender.Tell(Context.ActorOf(p.Item1, p.Item2)));
        }

        protected override SupervisorStrategy SupervisorStrategy() => _strategy;
    }

    private IActorRef ChildUnder(SupervisorStrategy strategy, Props child)
    {
        var supervisor = Sys.ActorOf(Props.Create(() => new Supervisor(strategy)));
        supervisor.Tell(child);
        return ExpectMsg<IActorRef>();
    }

    [Fact]
    public void Restart_keeps_the_mailbox_and_does_not_retry_the_failing_message()
    {
        using var gate = new Gate();
        var probe = CreateTestProbe();
        var worker = ChildUnder(SupervisorStrategy.DefaultStrategy, Props.Create(() => new Worker(probe.Ref, gate)));
        worker.Tell("id");
        var firstId = ExpectMsg<int>();
        worker.Tell("block");
        probe.ExpectMsg("blocked");
        worker.Tell("fail");
        worker.Tell("a");
        worker.Tell("b");
        gate.Open();
        // "a" and "b" were queued behind the failing message: the new instance processes them; "fail" is not retried.
        var a = probe.ExpectMsg<(int Id, object Msg)>();
        var b = probe.ExpectMsg<(int Id, object Msg)>();
        Assert.Equal("a", a.Msg);
        Assert.Equal("b", b.Msg);
        Assert.NotEqual(firstId, a.Id);
        Assert.Equal(a.Id, b.Id);
        worker.Tell("id");
        Assert.Equal(a.Id, ExpectMsg<int>()); // only one restart: the failing message did not fail again
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void PreRestart_receives_the_failing_message()
    {
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe<(string, object?)>(events.Ref);
        var worker = ChildUnder(SupervisorStrategy.DefaultStrategy, Props.Create(() => new Worker(TestActor, null)));
        worker.Tell("fail");
        Assert.Equal(("PreRestart", (object?)"fail"), events.ExpectMsg<(string, object?)>());
    }

    [Fact]
    public void Resume_keeps_the_instance_and_its_state()
    {
        var worker = ChildUnder(new OneForOneStrategy(_ => Directive.Resume), Props.Create(() => new Worker(TestActor, null)));
        worker.Tell("id");
        var id = ExpectMsg<int>();
        worker.Tell("incr");
        worker.Tell("incr");
        worker.Tell("fail");
        worker.Tell("incr");
        worker.Tell("count");
        ExpectMsg(3);
        worker.Tell("id");
        ExpectMsg(id);
    }

    [Fact]
    public void Stop_directive_stops_the_child()
    {
        var worker = ChildUnder(SupervisorStrategy.StoppingStrategy, Props.Create(() => new Worker(TestActor, null)));
        Watch(worker);
        worker.Tell("fail");
        ExpectTerminated(worker);
    }

    [Fact]
    public void Restart_count_beyond_maxNrOfRetries_within_the_window_stops_the_child()
    {
        var worker = ChildUnder(new OneForOneStrategy(2, TimeSpan.FromMinutes(1), _ => Directive.Restart),
            Props.Create(() => new Worker(TestActor, null)));
        Watch(worker);
        worker.Tell("fail");
        worker.Tell("fail");
        worker.Tell("id");
        ExpectMsg<int>(); // alive after two restarts
        worker.Tell("fail");
        ExpectTerminated(worker);
    }

    [Fact]
    public void MaxNrOfRetries_zero_never_restarts()
    {
        var worker = ChildUnder(new OneForOneStrategy(0, null, _ => Directive.Restart), Props.Create(() => new Worker(TestActor, null)));
        Watch(worker);
        worker.Tell("fail");
        ExpectTerminated(worker);
    }

    [Fact]
    public void AllForOne_restarts_every_sibling()
    {
        var supervisor = Sys.ActorOf(Props.Create(() => new Supervisor(new AllForOneStrategy(_ => Directive.Restart))));
        supervisor.Tell((Props.Create(() => new Worker(TestActor, null)), "w1"));
        var w1 = ExpectMsg<IActorRef>();
        supervisor.Tell((Props.Create(() => new Worker(TestActor, null)), "w2"));
        var w2 = ExpectMsg<IActorRef>();
        w1.Tell("id");
        var id1 = ExpectMsg<int>();
        w2.Tell("id");
        var id2 = ExpectMsg<int>();
        w1.Tell("fail");
        AwaitAssert(() =>
        {
            w2.Tell("id");
            Assert.NotEqual(id2, ExpectMsg<int>());
        });
        w1.Tell("id");
        Assert.NotEqual(id1, ExpectMsg<int>());
    }

    [Fact]
    public void OneForOne_leaves_siblings_alone()
    {
        var supervisor = Sys.ActorOf(Props.Create(() => new Supervisor(SupervisorStrategy.DefaultStrategy)));
        supervisor.Tell((Props.Create(() => new Worker(TestActor, null)), "w1"));
        var w1 = ExpectMsg<IActorRef>();
        supervisor.Tell((Props.Create(() => new Worker(TestActor, null)), "w2"));
        var w2 = ExpectMsg<IActorRef>();
        w2.Tell("id");
        var id2 = ExpectMsg<int>();
        w1.Tell("fail");
        w1.Tell("id");
        ExpectMsg<int>();
        w2.Tell("id");
        ExpectMsg(id2);
    }

    /// <summary>Grandparent: records what its decider saw and restarts; its child (parent) escalates everything.</summary>
    private sealed class Grandparent : ReceiveActor
    {
        private readonly IActorRef _probe;

        public Grandparent(IActorRef probe)
        {
            _probe = probe;
            var parent = Context.ActorOf(Props.Create(() => new EscalatingParent(probe)), "parent");
            Receive<string>(s => parent.Forward(s));
        }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(ex =>
        {
            _probe.Tell($"grandparent decides on {ex.GetType().Name}: {ex.Message}");
            return Directive.Restart;
        });
    }

    private sealed class EscalatingParent : ReceiveActor
    {
        private readonly IActorRef _probe;

        public EscalatingParent(IActorRef probe)
        {
            _probe = probe;
            var child = Context.ActorOf(Props.Create(() => new Worker(probe, null)), "child");
            Receive<string>(s => child.Forward(s));
        }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Escalate);

        protected override void PreRestart(Exception reason, object? message)
        {
            _probe.Tell("parent restarting");
            base.PreRestart(reason, message);
        }
    }

    [Fact]
    public void Escalate_hands_the_same_exception_to_the_grandparents_strategy()
    {
        var grandparent = Sys.ActorOf(Props.Create(() => new Grandparent(TestActor)), "gp");
        grandparent.Tell("fail");
        ExpectMsg("grandparent decides on TestException: fail");
        ExpectMsg("parent restarting");
        // the restarted parent made a fresh child that works
        AwaitAssert(() =>
        {
            grandparent.Tell("ping");
            var reply = ExpectMsg<(int, object)>(TimeSpan.FromMilliseconds(500));
            Assert.Equal("ping", reply.Item2);
        }, TimeSpan.FromSeconds(10));
    }

    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef target) => Receive<string>(_ => Context.Watch(target));
    }

    [Fact]
    public void An_unhandled_Terminated_throws_DeathPactException_and_stops_the_watcher()
    {
        var target = Sys.ActorOf(Props.Create<EchoActor>());
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(target)));
        Watch(watcher);
        watcher.Tell("watch");
        watcher.Tell("sync"); // handled after the watch is in place
        Sys.Stop(target);
        ExpectTerminated(watcher);
    }

    [Fact]
    public void Decider_builder_matches_the_first_exception_type()
    {
        var decider = Decider.From(Directive.Restart, Directive.Stop.When<ArgumentException>(), Directive.Resume.When<InvalidOperationException>());
        Assert.Equal(Directive.Stop, decider(new ArgumentNullException("x")));
        Assert.Equal(Directive.Resume, decider(new InvalidOperationException()));
        Assert.Equal(Directive.Restart, decider(new TestException("other")));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new ActorInitializationException(null, "x")));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new ActorKilledException("x")));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new DeathPactException(ActorRefs.Nobody)));
        Assert.Equal(Directive.Restart, SupervisorStrategy.DefaultDecider(new TestException("x")));
    }
}
