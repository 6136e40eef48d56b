using IrohActors.Collections.Export;

namespace IrohActors.Collections;

/// <summary>
/// The safe-export checks of <see cref="CollectionExporter"/> for writers that put files in place themselves (a
/// download that writes each child straight into the target directory): <see cref="PlanAsync"/> checks every name
/// and every existing path before anything is written, <see cref="PrepareFile"/> repeats the per-component checks,
/// creates the missing directories and returns the path a link's file must end up at.
/// </summary>
public sealed class ExportTarget
{
    private readonly ExportPlan _plan;

    private ExportTarget(string root, ExportPlan plan, List<Link> links)
    {
        Root = root;
        _plan = plan;
        Links = links;
    }

    /// <summary>
    /// The links the plan checked, in the collection's order (as read once for the checks): a writer placing them all
    /// walks this list instead of reading and parsing the collection a second time.
    /// </summary>
    public IReadOnlyList<Link> Links { get; }

    /// <summary>The target directory (full path).</summary>
    public string Root { get; }

    /// <summary>Checks every link of <paramref name="collection"/> against <paramref name="targetDirectory"/> (no overwriting).</summary>
    /// <param name="collection">The collection to place.</param>
    /// <param name="targetDirectory">The directory the files go under.</param>
    /// <param name="alreadyThere">True when the file at the path (second argument) already holds the link's content; such files are not refused as existing.</param>
    /// <param name="cancellationToken">Stops the checks.</param>
    /// <exception cref="CollectionExportException">A name is unsafe or a path conflicts; the message names the link.</exception>
    public static async Task<ExportTarget> PlanAsync(CollectionReader collection, string targetDirectory, Func<Link, string, bool>? alreadyThere = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(targetDirectory);
        var root = Path.GetFullPath(targetDirectory);
        var plan = new ExportPlan(root, overwrite: false);
        var links = new List<Link>((int)Math.Min(collection.Count, 1 << 20));
        await foreach (var link in collection.EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            plan.Check(link, alreadyThere);
            links.Add(link);
        }
        return new ExportTarget(root, plan, links);
    }

    /// <summary>Creates the missing directories of <paramref name="link"/> (checking each component again) and returns its file's full path.</summary>
    /// <exception cref="CollectionExportException">A component turned into a link or file since the plan.</exception>
    public string PrepareFile(Link link)
    {
        if (!_rootCreated)
        {
            Directory.CreateDirectory(Root);
            _rootCreated = true;
        }
        return _plan.PrepareDirectories(link.Name.Span);
    }

    private bool _rootCreated;
}
