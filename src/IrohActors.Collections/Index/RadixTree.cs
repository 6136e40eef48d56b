using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace IrohActors.Collections.Index;

/// <summary>
/// A radix tree (compressed trie) over byte-string keys: exact lookup, insert, remove and lazy enumeration of
/// the keys under a prefix in bytewise order (the order of collection names). Not thread-safe; meant to be owned
/// by one actor.
/// </summary>
/// <remarks>
/// Every node except the root has a non-empty edge label and either a value or at least two children, so a tree
/// of n keys has fewer than 2n nodes. Labels are slices of a shared <see cref="LabelArena"/> (a split divides a
/// slice in place, a merge of adjacent slices just widens one), and children are an exactly sized array sorted by
/// the first byte of their labels; a leaf allocates nothing but itself.
/// </remarks>
/// <typeparam name="TValue">The value stored under each key.</typeparam>
public sealed class RadixTree<TValue> : IEnumerable<KeyValuePair<ReadOnlyMemory<byte>, TValue>>
{
    /// <summary>Arena garbage below this many bytes is never worth a rebuild.</summary>
    private const long CompactionFloor = 64 * 1024;

    private LabelArena _arena = new();
    private Node _root = new([], 0, 0);
    private long _liveLabelBytes;
    private int _nodeCount = 1;
    private int _version;

    /// <summary>Number of keys.</summary>
    public int Count { get; private set; }

    /// <summary>Number of nodes, the root included (diagnostics: at most 2 × <see cref="Count"/> + 1).</summary>
    internal int NodeCount => _nodeCount;

    /// <summary>Bytes of edge labels in the tree (diagnostics).</summary>
    internal long LabelBytes => _liveLabelBytes;

    /// <summary>Bytes the label arena holds, live labels and garbage (diagnostics).</summary>
    internal long ArenaBytes => _arena.BytesReserved;

    /// <summary>The value stored under <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such key (the message shows it).</exception>
    public TValue this[ReadOnlySpan<byte> key]
    {
        get => TryGetValue(key, out var value)
            ? value
            : throw new KeyNotFoundException($"the radix tree has no key {LinkName.Display(key)}");
        set => GetValueRefOrAddDefault(key, out _) = value;
    }

    /// <summary>Looks up <paramref name="key"/>.</summary>
    public bool TryGetValue(ReadOnlySpan<byte> key, [MaybeNullWhen(false)] out TValue value)
    {
        var node = FindNode(key);
        if (node is { HasValue: true })
        {
            value = node.Value;
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>Whether <paramref name="key"/> is in the tree.</summary>
    public bool ContainsKey(ReadOnlySpan<byte> key) => FindNode(key) is { HasValue: true };

    /// <summary>Adds <paramref name="key"/> unless it is present; returns whether it was added.</summary>
    public bool TryAdd(ReadOnlySpan<byte> key, TValue value)
    {
        ref var slot = ref GetValueRefOrAddDefault(key, out bool exists);
        if (exists)
            return false;
        slot = value;
        return true;
    }

    /// <summary>
    /// A reference to the value under <paramref name="key"/>, adding the key with a default value first when it is
    /// missing (<paramref name="exists"/> tells which). The reference is valid until the tree next changes.
    /// </summary>
    public ref TValue GetValueRefOrAddDefault(ReadOnlySpan<byte> key, out bool exists)
    {
        var node = FindOrCreateNode(key);
        exists = node.HasValue;
        if (!exists)
        {
            node.HasValue = true;
            node.Value = default!;
            Count++;
            _version++;
        }
        return ref node.Value;
    }

    /// <summary>
    /// A reference to the value under <paramref name="key"/>, or a null reference when the key is missing (test
    /// with <see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>). The reference is valid until the tree next changes.
    /// </summary>
    public ref TValue GetValueRefOrNullRef(ReadOnlySpan<byte> key)
    {
        var node = FindNode(key);
        if (node is { HasValue: true })
            return ref node.Value;
        return ref Unsafe.NullRef<TValue>();
    }

    /// <summary>Removes <paramref name="key"/>; returns whether it was present.</summary>
    public bool Remove(ReadOnlySpan<byte> key) => Remove(key, out _);

    /// <summary>Removes <paramref name="key"/> and returns its value; returns whether it was present.</summary>
    public bool Remove(ReadOnlySpan<byte> key, [MaybeNullWhen(false)] out TValue value)
    {
        Node? parent = null;
        var node = _root;
        int pos = 0;
        while (pos < key.Length)
        {
            int i = FindChild(node, key[pos]);
            if (i < 0)
                return NotFound(out value);
            var child = node.Children![i];
            if (!key[pos..].StartsWith(child.LabelSpan))
                return NotFound(out value);
            parent = node;
            node = child;
            pos += child.LabelLength;
        }
        if (!node.HasValue)
            return NotFound(out value);

        value = node.Value;
        node.Value = default!;
        node.HasValue = false;
        Count--;
        _version++;
        if (parent is null)
            return true; // the root keeps its place, value or not

        int children = node.Children?.Length ?? 0;
        if (children == 0)
        {
            RemoveChild(parent, node);
            if (parent != _root && !parent.HasValue && parent.Children!.Length == 1)
                MergeWithOnlyChild(parent);
        }
        else if (children == 1)
        {
            MergeWithOnlyChild(node);
        }
        CompactIfMostlyGarbage();
        return true;
    }

    /// <summary>Removes every key.</summary>
    public void Clear()
    {
        _arena = new LabelArena();
        _root = new Node([], 0, 0);
        _liveLabelBytes = 0;
        _nodeCount = 1;
        Count = 0;
        _version++;
    }

    /// <summary>
    /// The keys that start with <paramref name="prefix"/> and their values, in bytewise key order, found lazily as
    /// the sequence is consumed. Each key is a fresh array. Changing the tree while enumerating makes the next
    /// step throw <see cref="InvalidOperationException"/>.
    /// </summary>
    public IEnumerable<KeyValuePair<ReadOnlyMemory<byte>, TValue>> EnumeratePrefix(ReadOnlyMemory<byte> prefix)
    {
        int version = _version;
        var (start, path) = Locate(prefix.Span);
        if (start is null)
            yield break;

        var key = new byte[Math.Max(16, path.Length * 2)];
        path.CopyTo(key, 0);
        if (start.HasValue)
        {
            yield return new(key.AsSpan(0, path.Length).ToArray(), start.Value);
            CheckVersion(version);
        }

        var stack = new Stack<(Node Node, int NextChild, int KeyLength)>();
        stack.Push((start, 0, path.Length));
        while (stack.TryPop(out var top))
        {
            var children = top.Node.Children;
            if (children is null || top.NextChild >= children.Length)
                continue;
            stack.Push((top.Node, top.NextChild + 1, top.KeyLength));
            var child = children[top.NextChild];
            int length = top.KeyLength + child.LabelLength;
            if (length > key.Length)
                Array.Resize(ref key, Math.Max(length, key.Length * 2));
            child.LabelSpan.CopyTo(key.AsSpan(top.KeyLength));
            if (child.HasValue)
            {
                yield return new(key.AsSpan(0, length).ToArray(), child.Value);
                CheckVersion(version);
            }
            stack.Push((child, 0, length));
        }
    }

    /// <summary>All keys and values in bytewise key order.</summary>
    public IEnumerator<KeyValuePair<ReadOnlyMemory<byte>, TValue>> GetEnumerator() =>
        EnumeratePrefix(ReadOnlyMemory<byte>.Empty).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Checks the structural invariants; throws <see cref="InvalidOperationException"/> naming the first broken one.</summary>
    internal void CheckInvariants()
    {
        int nodes = 0, values = 0;
        long labels = 0;
        var stack = new Stack<(Node Node, bool IsRoot)>();
        stack.Push((_root, true));
        while (stack.TryPop(out var item))
        {
            var node = item.Node;
            nodes++;
            labels += node.LabelLength;
            if (node.HasValue)
                values++;
            int children = node.Children?.Length ?? 0;
            if (node.Children is { Length: 0 })
                throw new InvalidOperationException("a node has an empty child array instead of none");
            if (!item.IsRoot)
            {
                if (node.LabelLength == 0)
                    throw new InvalidOperationException("a non-root node has an empty label");
                if (!node.HasValue && children < 2)
                    throw new InvalidOperationException($"a valueless node has {children} children (it should have been merged)");
            }
            else if (node.LabelLength != 0)
            {
                throw new InvalidOperationException("the root has a label");
            }
            for (int i = 0; i < children; i++)
            {
                if (i > 0 && node.Children![i - 1].FirstByte >= node.Children[i].FirstByte)
                    throw new InvalidOperationException("children are not sorted by distinct first bytes");
                stack.Push((node.Children![i], false));
            }
        }
        if (nodes != _nodeCount || values != Count || labels != _liveLabelBytes)
            throw new InvalidOperationException(
                $"bookkeeping: {nodes} nodes (counted {_nodeCount}), {values} values (counted {Count}), {labels} label bytes (counted {_liveLabelBytes})");
    }

    private static bool NotFound(out TValue value)
    {
        value = default!;
        return false;
    }

    private void CheckVersion(int version)
    {
        if (version != _version)
            throw new InvalidOperationException("the radix tree was changed during enumeration");
    }

    private Node? FindNode(ReadOnlySpan<byte> key)
    {
        var node = _root;
        int pos = 0;
        while (pos < key.Length)
        {
            int i = FindChild(node, key[pos]);
            if (i < 0)
                return null;
            var child = node.Children![i];
            if (!key[pos..].StartsWith(child.LabelSpan))
                return null;
            node = child;
            pos += child.LabelLength;
        }
        return node;
    }

    /// <summary>The node spelling exactly <paramref name="key"/>, splitting an edge or adding a leaf as needed.</summary>
    private Node FindOrCreateNode(ReadOnlySpan<byte> key)
    {
        var node = _root;
        int pos = 0;
        while (pos < key.Length)
        {
            int i = FindChild(node, key[pos]);
            if (i < 0)
            {
                var leaf = NewNode(key[pos..]);
                InsertChild(node, ~i, leaf);
                return leaf;
            }
            var child = node.Children![i];
            int common = key[pos..].CommonPrefixLength(child.LabelSpan);
            if (common == child.LabelLength)
            {
                node = child;
                pos += common;
                continue;
            }

            // Split the edge after `common` bytes: both halves stay slices of the same label bytes.
            var middle = new Node(child.Label, child.LabelStart, common) { Children = [child] };
            _nodeCount++;
            child.LabelStart += common;
            child.LabelLength -= common;
            node.Children[i] = middle;
            pos += common;
            if (pos == key.Length)
                return middle;
            var newLeaf = NewNode(key[pos..]);
            InsertChild(middle, ~FindChild(middle, key[pos]), newLeaf);
            return newLeaf;
        }
        return node;
    }

    /// <summary>
    /// The node where the keys starting with <paramref name="prefix"/> live, and the full key that node spells
    /// (which may run past the prefix, when the prefix ends inside an edge); null when no key has the prefix.
    /// </summary>
    private (Node? Node, byte[] Path) Locate(ReadOnlySpan<byte> prefix)
    {
        var node = _root;
        int pos = 0;
        while (pos < prefix.Length)
        {
            int i = FindChild(node, prefix[pos]);
            if (i < 0)
                return (null, []);
            var child = node.Children![i];
            var rest = prefix[pos..];
            var label = child.LabelSpan;
            if (rest.Length <= label.Length)
            {
                if (!label.StartsWith(rest))
                    return (null, []);
                var path = new byte[pos + label.Length];
                prefix[..pos].CopyTo(path);
                label.CopyTo(path.AsSpan(pos));
                return (child, path);
            }
            if (!rest.StartsWith(label))
                return (null, []);
            node = child;
            pos += label.Length;
        }
        return (node, prefix.ToArray());
    }

    private Node NewNode(ReadOnlySpan<byte> label)
    {
        var (array, start) = _arena.Append(label);
        _liveLabelBytes += label.Length;
        _nodeCount++;
        return new Node(array, start, label.Length);
    }

    /// <summary>Index of the child whose label starts with <paramref name="first"/>, or the complement of where it would go.</summary>
    private static int FindChild(Node node, byte first)
    {
        var children = node.Children;
        if (children is null)
            return ~0;
        int lo = 0, hi = children.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            byte b = children[mid].FirstByte;
            if (b == first)
                return mid;
            if (b < first)
                lo = mid + 1;
            else
                hi = mid - 1;
        }
        return ~lo;
    }

    private static void InsertChild(Node parent, int index, Node child)
    {
        var old = parent.Children ?? [];
        var children = new Node[old.Length + 1];
        Array.Copy(old, 0, children, 0, index);
        children[index] = child;
        Array.Copy(old, index, children, index + 1, old.Length - index);
        parent.Children = children;
    }

    private void RemoveChild(Node parent, Node child)
    {
        var old = parent.Children!;
        int index = FindChild(parent, child.FirstByte);
        if (old.Length == 1)
        {
            parent.Children = null;
        }
        else
        {
            var children = new Node[old.Length - 1];
            Array.Copy(old, 0, children, 0, index);
            Array.Copy(old, index + 1, children, index, old.Length - index - 1);
            parent.Children = children;
        }
        _liveLabelBytes -= child.LabelLength;
        _nodeCount--;
    }

    /// <summary>Folds the only child of a valueless <paramref name="node"/> into it (the node keeps its place in its parent).</summary>
    private void MergeWithOnlyChild(Node node)
    {
        var child = node.Children![0];
        if (ReferenceEquals(node.Label, child.Label) && node.LabelStart + node.LabelLength == child.LabelStart)
        {
            node.LabelLength += child.LabelLength; // the two labels are adjacent slices (an undone split)
        }
        else
        {
            var (array, start) = _arena.Append(node.LabelSpan, child.LabelSpan);
            node.Label = array;
            node.LabelStart = start;
            node.LabelLength += child.LabelLength;
        }
        node.Children = child.Children;
        node.HasValue = child.HasValue;
        node.Value = child.Value;
        _nodeCount--;
    }

    /// <summary>Rebuilds the arena from the live labels once garbage outweighs them, keeping memory ∝ live keys.</summary>
    private void CompactIfMostlyGarbage()
    {
        if (_arena.BytesHandedOut <= 2 * _liveLabelBytes + CompactionFloor)
            return;
        var arena = new LabelArena();
        var stack = new Stack<Node>();
        stack.Push(_root);
        while (stack.TryPop(out var node))
        {
            if (node.LabelLength > 0)
            {
                var (array, start) = arena.Append(node.LabelSpan);
                node.Label = array;
                node.LabelStart = start;
            }
            if (node.Children is { } children)
                foreach (var child in children)
                    stack.Push(child);
        }
        _arena = arena;
    }

    private sealed class Node(byte[] label, int labelStart, int labelLength)
    {
        public byte[] Label = label;
        public int LabelStart = labelStart;
        public int LabelLength = labelLength;
        public Node[]? Children;
        public bool HasValue;
        public TValue Value = default!;

        public ReadOnlySpan<byte> LabelSpan => new(Label, LabelStart, LabelLength);

        public byte FirstByte => Label[LabelStart];
    }
}
