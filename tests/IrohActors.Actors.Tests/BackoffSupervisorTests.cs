using System.Diagnostics;
using IrohActors.Actors.Pattern;

namespace IrohActors.Actors.Tests;

public sealed class BackoffSupervisorTests : TestKit.TestKit
{
    [Theory]
    // Akka's formula: min(max, min × 2^n) × (1 + random × randomFactor)
    [InlineData(0, 100, 1000, 0.0, 0.0, 100)]
    [InlineData(1, 100, 1000, 0.0, 0.0, 200)]
    [InlineData(3, 100, 1000, 0.0, 0.0, 800)]
    [InlineData(4, 100, 1000, 0.0, 0.0, 1000)]
    [InlineData(40, 100, 1000, 0.0, 0.0, 1000)]
    [InlineData(2, 100, 1000, 0.2, 0.5, 440)]
    [InlineData(9, 100, 1000, 0.5, 0.999, 1499.5)]
    public void CalculateDelay_follows_Akkas_formula(int restarts, int minMs, int maxMs, double factor, double random, double expectedMs)
    {
        var delay = BackoffSupervisor.CalculateDelay(restarts, TimeSpan.FromMilliseconds(minMs), TimeSpan.FromMilliseconds(maxMs), factor, random);
        Assert.Equal(expectedMs, delay.TotalMilliseconds, 3);
    }

    /// <summary>Reports its start and stops at once (or fails when asked to).</summary>
    private sealed class ShortLived(IActorRef probe, bool fail) : UntypedActor
    {
        protected override void PreStart()
        {
            probe.Tell(Stopwatch.GetTimestamp());
            if (fail)
                throw new InvalidOperationException("crash");
            Context.Stop(Self);
        }

        protected override void OnReceive(object message) => probe.Tell(message);
    }

    [Fact]
    public void Restart_delays_grow_exponentially_and_are_bounded_by_max()
    {
        var min = TimeSpan.FromMilliseconds(100);
        var max = TimeSpan.FromMilliseconds(200);
        Sys.ActorOf(BackoffSupervisor.Props(Props.Create(() => new ShortLived(TestActor, false)), "child", min, max, 0.0), "backoff");
        var starts = Enumerable.Range(0, 6).Select(_ => ExpectMsg<long>(TimeSpan.FromSeconds(10))).ToList();
        var gaps = starts.Zip(starts.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b).TotalMilliseconds).ToList();
        double[] expected = [100, 200, 200, 200, 200];
        for (var i = 0; i < gaps.Count; i++)
            Assert.True(gaps[i] >= expected[i] - 20, $"gap {i} was {gaps[i]:F0} ms, expected at least {expected[i]} ms (gaps: {string.Join(", ", gaps.Select(g => g.ToString("F0")))})");
        // Unbounded doubling would need at least 100+200+400+800+1600 = 3100 ms for these five gaps; bounded needs 900 ms.
        Assert.True(gaps.Sum() < 3100, $"gaps sum to {gaps.Sum():F0} ms: the delay is not bounded by max ({string.Join(", ", gaps.Select(g => g.ToString("F0")))})");
    }

    [Fact]
    public void OnFailure_restarts_a_crashing_child_and_gives_up_after_maxNrOfRetries()
    {
        var options = new BackoffOptions(Props.Create(() => new ShortLived(TestActor, true)), "child",
            TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50), 0.0, BackoffMode.OnFailure, MaxNrOfRetries: 2);
        var supervisor = Sys.ActorOf(BackoffSupervisor.Props(options), "gives-up");
        Watch(supervisor);
        ExpectMsg<long>();
        ExpectMsg<long>();
        ExpectMsg<long>();
        ExpectTerminated(supervisor, TimeSpan.FromSeconds(10));
    }


    [Fact]
    public void Messages_are_forwarded_to_the_current_child_and_GetCurrentChild_answers()
    {
        var supervisor = Sys.ActorOf(BackoffSupervisor.Props(Props.Create(() => new ForwardTo(TestActor)), "c",
            TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1), 0.2), "fwd");
        supervisor.Tell("hello");
        ExpectMsg("hello");
        Assert.Equal(TestActor, LastSender);
        supervisor.Tell(BackoffSupervisor.GetCurrentChild.Instance);
        var child = ExpectMsg<BackoffSupervisor.CurrentChild>().Ref;
        Assert.Equal("/user/fwd/c", child!.Path.ToString());
        supervisor.Tell(BackoffSupervisor.GetRestartCount.Instance);
        ExpectMsg(new BackoffSupervisor.RestartCount(0));
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        var child = Props.Create<EchoActor>();
        Assert.Throws<ArgumentOutOfRangeException>(() => BackoffSupervisor.Props(child, "c", TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BackoffSupervisor.Props(child, "c", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), 1.5));
        Assert.Throws<InvalidActorNameException>(() => BackoffSupervisor.Props(child, "$c", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), 0));
    }
}
