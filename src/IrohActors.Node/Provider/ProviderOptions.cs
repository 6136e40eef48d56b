namespace IrohActors.Node.Provider;

/// <summary>Limits and policy of a provider (HOCON section <c>iroh.provider</c>).</summary>
public sealed record ProviderOptions
{
    /// <summary>Requests served at once for one peer; more are refused with <c>Limit</c>.</summary>
    public int MaxConcurrentRequestsPerPeer { get; init; } = 64;

    /// <summary>Requests served at once in total; more are refused with <c>Limit</c>.</summary>
    public int MaxConcurrentRequests { get; init; } = 512;

    /// <summary>The largest request (header bytes) accepted; larger ones are refused with <c>Limit</c>.</summary>
    public int MaxRequestSize { get; init; } = 16 * 1024;

    /// <summary>Who may make requests.</summary>
    public AccessPolicy Access { get; init; } = AccessPolicy.AllowAll;

    /// <summary>A <see cref="ProviderBytesSent"/> event is published each time this many more bytes went out on a request.</summary>
    public long ProgressEventBytes { get; init; } = 4 << 20;

    /// <summary>
    /// A response whose requester takes nothing for this long (its stream's flow-control window stays full while keep-alives
    /// keep the connection up) is reset and its slot freed; <see cref="Timeout.InfiniteTimeSpan"/> never.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is not positive.</exception>
    public void Validate()
    {
        if (MaxConcurrentRequestsPerPeer < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentRequestsPerPeer), MaxConcurrentRequestsPerPeer, "must be at least 1");
        if (MaxConcurrentRequests < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentRequests), MaxConcurrentRequests, "must be at least 1");
        if (MaxRequestSize < 2)
            throw new ArgumentOutOfRangeException(nameof(MaxRequestSize), MaxRequestSize, "must be at least 2 bytes");
        if (ProgressEventBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(ProgressEventBytes), ProgressEventBytes, "must be at least 1");
        if (StallTimeout <= TimeSpan.Zero && StallTimeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(StallTimeout), StallTimeout, "must be positive (or infinite)");
    }
}
