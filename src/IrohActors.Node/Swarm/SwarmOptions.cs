namespace IrohActors.Node.Swarm;

/// <summary>How a swarm download splits work and judges peers (HOCON section <c>iroh.swarm</c>).</summary>
public sealed record SwarmOptions
{
    /// <summary>The smallest span of one blob asked of a peer in one request (rounded to chunk groups).</summary>
    public long MinSpanBytes { get; init; } = 1 << 20;

    /// <summary>The largest span of one blob asked of a peer in one request.</summary>
    public long MaxSpanBytes { get; init; } = 4 << 20;

    /// <summary>A span is sized so that the peer, at its measured rate, needs about this long for it.</summary>
    public TimeSpan SpanTargetTime { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A peer gets enough requests in flight to keep it busy this long (plus its round-trip time) at its measured rate, plus one.</summary>
    public TimeSpan WindowTargetTime { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Requests in flight per peer, at most.</summary>
    public int MaxInFlight { get; init; } = 8;

    /// <summary>Requests in flight per peer while its rate is not yet known.</summary>
    public int InitialInFlight { get; init; } = 2;

    /// <summary>A request with no verified progress for this long is cancelled and its peer dropped.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Children of a collection asked for in one request.</summary>
    public int ChildrenPerRequest { get; init; } = 64;

    /// <summary>In the endgame a peer duplicates another's request only when it would finish that request at least this many times sooner.</summary>
    public double EndgameSpeedup { get; init; } = 2;

    /// <summary>How often rates are sampled and progress is reported.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A provider dropped for a lost connection or a stall is reconnected, at most this many attempts per provider within one download (0: never).</summary>
    public int ReconnectAttempts { get; init; } = 3;

    /// <summary>The wait before the first reconnect attempt; it doubles with each failed attempt.</summary>
    public TimeSpan ReconnectBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Reads <c>iroh.swarm</c> (absent keys keep their defaults) and checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range (the parameter names it).</exception>
    public static SwarmOptions FromConfig(IrohActors.Hocon.Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var d = new SwarmOptions();
        var options = new SwarmOptions
        {
            MinSpanBytes = config.GetByteSize("iroh.swarm.min-span", d.MinSpanBytes),
            MaxSpanBytes = config.GetByteSize("iroh.swarm.max-span", d.MaxSpanBytes),
            SpanTargetTime = config.GetTimeSpan("iroh.swarm.span-target-time", d.SpanTargetTime),
            WindowTargetTime = config.GetTimeSpan("iroh.swarm.window-target-time", d.WindowTargetTime),
            MaxInFlight = config.GetInt("iroh.swarm.max-in-flight", d.MaxInFlight),
            InitialInFlight = config.GetInt("iroh.swarm.initial-in-flight", d.InitialInFlight),
            StallTimeout = config.GetTimeSpan("iroh.swarm.stall-timeout", d.StallTimeout),
            ChildrenPerRequest = config.GetInt("iroh.swarm.children-per-request", d.ChildrenPerRequest),
            EndgameSpeedup = config.GetDouble("iroh.swarm.endgame-speedup", d.EndgameSpeedup),
            SampleInterval = config.GetTimeSpan("iroh.swarm.sample-interval", d.SampleInterval),
            ReconnectAttempts = config.GetInt("iroh.swarm.reconnect-attempts", d.ReconnectAttempts),
            ReconnectBackoff = config.GetTimeSpan("iroh.swarm.reconnect-backoff", d.ReconnectBackoff),
        };
        options.Validate();
        return options;
    }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range (the parameter names it).</exception>
    public void Validate()
    {
        if (MinSpanBytes < 1024)
            throw new ArgumentOutOfRangeException(nameof(MinSpanBytes), MinSpanBytes, "must be at least 1 KiB");
        if (MaxSpanBytes < MinSpanBytes)
            throw new ArgumentOutOfRangeException(nameof(MaxSpanBytes), MaxSpanBytes, $"must be at least min-span ({MinSpanBytes})");
        if (MaxInFlight < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxInFlight), MaxInFlight, "must be at least 1");
        if (InitialInFlight < 1 || InitialInFlight > MaxInFlight)
            throw new ArgumentOutOfRangeException(nameof(InitialInFlight), InitialInFlight, $"must be 1..{MaxInFlight}");
        if (StallTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(StallTimeout), StallTimeout, "must be positive");
        if (ChildrenPerRequest < 1)
            throw new ArgumentOutOfRangeException(nameof(ChildrenPerRequest), ChildrenPerRequest, "must be at least 1");
        if (EndgameSpeedup < 1)
            throw new ArgumentOutOfRangeException(nameof(EndgameSpeedup), EndgameSpeedup, "must be at least 1");
        if (ReconnectAttempts < 0)
            throw new ArgumentOutOfRangeException(nameof(ReconnectAttempts), ReconnectAttempts, "must not be negative");
        if (ReconnectBackoff < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(ReconnectBackoff), ReconnectBackoff, "must not be negative");
        if (SpanTargetTime <= TimeSpan.Zero || WindowTargetTime <= TimeSpan.Zero || SampleInterval <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(SpanTargetTime), "span-target-time, window-target-time and sample-interval must be positive");
    }
}
