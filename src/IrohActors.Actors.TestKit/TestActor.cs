namespace IrohActors.Actors.TestKit;

/// <summary>The actor behind a test kit or probe: queues everything it receives for the Expect methods.</summary>
internal sealed class TestActor(TestMessageQueue queue) : UntypedActor
{
    internal sealed record WatchCommand(IActorRef Target, bool Watch, ManualResetEventSlim Done);

    protected override void OnReceive(object message)
    {
        if (message is WatchCommand command)
        {
            if (command.Watch)
                Context.Watch(command.Target);
            else
                Context.Unwatch(command.Target);
            command.Done.Set();
            return;
        }
        queue.Enqueue(new MessageEnvelope(message, Sender));
    }
}
