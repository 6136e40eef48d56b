namespace IrohActors.Actors.Tests;

public sealed class BoundedMailboxTests : TestKit.TestKit
{
    private (IActorRef Actor, Gate Gate, TestKit.TestProbe Processed, TestKit.TestProbe Dropped) FullMailbox(MailboxOverflowPolicy policy)
    {
        var gate = new Gate();
        var processed = CreateTestProbe();
        var dropped = CreateTestProbe();
        Sys.EventStream.Subscribe<Dropped>(dropped.Ref);
        var actor = Sys.ActorOf(Props.Create(() => new BlockingActor(processed.Ref, gate)).WithMailbox(3, policy));
        actor.Tell("block");
        processed.ExpectMsg("blocked"); // "block" has left the mailbox: it is empty now
        for (var i = 1; i <= 5; i++)
            actor.Tell($"m{i}");
        return (actor, gate, processed, dropped);
    }

    [Fact]
    public void DropNewest_keeps_the_first_messages_and_drops_the_arriving_ones()
    {
        var (_, gate, processed, dropped) = FullMailbox(MailboxOverflowPolicy.DropNewest);
        using (gate)
        {
            Assert.Equal("m4", dropped.ExpectMsg<Dropped>().Message);
            Assert.Equal("m5", dropped.ExpectMsg<Dropped>().Message);
            gate.Open();
            Assert.Equal(["m1", "m2", "m3"], processed.ReceiveN(3));
            processed.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        }
    }

    [Fact]
    public void DropOldest_drops_the_oldest_queued_messages()
    {
        var (_, gate, processed, dropped) = FullMailbox(MailboxOverflowPolicy.DropOldest);
        using (gate)
        {
            Assert.Equal("m1", dropped.ExpectMsg<Dropped>().Message);
            Assert.Equal("m2", dropped.ExpectMsg<Dropped>().Message);
            gate.Open();
            Assert.Equal(["m3", "m4", "m5"], processed.ReceiveN(3));
        }
    }

    [Fact]
    public void FailSender_tells_the_sender_a_Status_Failure_and_drops_the_message()
    {
        var (actor, gate, processed, dropped) = FullMailbox(MailboxOverflowPolicy.FailSender);
        using (gate)
        {
            var failure = ExpectMsg<Status.Failure>();
            Assert.IsType<MailboxOverflowException>(failure.Cause);
            Assert.Contains("capacity 3", failure.Cause.Message);
            Assert.Contains(actor.Path.ToString(), failure.Cause.Message);
            ExpectMsg<Status.Failure>();
            Assert.Equal("m4", dropped.ExpectMsg<Dropped>().Message);
            gate.Open();
            Assert.Equal(["m1", "m2", "m3"], processed.ReceiveN(3));
        }
    }

    [Fact]
    public async Task FailSender_faults_an_ask_at_once()
    {
        var (actor, gate, _, _) = FullMailbox(MailboxOverflowPolicy.FailSender);
        using (gate)
        {
            await Assert.ThrowsAsync<MailboxOverflowException>(() => actor.Ask<string>("one more", TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public void Dropped_messages_count_as_dead_letters()
    {
        var before = Sys.DeadLetterCount;
        var (_, gate, _, dropped) = FullMailbox(MailboxOverflowPolicy.DropNewest);
        using (gate)
        {
            dropped.ExpectMsg<Dropped>();
            dropped.ExpectMsg<Dropped>();
            Assert.True(Sys.DeadLetterCount - before >= 2);
        }
    }

    [Fact]
    public void A_default_mailbox_from_settings_applies_to_actors_without_one()
    {
        using var system = ActorSystem.Create("bounded", Sys.Settings with { DefaultMailbox = MailboxSettings.Bounded(1) });
        using var gate = new Gate();
        var actor = system.ActorOf(Props.Create(() => new BlockingActor(TestActor, gate)));
        actor.Tell("block");
        ExpectMsg("blocked");
        actor.Tell("kept");
        actor.Tell("dropped");
        gate.Open();
        ExpectMsg("kept");
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Throws<ArgumentOutOfRangeException>(() => MailboxSettings.Bounded(0));
    }
}
