using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>Read access to the stored parent pairs of a blob (bao-tree's <c>Outboard</c>).</summary>
public interface IOutboard
{
    /// <summary>The geometry the pairs belong to.</summary>
    BaoTree Tree { get; }

    /// <summary>The root hash (BLAKE3 of the data) everything is checked against.</summary>
    Hash Root { get; }

    /// <summary>Loads the pair of <paramref name="node"/>; false if the node is not a stored parent of this tree.</summary>
    bool TryLoad(TreeNode node, out HashPair pair);
}

/// <summary>Write access to the parent pairs of a blob (bao-tree's <c>OutboardMut</c>).</summary>
public interface IOutboardWriter
{
    /// <summary>Stores the pair of <paramref name="node"/>; nodes below the group level are ignored.</summary>
    void Save(TreeNode node, in HashPair pair);
}
