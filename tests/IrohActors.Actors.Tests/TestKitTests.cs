using Xunit.Sdk;

namespace IrohActors.Actors.Tests;

public sealed class TestKitTests : TestKit.TestKit
{
    [Fact]
    public void Tell_from_the_test_body_has_the_test_actor_as_sender()
    {
        Sys.ActorOf(Props.Create<EchoActor>()).Tell("ping");
        ExpectMsg("ping");
    }

    [Fact]
    public async Task The_implicit_sender_survives_awaits_in_async_tests()
    {
        await Task.Delay(10);
        await Task.Yield();
        Sys.ActorOf(Props.Create<EchoActor>()).Tell("async ping");
        Assert.Equal("async ping", await ExpectMsgAsync<string>());
    }

    [Fact]
    public void ExpectMsg_failure_says_what_was_expected_and_what_came()
    {
        TestActor.Tell(42, null);
        var ex = Assert.ThrowsAny<XunitException>(() => ExpectMsg<string>(TimeSpan.FromSeconds(1)));
        Assert.Contains("String", ex.Message);
        Assert.Contains("42", ex.Message);
        Assert.Contains("Int32", ex.Message);

        TestActor.Tell("actual", null);
        ex = Assert.ThrowsAny<XunitException>(() => ExpectMsg("expected", TimeSpan.FromSeconds(1)));
        Assert.Contains("\"expected\"", ex.Message);
        Assert.Contains("\"actual\"", ex.Message);

        ex = Assert.ThrowsAny<XunitException>(() => ExpectMsg<string>(TimeSpan.FromMilliseconds(50), hint: "the answer"));
        Assert.Contains("Timeout", ex.Message);
        Assert.Contains("the answer", ex.Message);
    }

    [Fact]
    public void ExpectMsg_with_a_predicate_or_assertion_checks_the_message()
    {
        TestActor.Tell(5, null);
        Assert.Equal(5, ExpectMsg<int>(i => i > 3));
        TestActor.Tell(2, null);
        Assert.ThrowsAny<XunitException>(() => ExpectMsg<int>(i => i > 3, TimeSpan.FromSeconds(1)));
        TestActor.Tell(7, null);
        ExpectMsg<int>(i => Assert.Equal(7, i));
    }

    [Fact]
    public void ExpectMsgAllOf_accepts_any_order_and_rejects_strangers()
    {
        TestActor.Tell("b", null);
        TestActor.Tell("a", null);
        Assert.Equal(["b", "a"], ExpectMsgAllOf("a", "b"));
        TestActor.Tell("x", null);
        var ex = Assert.ThrowsAny<XunitException>(() => ExpectMsgAllOf("a"));
        Assert.Contains("\"x\"", ex.Message);
    }

    [Fact]
    public void ExpectNoMsg_fails_when_a_message_arrives()
    {
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        TestActor.Tell("surprise", null);
        // ExpectNoMsg fails as soon as the message arrives, so a long window costs nothing and survives a loaded machine.
        var ex = Assert.ThrowsAny<XunitException>(() => ExpectNoMsg(TimeSpan.FromSeconds(10)));
        Assert.Contains("surprise", ex.Message);
    }

    [Fact]
    public void FishForMessage_discards_until_a_match()
    {
        foreach (var i in Enumerable.Range(1, 5))
            TestActor.Tell(i, null);
        Assert.Equal(4, FishForMessage<int>(i => i == 4));
        ExpectMsg(5);
        var ex = Assert.ThrowsAny<XunitException>(() => FishForMessage<int>(i => i == 99, TimeSpan.FromMilliseconds(50), "never"));
        Assert.Contains("never", ex.Message);
    }

    [Fact]
    public void ReceiveN_and_ReceiveWhile_take_in_order_and_ReceiveWhile_leaves_the_first_non_match()
    {
        foreach (var m in new object[] { "a", "b", 1, "c" })
            TestActor.Tell(m, null);
        Assert.Equal(["a", "b"], ReceiveWhile(m => m as string, TimeSpan.FromSeconds(1)));
        Assert.Equal([1, "c"], ReceiveN(2));
        Assert.Throws<FailException>(() => ReceiveN(1, TimeSpan.FromMilliseconds(50)));
        Assert.Null(ReceiveOne(TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public void Within_fails_a_block_that_is_faster_than_min()
    {
        var ex = Assert.ThrowsAny<XunitException>(() => Within(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), () => { }));
        Assert.Contains("should have at least been", ex.Message);
    }

    [Fact]
    public void Within_gives_Expect_calls_inside_the_remaining_time()
    {
        Within(TimeSpan.FromSeconds(10), () =>
        {
            Assert.True(Remaining <= Dilated(TimeSpan.FromSeconds(10)));
            TestActor.Tell("inside", null);
            ExpectMsg("inside");
        });
        Assert.Throws<InvalidOperationException>(() => Remaining);
    }

    [Fact]
    public void Within_fails_a_block_that_exceeds_max()
    {
        var ex = Assert.ThrowsAny<XunitException>(() => Within(TimeSpan.FromMilliseconds(1), () => Thread.Sleep(300), TimeSpan.Zero));
        Assert.Contains("exceeding", ex.Message);
    }

    [Fact]
    public void AwaitCondition_and_AwaitAssert_poll_until_true_or_fail()
    {
        var start = DateTime.UtcNow;
        AwaitCondition(() => DateTime.UtcNow - start > TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5));
        AwaitAssert(() => Assert.True(DateTime.UtcNow - start > TimeSpan.FromMilliseconds(100)), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10));
        Assert.ThrowsAny<XunitException>(() => AwaitCondition(() => false, TimeSpan.FromMilliseconds(50), message: "never true"));
        Assert.ThrowsAny<XunitException>(() => AwaitAssert(() => Assert.Fail("still failing"), TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public void Probes_send_reply_and_forward()
    {
        var probe = CreateTestProbe();
        var other = CreateTestProbe();
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        probe.Send(echo, "via probe");
        probe.ExpectMsg("via probe");
        Assert.Equal(echo, probe.LastSender);

        probe.Tell("question", TestActor);
        probe.ExpectMsg("question");
        probe.Reply("answer");
        ExpectMsg("answer");
        Assert.Equal(probe.Ref, LastSender);

        probe.Tell("pass on", TestActor);
        probe.ExpectMsg("pass on");
        probe.Forward(other);
        other.ExpectMsg("pass on");
        Assert.Equal(TestActor, other.LastSender);
    }

    [Fact]
    public void A_probe_can_be_watched_and_told_as_an_actor_ref()
    {
        var probe = CreateTestProbe();
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        echo.Tell("to probe", probe);
        probe.ExpectMsg("to probe");
        Watch(probe);
        Sys.Stop(probe.Ref);
        ExpectTerminated(probe);
    }

    [Fact]
    public void Timeouts_are_dilated_by_the_time_factor()
    {
        using var kit = new Kit(ActorSystemSettings.Default with { TestTimeFactor = 3.0, TestSingleExpectDefault = TimeSpan.FromSeconds(2) });
        var env = Environment.GetEnvironmentVariable(TestKit.TestKitBase.TimeFactorEnvironmentVariable);
        var envFactor = string.IsNullOrEmpty(env) ? 1.0 : double.Parse(env, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(3.0 * envFactor, kit.TimeFactor);
        Assert.Equal(TimeSpan.FromSeconds(6 * envFactor), kit.RemainingOrDefault);
        Assert.Equal(TimeSpan.FromMilliseconds(300 * envFactor), kit.Dilated(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(Timeout.InfiniteTimeSpan, kit.Dilated(Timeout.InfiniteTimeSpan));
    }

    private sealed class Kit(ActorSystemSettings settings) : TestKit.TestKit(settings, "kit");

    [Fact]
    public void Dispose_terminates_the_system()
    {
        var kit = new Kit(ActorSystemSettings.Default);
        var system = kit.Sys;
        kit.Dispose();
        Assert.True(system.WhenTerminated.IsCompleted);
    }
}
