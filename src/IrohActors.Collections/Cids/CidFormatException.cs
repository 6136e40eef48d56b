namespace IrohActors.Collections;

/// <summary>A string or byte sequence is not a CID this library accepts; the message says what and where.</summary>
public sealed class CidFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, including where.</param>
    /// <param name="position">Character offset in the text, or byte offset in the binary CID.</param>
    public CidFormatException(string message, int position)
        : base(message)
    {
        Position = position;
    }

    /// <summary>Character offset in the text form, or byte offset in the binary form, of the problem.</summary>
    public int Position { get; }
}
