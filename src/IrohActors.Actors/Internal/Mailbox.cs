using System.Collections.Concurrent;

namespace IrohActors.Actors.Internal;

/// <summary>
/// Two lock-free queues (system and user messages) and a "scheduled" flag. An idle mailbox costs nothing; the first
/// message queues the mailbox itself (an <see cref="IThreadPoolWorkItem"/>, so no allocation) on the thread pool, where
/// it runs every system message and then up to <c>throughput</c> user messages before giving the thread back.
/// At most one work item per mailbox exists at a time, so an actor never runs on two threads at once.
/// </summary>
internal sealed class Mailbox : IThreadPoolWorkItem
{
    private readonly ConcurrentQueue<Envelope> _user = new();
    private readonly ConcurrentQueue<SystemMessage> _system = new();
    private readonly int _capacity;
    private readonly MailboxOverflowPolicy _overflow;
    private LinkedList<Envelope>? _front; // unstashed messages; touched only on the actor's turn
    private int _count;
    private int _scheduled;
    private volatile bool _closed;
    private ActorCell _cell = null!;

    public Mailbox(MailboxSettings settings)
    {
        _capacity = settings.IsBounded ? settings.Capacity : 0;
        _overflow = settings.Overflow;
    }

    public void Attach(ActorCell cell) => _cell = cell;

    public bool IsClosed => _closed;

    /// <summary>Number of queued user messages (bounded mailboxes count exactly; unbounded ones report the queue size).</summary>
    public int Count => _capacity > 0 ? Volatile.Read(ref _count) : _user.Count;

    public void Post(in Envelope envelope)
    {
        if (_closed)
        {
            _cell.DeadLetter(envelope);
            return;
        }
        if (_capacity > 0 && !Reserve(envelope))
            return;
        _user.Enqueue(envelope);
        if (_closed)
        {
            // Closed between our check and the enqueue: whoever dequeues first sends it to dead letters.
            DrainUserToDeadLetters();
            return;
        }
        Schedule();
    }

    public void PostSystem(SystemMessage message)
    {
        _system.Enqueue(message);
        if (_closed)
        {
            DrainSystemWhenDead();
            return;
        }
        Schedule();
    }

    /// <summary>Puts a message at the front of the user queue (unstash). Only on the actor's turn.</summary>
    public void Prepend(in Envelope envelope) => (_front ??= new()).AddFirst(envelope);

    public bool TryDequeueUser(out Envelope envelope)
    {
        if (_front is { Count: > 0 } front)
        {
            envelope = front.First!.Value;
            front.RemoveFirst();
            return true;
        }
        if (!_user.TryDequeue(out envelope))
            return false;
        if (_capacity > 0)
            Interlocked.Decrement(ref _count);
        return true;
    }

    public bool TryDequeueSystem(out SystemMessage message) => _system.TryDequeue(out message!);

    public bool HasSystemMessages => !_system.IsEmpty;

    /// <summary>Closes the mailbox (the actor stopped) and sends what is left to dead letters. On the actor's turn.</summary>
    public void Close()
    {
        _closed = true;
        if (_front is { Count: > 0 } front)
        {
            foreach (var envelope in front)
                _cell.DeadLetter(envelope);
            front.Clear();
        }
        DrainUserToDeadLetters();
        DrainSystemWhenDead();
    }

    public void Schedule()
    {
        if (Volatile.Read(ref _scheduled) == 0 && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Number of turns run so far (diagnostics and the fairness test).</summary>
    public long Turns { get; private set; }

    void IThreadPoolWorkItem.Execute()
    {
        Turns++;
        _cell.Run();
        Interlocked.Exchange(ref _scheduled, 0); // full fence: the emptiness checks below see every earlier enqueue
        if (!_system.IsEmpty || (_cell.CanProcessUserMessages && (!_user.IsEmpty || _front is { Count: > 0 })))
            Schedule();
    }

    private bool Reserve(in Envelope envelope)
    {
        if (Interlocked.Increment(ref _count) <= _capacity)
            return true;
        switch (_overflow)
        {
            case MailboxOverflowPolicy.DropOldest:
                if (_user.TryDequeue(out var oldest))
                {
                    Interlocked.Decrement(ref _count);
                    _cell.Dropped(oldest, $"mailbox full (capacity {_capacity}), oldest message dropped");
                }
                return true;
            case MailboxOverflowPolicy.FailSender:
                Interlocked.Decrement(ref _count);
                _cell.Dropped(envelope, $"mailbox full (capacity {_capacity}), sender failed");
                envelope.Sender?.Tell(new Status.Failure(new MailboxOverflowException(
                    $"mailbox of {_cell.Self.Path} is full (capacity {_capacity}); {envelope.Message.GetType().Name} refused")), _cell.Self);
                return false;
            default:
                Interlocked.Decrement(ref _count);
                _cell.Dropped(envelope, $"mailbox full (capacity {_capacity}), newest message dropped");
                return false;
        }
    }

    private void DrainUserToDeadLetters()
    {
        while (_user.TryDequeue(out var envelope))
        {
            if (_capacity > 0)
                Interlocked.Decrement(ref _count);
            _cell.DeadLetter(envelope);
        }
    }

    private void DrainSystemWhenDead()
    {
        while (_system.TryDequeue(out var message))
            _cell.SystemMessageWhenDead(message);
    }
}
