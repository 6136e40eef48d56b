namespace IrohActors.Actors.Tests;

public sealed class TimerTests : TestKit.TestKit
{
    private sealed class TimerActor : ReceiveActor, IWithTimers
    {
        public ITimerScheduler Timers { get; set; } = null!;

        public TimerActor(IActorRef probe)
        {
            Receive<(string Cmd, string Key, int Ms)>(c => c.Cmd == "single", c => Timers.StartSingleTimer(c.Key, $"{c.Key}-fired", TimeSpan.FromMilliseconds(c.Ms)));
            Receive<(string Cmd, string Key, int Ms)>(c => c.Cmd == "periodic", c => Timers.StartPeriodicTimer(c.Key, $"{c.Key}-tick", TimeSpan.FromMilliseconds(c.Ms)));
            Receive<(string Cmd, string Key, int Ms)>(c => c.Cmd == "cancel", c => Timers.Cancel(c.Key));
            Receive<(string Cmd, string Key, int Ms)>(c => c.Cmd == "active?", c => Sender.Tell(Timers.IsTimerActive(c.Key)));
            // Start a timer, wait until its message is in our mailbox, then replace or cancel it: the old message must never arrive.
            Receive<(string Cmd, string Key, int Ms)>(c => c.Cmd is "replace-queued" or "cancel-queued", c =>
            {
                Timers.StartSingleTimer(c.Key, "old", TimeSpan.FromMilliseconds(1));
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (Internals.QueuedUserMessages(Self) == 0 && DateTime.UtcNow < deadline)
                    Thread.Sleep(1);
                probe.Tell($"queued={Internals.QueuedUserMessages(Self)}");
                if (c.Cmd == "replace-queued")
                    Timers.StartSingleTimer(c.Key, "new", TimeSpan.FromMilliseconds(c.Ms));
                else
                    Timers.Cancel(c.Key);
            });
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("restart me"));
            Receive<string>(s => probe.Tell(s));
        }
    }

    private IActorRef NewTimerActor() => Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)));

    [Fact]
    public void A_single_timer_fires_once()
    {
        var actor = NewTimerActor();
        actor.Tell(("single", "k", 50));
        ExpectMsg("k-fired");
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        actor.Tell(("active?", "k", 0));
        ExpectMsg(false);
    }

    [Fact]
    public void A_periodic_timer_repeats_until_cancelled()
    {
        var actor = NewTimerActor();
        actor.Tell(("periodic", "p", 30));
        ExpectMsg("p-tick");
        ExpectMsg("p-tick");
        ExpectMsg("p-tick");
        actor.Tell(("active?", "p", 0));
        FishForMessage<bool>(b => b);
        actor.Tell(("cancel", "p", 0));
        actor.Tell(("active?", "p", 0));
        FishForMessage<bool>(b => !b);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_replaced_timers_message_is_never_delivered_even_if_already_in_the_mailbox()
    {
        var actor = NewTimerActor();
        actor.Tell(("replace-queued", "r", 50));
        ExpectMsg("queued=1");
        ExpectMsg("new");
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_cancelled_timers_message_is_never_delivered_even_if_already_in_the_mailbox()
    {
        var actor = NewTimerActor();
        actor.Tell(("cancel-queued", "c", 0));
        ExpectMsg("queued=1");
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Timers_are_cancelled_on_restart()
    {
        var actor = NewTimerActor();
        actor.Tell(("single", "k", 300));
        actor.Tell("fail");
        ExpectNoMsg(TimeSpan.FromMilliseconds(600));
    }

    [Fact]
    public void The_system_scheduler_tells_once_and_repeatedly()
    {
        var once = Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(20), TestActor, "once", null);
        ExpectMsg("once");
        Assert.True(once.IsCancellationRequested);
        var repeated = Sys.Scheduler.ScheduleTellRepeatedly(TimeSpan.Zero, TimeSpan.FromMilliseconds(20), TestActor, "again", null);
        ExpectMsg("again");
        ExpectMsg("again");
        repeated.Cancel();
        ReceiveWhile(m => m as string, idle: TimeSpan.FromMilliseconds(200));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        var cancelled = Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(50), TestActor, "never", null);
        cancelled.Cancel();
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
