namespace IrohActors.Actors.TestKit;

/// <summary>A message the test actor received, with its sender.</summary>
/// <param name="Message">The message.</param>
/// <param name="Sender">Who sent it (the system's dead letters when nobody).</param>
public readonly record struct MessageEnvelope(object Message, IActorRef Sender);
