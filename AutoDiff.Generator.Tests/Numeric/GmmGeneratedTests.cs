using System;
using AutoDiff.Benchmarks;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// The generated companions of <see cref="Gmm.Objective"/> (a [Differentiable] method that calls
/// [Differentiable] helpers with span arguments and takes <c>AdMath.LogSumExp</c> of a local buffer
/// in a loop): the ADBench reference gradient, the hand-written gradient on the 1k-point inputs,
/// central differences, Jvp and Vjp against the gradient, and allocation.
/// </summary>
public sealed class GmmGeneratedTests
{
    private static double Gradient(GmmData data, Span<double> dA, Span<double> dM, Span<double> dI) =>
        Gmm.ObjectiveGradient(data.Alphas, data.Means, data.Icf, data.X, data.Gamma, data.Constant, data.M, data.D, data.K, data.N, dA, dM, dI);

    private static (double[] A, double[] M, double[] I) Buffers(GmmData data) =>
        (new double[data.Alphas.Length], new double[data.Means.Length], new double[data.Icf.Length]);

    [Test]
    public void Generated_gradient_matches_the_ADBench_reference()
    {
        var data = GmmReference.Load("test");
        var (dA, dM, dI) = Buffers(data);
        dM.AsSpan().Fill(-7); // Gradient overwrites its spans
        double value = Gradient(data, dA, dM, dI);
        GmmReference.AssertClose(value, GmmReference.Objective, 1e-8, "value");
        GmmReference.AssertReferenceGradient(dA, dM, dI);
    }

    [TestCase("gmm_d2_K5")]
    [TestCase("gmm_d10_K25")]
    [TestCase("gmm_d20_K50")]
    public void Generated_gradient_matches_the_hand_written_one(string name)
    {
        var data = GmmReference.Load(name);
        var (gA, gM, gI) = Buffers(data);
        var (hA, hM, hI) = Buffers(data);
        double generated = Gradient(data, gA, gM, gI);
        double hand = GmmHandWritten.Gradient(data, hA, hM, hI);
        Assert.That(generated, Is.EqualTo(hand).Within(1e-12 * Math.Abs(hand)), "value");
        double scale = 0;
        foreach (var g in new[] { hA, hM, hI }) foreach (double v in g) scale = Math.Max(scale, Math.Abs(v));
        Assert.Multiple(() =>
        {
            for (int i = 0; i < gA.Length; i++) Assert.That(gA[i], Is.EqualTo(hA[i]).Within(1e-10 * scale), $"alpha[{i}]");
            for (int i = 0; i < gM.Length; i++) Assert.That(gM[i], Is.EqualTo(hM[i]).Within(1e-10 * scale), $"mean[{i}]");
            for (int i = 0; i < gI.Length; i++) Assert.That(gI[i], Is.EqualTo(hI[i]).Within(1e-10 * scale), $"icf[{i}]");
        });
    }

    [Test]
    public void Generated_gradient_matches_central_differences_on_d2_K5()
    {
        var data = GmmReference.Load("gmm_d2_K5");
        GmmTests.CheckAgainstCentralDifferences(data, 30, (dA, dM, dI) => Gradient(data, dA, dM, dI));
    }

    [TestCase("gmm_d2_K5")]
    [TestCase("gmm_d10_K25")]
    public void Jvp_tangent_is_the_gradient_along_the_direction(string name)
    {
        var data = GmmReference.Load(name);
        var (dA, dM, dI) = Buffers(data);
        double value = Gradient(data, dA, dM, dI);
        var random = new Random(5);
        var (vA, vM, vI) = Buffers(data);
        foreach (var v in new[] { vA, vM, vI }) for (int i = 0; i < v.Length; i++) v[i] = 2 * random.NextDouble() - 1;

        double jvpValue = Gmm.ObjectiveJvp(data.Alphas, data.Means, data.Icf, data.X, data.Gamma, data.Constant, data.M, data.D, data.K, data.N, vA, vM, vI, out double tangent);
        double dot = 0, scale = 0;
        foreach (var (g, v) in new[] { (dA, vA), (dM, vM), (dI, vI) })
            for (int i = 0; i < g.Length; i++) { dot += g[i] * v[i]; scale += Math.Abs(g[i] * v[i]); }
        Assert.That(jvpValue, Is.EqualTo(value).Within(1e-12 * Math.Abs(value)), "Jvp returns the value");
        Assert.That(tangent, Is.EqualTo(dot).Within(1e-10 * scale), "tangent = gradient · direction");
    }

    [Test]
    public void Vjp_adds_seed_times_the_gradient()
    {
        var data = GmmReference.Load("gmm_d2_K5");
        var (dA, dM, dI) = Buffers(data);
        Gradient(data, dA, dM, dI);
        var (aA, aM, aI) = Buffers(data);
        aA.AsSpan().Fill(0.5); aM.AsSpan().Fill(-0.25); aI.AsSpan().Fill(1);
        Gmm.ObjectiveVjp(data.Alphas, data.Means, data.Icf, data.X, data.Gamma, data.Constant, data.M, data.D, data.K, data.N, 1.5, aA, aM, aI);
        Assert.Multiple(() =>
        {
            for (int i = 0; i < aA.Length; i++) GmmReference.AssertClose(aA[i], 0.5 + 1.5 * dA[i], 1e-12, $"alpha[{i}]");
            for (int i = 0; i < aM.Length; i++) GmmReference.AssertClose(aM[i], -0.25 + 1.5 * dM[i], 1e-12, $"mean[{i}]");
            for (int i = 0; i < aI.Length; i++) GmmReference.AssertClose(aI[i], 1 + 1.5 * dI[i], 1e-12, $"icf[{i}]");
        });
    }

    [TestCase("gmm_d10_K25", 10, 25)]
    [TestCase("gmm_d20_K50", 20, 50)]
    public void Generated_gradient_allocates_nothing_in_steady_state(string name, int d, int k)
    {
        var data = GmmData.LoadOrGenerate(name, d, k, 1000, 1);
        var (dA, dM, dI) = Buffers(data);
        double constant = data.Constant, sink = 0;
        long bytes = GmmReference.AllocatedBy(() =>
            sink += Gmm.ObjectiveGradient(data.Alphas, data.Means, data.Icf, data.X, data.Gamma, constant, data.M, data.D, data.K, data.N, dA, dM, dI));
        Assert.That(bytes, Is.EqualTo(0), $"sink {sink}");
    }
}
