namespace IrohActors.Actors.Tests;

public sealed class DeliveryTests : TestKit.TestKit
{
    private sealed record Numbered(int Sender, int Seq);

    private sealed record Report(int Received, int OutOfOrder, int Duplicates);

    /// <summary>Checks per-sender order and duplicates over everything it receives.</summary>
    private sealed class OrderChecker : ReceiveActor
    {
        public OrderChecker(int expected, IActorRef report)
        {
            var last = new Dictionary<int, int>();
            var seen = new HashSet<(int, int)>();
            int received = 0, outOfOrder = 0, duplicates = 0;
            Receive<Numbered>(n =>
            {
                received++;
                if (!seen.Add((n.Sender, n.Seq)))
                    duplicates++;
                if (last.TryGetValue(n.Sender, out var previous) && n.Seq <= previous)
                    outOfOrder++;
                last[n.Sender] = n.Seq;
                if (received == expected)
                    report.Tell(new Report(received, outOfOrder, duplicates), Self);
            });
        }
    }

    [Fact]
    public void Messages_from_one_sender_arrive_in_send_order_and_at_most_once_under_concurrent_senders()
    {
        const int senders = 4, perSender = 20_000;
        var checker = Sys.ActorOf(Props.Create(() => new OrderChecker(senders * perSender, TestActor)));
        var threads = Enumerable.Range(0, senders).Select(s => new Thread(() =>
        {
            for (var i = 0; i < perSender; i++)
                checker.Tell(new Numbered(s, i), null);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var report = ExpectMsg<Report>(TimeSpan.FromSeconds(30));
        Assert.Equal(new Report(senders * perSender, 0, 0), report);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_parent_creating_a_child_and_telling_it_at_once_is_well_ordered()
    {
        var parent = Sys.ActorOf(Props.Create(() => new SpawnAndTell(TestActor)));
        parent.Tell("go");
        ExpectMsg("child got hello");
    }

    private sealed class SpawnAndTell : ReceiveActor
    {
        public SpawnAndTell(IActorRef probe)
        {
            Receive<string>(_ =>
            {
                var child = Context.ActorOf(Props.Create(() => new Prefixer(probe)));
                child.Tell("hello");
            });
        }
    }

    private sealed class Prefixer : ReceiveActor
    {
        public Prefixer(IActorRef probe) => Receive<string>(s => probe.Tell("child got " + s));
    }

    [Fact]
    public void A_busy_actor_yields_its_thread_after_throughput_messages()
    {
        var settings = Sys.Settings with { Throughput = 10 };
        using var system = ActorSystem.Create("fair", settings);
        using var gate = new Gate();
        var probe = CreateTestProbe();
        var actor = system.ActorOf(Props.Create(() => new BlockingActor(probe.Ref, gate)));
        actor.Tell("block", null);
        probe.ExpectMsg("blocked");
        for (var i = 0; i < 100; i++)
            actor.Tell(i, null);
        var turnsBefore = Internals.Cell(actor).Mailbox.Turns;
        gate.Open();
        probe.ReceiveN(100, TimeSpan.FromSeconds(10));
        var turns = Internals.Cell(actor).Mailbox.Turns - turnsBefore;
        // 100 queued messages at 10 per turn need at least 10 turns; without the limit one turn would drain them all.
        Assert.True(turns >= 10, $"expected at least 10 turns for 100 messages at throughput 10, got {turns}");
    }

    [Fact]
    public void System_messages_are_processed_before_queued_user_messages()
    {
        using var gate = new Gate();
        var actor = Sys.ActorOf(Props.Create(() => new BlockingActor(TestActor, gate)));
        actor.Tell("block");
        ExpectMsg("blocked");
        actor.Tell("u1");
        actor.Tell("u2");
        Watch(actor);
        Sys.Stop(actor); // a system message, sent after u1 and u2
        gate.Open();
        ExpectTerminated(actor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // u1 and u2 were never processed
    }
}
