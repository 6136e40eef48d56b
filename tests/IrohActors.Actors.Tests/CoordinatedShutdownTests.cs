namespace IrohActors.Actors.Tests;

public sealed class CoordinatedShutdownTests : TestKit.TestKit
{
    private sealed class Tree : ReceiveActor
    {
        private readonly IActorRef _probe;
        private readonly string _name;

        public Tree(IActorRef probe, string name, int depth)
        {
            _probe = probe;
            _name = name;
            for (var i = 0; i < depth; i++)
            {
                var childName = $"{name}.{i}";
                Context.ActorOf(Props.Create(() => new Tree(probe, childName, depth - 1)), $"c{i}");
            }
        }

        protected override void PostStop() => _probe.Tell(_name);
    }

    [Fact]
    public async Task Stops_every_actor_and_the_system_within_its_timeout()
    {
        var system = ActorSystem.Create("cs-ok");
        system.ActorOf(Props.Create(() => new Tree(TestActor, "a", 2)), "a");
        system.ActorOf(Props.Create(() => new Tree(TestActor, "b", 1)), "b");
        var ran = false;
        system.CoordinatedShutdown.AddTask("flush", async _ => { await Task.Delay(10); ran = true; });
        var report = await system.CoordinatedShutdown.Run("test", TimeSpan.FromSeconds(20));
        Assert.True(report.Completed, report.ToString());
        Assert.Empty(report.NotStopped);
        Assert.True(ran);
        Assert.True(system.WhenTerminated.IsCompleted);
        // a (depth 2) has children a.0, a.1, each with one child; b (depth 1) has b.0: seven actors in all
        var stopped = ReceiveN(7).Cast<string>().ToList();
        Assert.True(stopped.IndexOf("a.0.0") < stopped.IndexOf("a.0") && stopped.IndexOf("a.0") < stopped.IndexOf("a"), string.Join(",", stopped));
        Assert.Same(report, await system.CoordinatedShutdown.Run("again"));
        Assert.Throws<InvalidOperationException>(() => system.ActorOf(Props.Create<EchoActor>()));
    }

    [Fact]
    public async Task Reports_actors_and_tasks_that_did_not_stop_in_time()
    {
        var system = ActorSystem.Create("cs-stuck");
        using var gate = new Gate();
        var stuck = system.ActorOf(Props.Create(() => new BlockingActor(TestActor, gate)), "stuck");
        system.ActorOf(Props.Create<EchoActor>(), "fine");
        stuck.Tell("block");
        ExpectMsg("blocked");
        system.CoordinatedShutdown.AddTask("never-ends", ct => Task.Delay(Timeout.Infinite, CancellationToken.None));
        var report = await system.CoordinatedShutdown.Run("test", TimeSpan.FromMilliseconds(500));
        Assert.False(report.Completed);
        Assert.Contains("/user/stuck", report.NotStopped);
        Assert.Contains("task:never-ends", report.NotStopped);
        Assert.DoesNotContain("/user/fine", report.NotStopped);
        Assert.True(system.WhenTerminated.IsCompleted);
        Assert.Contains("/user/stuck", report.ToString());
    }

    [Fact]
    public async Task Terminate_runs_registered_callbacks()
    {
        var system = ActorSystem.Create("cs-term");
        var called = new TaskCompletionSource();
        system.RegisterOnTermination(() => called.SetResult());
        await system.Terminate().WaitAsync(TimeSpan.FromSeconds(20));
        await called.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }
}
