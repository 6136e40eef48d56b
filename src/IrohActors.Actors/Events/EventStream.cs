using IrohActors.Actors.Internal;

namespace IrohActors.Actors;

/// <summary>Publish/subscribe by message type within one system (dead letters, unhandled messages, your own events).
/// Subscribing to a base type receives its subclasses. Stopped subscribers are removed automatically.</summary>
public sealed class EventStream
{
    private readonly object _lock = new();
    private (Type Channel, IActorRef Subscriber)[] _subscriptions = [];

    /// <summary>Subscribes <paramref name="subscriber"/> to events assignable to <paramref name="channel"/>; false if already subscribed.</summary>
    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_lock)
        {
            if (_subscriptions.Any(s => s.Channel == channel && s.Subscriber.Equals(subscriber)))
                return false;
            _subscriptions = [.. _subscriptions, (channel, subscriber)];
            return true;
        }
    }

    /// <summary>Subscribes to events of type <typeparamref name="T"/>.</summary>
    public bool Subscribe<T>(IActorRef subscriber) => Subscribe(subscriber, typeof(T));

    /// <summary>Removes the subscriber from <paramref name="channel"/> (or from every channel when null); false if it had none.</summary>
    public bool Unsubscribe(IActorRef subscriber, Type? channel = null)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        lock (_lock)
        {
            var kept = _subscriptions.Where(s => !(s.Subscriber.Equals(subscriber) && (channel is null || s.Channel == channel))).ToArray();
            var removed = kept.Length != _subscriptions.Length;
            _subscriptions = kept;
            return removed;
        }
    }

    /// <summary>Tells <paramref name="event"/> to every subscriber of a matching channel.</summary>
    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var subscriptions = Volatile.Read(ref _subscriptions);
        foreach (var (channel, subscriber) in subscriptions)
        {
            if (!channel.IsInstanceOfType(@event))
                continue;
            if (ActorRefResolver.Resolve(subscriber) is { IsTerminated: true })
            {
                Unsubscribe(subscriber);
                continue;
            }
            subscriber.Tell(@event, null);
        }
    }
}
