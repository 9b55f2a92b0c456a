using AutoDiff.Functional.Models;
using Xunit;

namespace AutoDiff.Functional.Distributed.Tests;

/// <summary>Single-machine training stays the default: the core assemblies reference nothing of Orleans, and only this
/// project's package does.</summary>
public sealed class PackagingTests
{
    [Fact]
    public void The_core_assemblies_do_not_reference_Orleans()
    {
        foreach (var assembly in new[] { typeof(Node).Assembly, typeof(LinearAlgebra).Assembly, typeof(RecommenderFactors).Assembly })
            Assert.DoesNotContain(assembly.GetReferencedAssemblies(), a => a.Name!.StartsWith("Orleans", StringComparison.Ordinal));
        Assert.Contains(typeof(DistributedFullBatch).Assembly.GetReferencedAssemblies(), a => a.Name!.StartsWith("Orleans", StringComparison.Ordinal));
    }
}
