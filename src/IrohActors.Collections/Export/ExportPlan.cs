namespace IrohActors.Collections.Export;

/// <summary>
/// The checks of one export: names against <see cref="ExportPathPolicy"/>, names against each other (a file
/// cannot also be a directory), and paths against what already exists under the root (every existing component
/// a real directory, no symbolic link anywhere, no existing file unless overwriting).
/// </summary>
internal sealed class ExportPlan
{
    private readonly string _root;
    private readonly bool _overwrite;
    private readonly HashSet<string> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);
    private readonly HashSet<string> _checkedDirectories = new(StringComparer.Ordinal);
    private readonly HashSet<string> _missingDirectories = new(StringComparer.Ordinal);
    private LastDirectory _checked;
    private LastDirectory _prepared;

    public ExportPlan(string root, bool overwrite)
    {
        _root = root;
        _overwrite = overwrite;
    }

    /// <summary>Checks one link; a file that <paramref name="alreadyThere"/> accepts is not refused as existing.</summary>
    public void Check(Link link, Func<Link, string, bool>? alreadyThere)
    {
        if (alreadyThere is null)
        {
            Check(link.Name.Span);
            return;
        }
        _alreadyThere = alreadyThere;
        _link = link;
        try
        {
            Check(link.Name.Span);
        }
        finally
        {
            _alreadyThere = null;
            _link = default;
        }
    }

    // The link being checked and the caller's test for a file that already holds its content (no closure per link).
    private Func<Link, string, bool>? _alreadyThere;
    private Link _link;

    /// <summary>Checks one name without touching the file system beyond reading it.</summary>
    public void Check(ReadOnlySpan<byte> name)
    {
        // Siblings follow each other in a collection: the directory the previous name walked is walked only once, and of
        // the name only its file name is checked and decoded (its directory part is the previous name's, checked then).
        // (Nothing the walk looked at can have changed: the previous name added only itself, which is no prefix of its own directory.)
        var directoryName = DirectoryName(name);
        string relative;
        string fileName;
        string? dir;
        if (_checked.Matches(directoryName))
        {
            fileName = ExportPathPolicy.FileName(name);
            relative = _checked.Relative.Length == 0 ? fileName : string.Concat(_checked.Relative, "/", fileName);
            AddFile(name, relative);
            dir = _checked.Path;
        }
        else
        {
            var segments = ExportPathPolicy.Segments(name, out relative);
            AddFile(name, relative);
            _checked.Forget();
            dir = WalkDirectories(name, segments);
            fileName = segments[^1];
            _checked.Remember(directoryName, relative[..Math.Max(0, relative.Length - fileName.Length - 1)], dir);
        }
        if (dir is null)
        {
            // Nothing below a missing directory exists yet.
            return;
        }
        var path = Path.Combine(dir, fileName);
        if (_alreadyThere is { } there && IsRegularFile(path) && there(_link, path))
            return;
        CheckFinal(name, path, _overwrite);
    }

    private void AddFile(ReadOnlySpan<byte> name, string relative)
    {
        if (!_files.Add(relative) || _directories.Contains(relative))
            throw new CollectionExportException(name, "the path is also needed as a directory by another link");
    }

    // Checks the directories of a name against the other names and the file system: its full directory path when every
    // component exists (as a real directory), null when one is missing.
    private string? WalkDirectories(ReadOnlySpan<byte> name, string[] segments)
    {
        string dir = _root;
        string dirRelative = "";
        for (int i = 0; i < segments.Length - 1; i++)
        {
            dirRelative = i == 0 ? segments[0] : dirRelative + "/" + segments[i];
            if (_files.Contains(dirRelative))
                throw new CollectionExportException(name, $"its directory \"{dirRelative}\" is also a file of another link");
            _directories.Add(dirRelative);
            dir = Path.Combine(dir, segments[i]);
            if (!CheckExistingDirectory(name, dir, dirRelative))
                return null;
        }
        return dir;
    }

    // The bytes of a name before its last '/' (empty for a name at the top).
    private static ReadOnlySpan<byte> DirectoryName(ReadOnlySpan<byte> name)
    {
        var cut = name.LastIndexOf((byte)'/');
        return cut < 0 ? [] : name[..cut];
    }

    /// <summary>True for an existing regular file that is not a symbolic link.</summary>
    public static bool IsRegularFile(string path)
    {
        var info = new FileInfo(path);
        return info.Exists && info.LinkTarget is null;
    }

    /// <summary>Creates the missing directories of a checked name (one level at a time) and returns its file path.</summary>
    public string PrepareDirectories(ReadOnlySpan<byte> name)
    {
        // Siblings follow each other: their directory, created and checked for the previous name, is taken as it was then
        // (as for any directory found before: _checkedDirectories is not asked again either), and only the file name is
        // checked and decoded. The directory's path was checked to lie under the root when it was prepared, and a checked
        // file name (no '/', not "." or "..") cannot lead out of it.
        var directoryName = DirectoryName(name);
        if (_prepared.Matches(directoryName) && _prepared.Path is { } known)
            return Path.Join(known, ExportPathPolicy.FileName(name));
        _prepared.Forget();
        var segments = ExportPathPolicy.Segments(name);
        var dir = CreateDirectories(name, segments);
        string path = Path.Combine(dir, segments[^1]);
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.GetFullPath(path) != path)
            throw new CollectionExportException(name, "the path resolves outside the target directory");
        _prepared.Remember(directoryName, dir);
        return path;
    }

    private string CreateDirectories(ReadOnlySpan<byte> name, string[] segments)
    {
        string dir = _root;
        string dirRelative = "";
        for (int i = 0; i < segments.Length - 1; i++)
        {
            dir = Path.Combine(dir, segments[i]);
            dirRelative = i == 0 ? segments[0] : dirRelative + "/" + segments[i];
            if (_checkedDirectories.Contains(dir))
                continue;
            // One mkdir: when it creates the directory, nothing was there (no link, no file) and it is ours. Only when
            // something exists is it looked at (a real directory is fine, anything else is refused).
            if (NativeDirectory.TryCreateNew(dir))
            {
                _checked.Forget();
                _missingDirectories.Remove(dir);
                _checkedDirectories.Add(dir);
                continue;
            }
            _missingDirectories.Remove(dir);
            if (!CheckExistingDirectory(name, dir, dirRelative))
            {
                Directory.CreateDirectory(dir);
                // A check after this must not trust a walk that found the directory missing.
                _checked.Forget();
                _checkedDirectories.Remove(dir);
                _missingDirectories.Remove(dir);
                if (!CheckExistingDirectory(name, dir, dirRelative))
                    throw new CollectionExportException(name, $"directory \"{dirRelative}\" vanished after creating it");
            }
        }
        return dir;
    }

    /// <summary>The file's own path: absent, or (when overwriting) a regular file; never a link or directory.</summary>
    public static void CheckFinal(ReadOnlySpan<byte> name, string path, bool overwrite)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
            throw new CollectionExportException(name, $"{path} is a symbolic link");
        if (Directory.Exists(path))
            throw new CollectionExportException(name, $"{path} is a directory");
        if (info.Exists && !overwrite)
            throw new CollectionExportException(name, $"{path} already exists (pass overwrite to replace it)");
    }

    /// <summary>True when <paramref name="dir"/> exists as a real directory; false when absent; throws otherwise.</summary>
    private bool CheckExistingDirectory(ReadOnlySpan<byte> name, string dir, string dirRelative)
    {
        if (_checkedDirectories.Contains(dir))
            return true;
        // Found missing before: a tree of new files asks about the same few directories thousands of times. Safe to
        // trust because creating a directory always checks it again for real (PrepareDirectories).
        if (_missingDirectories.Contains(dir))
            return false;
        var info = new DirectoryInfo(dir);
        if (info.LinkTarget is not null)
            throw new CollectionExportException(name, $"\"{dirRelative}\" is a symbolic link ({dir} -> {info.LinkTarget}); refusing to write through it");
        if (info.Exists)
        {
            _checkedDirectories.Add(dir);
            return true;
        }
        if (File.Exists(dir))
            throw new CollectionExportException(name, $"\"{dirRelative}\" exists and is not a directory");
        _missingDirectories.Add(dir);
        return false;
    }

    /// <summary>The directory of the previous name, as bytes of the name, and what walking it gave (its full path, or null: missing).</summary>
    private struct LastDirectory
    {
        private byte[]? _name;

        public string? Path { get; private set; }

        /// <summary>The directory part of the name as text ("" at the top); only for <see cref="Check(ReadOnlySpan{byte})"/>'s walk.</summary>
        public readonly string Relative => _relative ?? "";

        private string? _relative;

        public readonly bool Matches(ReadOnlySpan<byte> directoryName) => _name is not null && directoryName.SequenceEqual(_name);

        public void Remember(ReadOnlySpan<byte> directoryName, string? path) => Remember(directoryName, "", path);

        public void Remember(ReadOnlySpan<byte> directoryName, string relative, string? path)
        {
            _name = directoryName.ToArray();
            _relative = relative;
            Path = path;
        }

        public void Forget()
        {
            _name = null;
            _relative = null;
            Path = null;
        }
    }
}
