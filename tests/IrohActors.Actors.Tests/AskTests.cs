namespace IrohActors.Actors.Tests;

public sealed class AskTests : TestKit.TestKit
{
    private sealed class Replier : ReceiveActor
    {
        public Replier()
        {
            Receive<string>(s => s == "fail", _ => Sender.Tell(new Status.Failure(new InvalidDataException("bad data at offset 7"))));
            Receive<string>(s => s == "silent", _ => { });
            Receive<string>(s => s == "number", _ => Sender.Tell(42));
            Receive<string>(s => Sender.Tell(s.ToUpperInvariant()));
        }
    }

    [Fact]
    public async Task Ask_completes_with_the_reply()
    {
        var actor = Sys.ActorOf(Props.Create<Replier>());
        Assert.Equal("HELLO", await actor.Ask<string>("hello", TimeSpan.FromSeconds(10)));
        Assert.Equal("X", await actor.Ask("x", TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Ask_without_reply_faults_with_AskTimeoutException_naming_the_target()
    {
        var actor = Sys.ActorOf(Props.Create<Replier>(), "silent-one");
        var ex = await Assert.ThrowsAsync<AskTimeoutException>(() => actor.Ask<string>("silent", TimeSpan.FromMilliseconds(100)));
        Assert.Contains("/user/silent-one", ex.Message);
        Assert.Contains("String", ex.Message);
    }

    [Fact]
    public async Task A_Status_Failure_reply_faults_the_task_with_its_cause()
    {
        var actor = Sys.ActorOf(Props.Create<Replier>());
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => actor.Ask<string>("fail", TimeSpan.FromSeconds(10)));
        Assert.Equal("bad data at offset 7", ex.Message);
    }

    [Fact]
    public async Task A_reply_of_the_wrong_type_faults_with_a_clear_ArgumentException()
    {
        var actor = Sys.ActorOf(Props.Create<Replier>());
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => actor.Ask<string>("number", TimeSpan.FromSeconds(10)));
        Assert.Contains("System.Int32", ex.Message);
        Assert.Contains("System.String", ex.Message);
    }

    [Fact]
    public async Task Cancelling_the_token_cancels_the_ask_and_a_late_reply_goes_to_dead_letters()
    {
        var actor = Sys.ActorOf(Props.Create(() => new ForwardTo(TestActor)));
        using var cts = new CancellationTokenSource();
        var task = actor.Ask<string>("question", null, cts.Token);
        ExpectMsg("question");
        var replyTo = LastSender;
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        var dead = CreateTestProbe();
        Sys.EventStream.Subscribe<DeadLetter>(dead.Ref);
        replyTo.Tell("too late", null);
        Assert.Equal("too late", dead.ExpectMsg<DeadLetter>().Message);
    }

    [Fact]
    public async Task Ask_uses_the_systems_default_timeout_when_none_is_given()
    {
        using var system = ActorSystem.Create("asks", Sys.Settings with { AskTimeout = TimeSpan.FromMilliseconds(100) });
        var actor = system.ActorOf(Props.Create<Replier>());
        await Assert.ThrowsAsync<AskTimeoutException>(() => actor.Ask<string>("silent"));
    }

    [Fact]
    public async Task Ask_with_a_message_factory_passes_the_temporary_reference()
    {
        var actor = Sys.ActorOf(Props.Create(() => new ForwardTo(TestActor)));
        var task = actor.Ask<string>(replyTo => replyTo, TimeSpan.FromSeconds(10));
        var replyTo = ExpectMsg<IActorRef>();
        Assert.StartsWith("/temp/$", replyTo.Path.ToString());
        replyTo.Tell("answer", null);
        Assert.Equal("answer", await task);
    }
}
