namespace IrohActors.Node.Tickets;

/// <summary>A ticket string that does not parse; says what is wrong and, for the binary part, at which byte.</summary>
public sealed class TicketFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public TicketFormatException(string message, Exception? inner = null) : base($"invalid ticket: {message}", inner) { }
}
