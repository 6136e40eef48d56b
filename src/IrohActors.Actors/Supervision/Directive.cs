namespace IrohActors.Actors;

/// <summary>What a supervisor does with a failed child.</summary>
public enum Directive
{
    /// <summary>Keep the instance and its state; drop the failing message; go on with the mailbox.</summary>
    Resume,

    /// <summary>Replace the instance with a fresh one from the Props; the mailbox is kept, the failing message is not retried.</summary>
    Restart,

    /// <summary>Fail the supervisor itself with the same exception, so its own parent decides.</summary>
    Escalate,

    /// <summary>Stop the child.</summary>
    Stop,
}

/// <summary>Builds deciders: <c>Decider.From(Directive.Restart, Directive.Stop.When&lt;IOException&gt;())</c>.</summary>
public static class Decider
{
    /// <summary>First matching (exception type → directive) pair wins, else <paramref name="defaultDirective"/>.</summary>
    public static Func<Exception, Directive> From(Directive defaultDirective, params KeyValuePair<Type, Directive>[] pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var copy = pairs.ToArray();
        return ex =>
        {
            foreach (var (type, directive) in copy)
                if (type.IsInstanceOfType(ex))
                    return directive;
            return defaultDirective;
        };
    }

    /// <summary>Pairs a directive with an exception type (for <see cref="From"/>).</summary>
    public static KeyValuePair<Type, Directive> When<TException>(this Directive directive) where TException : Exception
        => new(typeof(TException), directive);
}
