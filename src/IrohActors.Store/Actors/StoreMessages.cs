using IrohActors.Bao;
using IrohActors.Blake3;

namespace IrohActors.Store.Actors;

/// <summary>Imports bytes; replies <see cref="BlobImported"/>. With <paramref name="Tag"/> the blob is tagged, else the reply's temp tag pins it.</summary>
public sealed record ImportBytes(ReadOnlyMemory<byte> Data, string? Tag = null);

/// <summary>Imports a file by copy or in place; replies <see cref="BlobImported"/>.</summary>
public sealed record ImportFile(string Path, ImportMode Mode = ImportMode.Copy, string? Tag = null);

/// <summary>An import finished; dispose <paramref name="TempTag"/> (null when a tag was set) once the blob is otherwise pinned.</summary>
public sealed record BlobImported(Hash Hash, ulong Size, TempTag? TempTag);

/// <summary>Asks for the status of a blob; replies <see cref="BlobStatus"/>.</summary>
public sealed record GetStatus(Hash Hash);

/// <summary>Asks which chunk ranges a blob still needs; replies <see cref="MissingRanges"/>.</summary>
public sealed record GetMissing(Hash Hash);

/// <summary>The chunk ranges still needed to complete a blob.</summary>
public sealed record MissingRanges(Hash Hash, ChunkRanges Ranges);

/// <summary>Opens the single writer of a blob; replies <see cref="WriterOpened"/> or a failure with <see cref="BlobBusyException"/>.</summary>
public sealed record OpenWriter(Hash Hash, BaoTree Tree);

/// <summary>The writer; the requester writes verified items into it and disposes it.</summary>
public sealed record WriterOpened(IBlobWriter Writer);

/// <summary>Deletes a blob now; replies <see cref="BlobDeleted"/>.</summary>
public sealed record DeleteBlob(Hash Hash);

/// <summary>Whether a blob was deleted.</summary>
public sealed record BlobDeleted(Hash Hash, bool Existed);

/// <summary>Sets a named tag; replies <see cref="TagSet"/>.</summary>
public sealed record SetTag(string Name, Hash Hash, BlobFormat Format = BlobFormat.Raw);

/// <summary>The tag is set.</summary>
public sealed record TagSet(string Name);

/// <summary>Removes a named tag; replies <see cref="TagRemoved"/>.</summary>
public sealed record RemoveTag(string Name);

/// <summary>Whether the tag existed.</summary>
public sealed record TagRemoved(string Name, bool Existed);

/// <summary>Lists tags; replies <see cref="TagList"/>.</summary>
public sealed record ListTags;

/// <summary>All named tags.</summary>
public sealed record TagList(IReadOnlyList<TagInfo> Tags);

/// <summary>Runs garbage collection; replies <see cref="GcResult"/>.</summary>
public sealed record RunGc;

/// <summary>Computes an import on the outboard actor and replies to <paramref name="ReplyTo"/>.</summary>
internal sealed record ComputeImport(object Request, IrohActors.Actors.IActorRef ReplyTo);

/// <summary>An import computation ended (the outboard actor frees its slot).</summary>
internal sealed record ImportDone;
