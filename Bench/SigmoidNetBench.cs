using AutoDiff.Functional.Models;
using BenchmarkDotNet.Attributes;
using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional.Bench;

/// <summary>f(x) = sum(σ(B·σ(A·x))) at d₀ = d₁ = d₂ = D. Reverse-mode gradients against their floor, four raw BLAS
/// matrix–vector products over A and B (A·x, B·y, Bᵀ·u, Aᵀ·u); the forward-mode Jacobian chain against its floor, one
/// D³ BLAS matrix product. The size is D = 8000 (run the report with --targets for it).</summary>
public class SigmoidNetBench
{
    /// <summary>d₀ = d₁ = d₂.</summary>
    [Params(1000, 2000)]
    public int D { get; set; }

    SigmoidNet net = null!;
    DenseVector x = null!;
    double[] a = null!, b = null!, xv = null!, y1 = null!, y3 = null!, u2 = null!, g = null!, c = null!;

    /// <summary>Random weights scaled by 1/√D, so σ does not saturate.</summary>
    [GlobalSetup]
    public void Setup()
    {
        net = SigmoidNet.Random(D, D, D, seed: D, scale: 1 / Math.Sqrt(D));
        var rng = new Random(D + 1);
        x = DenseVector.Create(D, _ => 2 * rng.NextDouble() - 1);
        (a, b, xv) = (net.A.Values, net.B.Values, x.Values);
        (y1, y3, u2, g, c) = (new double[D], new double[D], new double[D], new double[D], new double[D * D]);
    }

    /// <summary>The floor of a reverse-mode gradient: four matrix–vector products, raw BLAS.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("sigmoid-reverse")]
    public double[] FourGemv()
    {
        Blas.Gemm(false, false, 1, a, D, D, xv, D, 1, 0, y1);
        Blas.Gemm(false, false, 1, b, D, D, y1, D, 1, 0, y3);
        Blas.Gemm(true, false, 1, b, D, D, y3, D, 1, 0, u2);
        Blas.Gemm(true, false, 1, a, D, D, u2, D, 1, 0, g);
        return g;
    }

    /// <summary>Value and gradient by the generic reverse mode (AD.ValueAndGrad on the whole graph).</summary>
    [Benchmark, BenchmarkCategory("sigmoid-reverse")]
    public DenseVector GenericReverse() => net.GradientGeneric(x).Gradient;

    /// <summary>Value and gradient by the reverse-mode Jacobian chain (stage VJPs).</summary>
    [Benchmark, BenchmarkCategory("sigmoid-reverse")]
    public DenseVector ReverseChain() => net.GradientReverseChain(x).Gradient;

    /// <summary>The floor of the forward chain: one D³ matrix product, raw BLAS.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("sigmoid-forward")]
    public double[] Gemm()
    {
        Blas.Gemm(false, false, 1, b, D, D, a, D, D, 0, c);
        return c;
    }

    /// <summary>Value and gradient by the forward-mode Jacobian chain (stage JVPs with D tangents).</summary>
    [Benchmark, BenchmarkCategory("sigmoid-forward")]
    public DenseVector ForwardChain() => net.GradientForwardChain(x).Gradient;
}
