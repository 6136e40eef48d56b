using IrohActors.Actors.TestKit;

namespace IrohActors.Actors.Tests;

public sealed class PathAndNameTests : TestKit.TestKit
{
    private sealed class Parent : ReceiveActor
    {
        public Parent()
        {
            Receive<string>(name => Sender.Tell(Context.ActorOf(Props.Create<EchoActor>(), name == "" ? null : name).Path.ToString()));
        }
    }

    [Fact]
    public void Top_level_actors_live_under_user_and_children_under_their_parent()
    {
        var store = Sys.ActorOf(Props.Create<Parent>(), "store");
        Assert.Equal("/user/store", store.Path.ToString());
        Assert.Equal("iroh://test/user/store", store.Path.ToStringWithAddress());
        store.Tell("outboard");
        Assert.Equal("/user/store/outboard", ExpectMsg<string>());
        Assert.Equal(["user", "store"], store.Path.Elements);
    }

    [Fact]
    public void Generated_names_are_dollar_a_dollar_b_in_order()
    {
        var parent = Sys.ActorOf(Props.Create<Parent>(), "gen");
        parent.Tell("");
        parent.Tell("");
        Assert.Equal("/user/gen/$a", ExpectMsg<string>());
        Assert.Equal("/user/gen/$b", ExpectMsg<string>());
        // Akka's base-64 alphabet: 26 lower, 26 upper, 10 digits, '+', '~'; 64 wraps to two characters.
        Assert.Equal("a", Internal.ActorCell.EncodeName(0));
        Assert.Equal("~", Internal.ActorCell.EncodeName(63));
        Assert.Equal("ab", Internal.ActorCell.EncodeName(64));
    }

    [Fact]
    public void Duplicate_sibling_name_throws_InvalidActorNameException_naming_the_parent()
    {
        Sys.ActorOf(Props.Create<EchoActor>(), "dup");
        var ex = Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create<EchoActor>(), "dup"));
        Assert.Contains("[dup]", ex.Message);
        Assert.Contains("/user", ex.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("$reserved")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("bad%zz")]
    public void Invalid_names_are_rejected(string name)
    {
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create<EchoActor>(), name));
    }

    [Fact]
    public void A_stopped_actors_name_is_free_after_its_Terminated()
    {
        var first = Sys.ActorOf(Props.Create<EchoActor>(), "reuse");
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);
        AwaitAssert(() => Sys.ActorOf(Props.Create<EchoActor>(), "reuse"));
        var second = Sys.ActorOf(Props.Create<EchoActor>(), "other");
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Creating_an_actor_with_new_throws_ActorInitializationException()
    {
        var ex = Assert.Throws<ActorInitializationException>(() => new EchoActor());
        Assert.Contains("ActorOf", ex.Message);
    }

    [Fact]
    public void Nobody_and_NoSender_behave_as_in_Akka()
    {
        Assert.Null(ActorRefs.NoSender);
        ActorRefs.Nobody.Tell("ignored", null);
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        echo.Tell("x", ActorRefs.NoSender); // reply goes to dead letters, not to us
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
