using System;
using System.IO;
using AutoDiff.Benchmarks;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// ADBench's reference values for the GMM objective on <c>gmm/test.txt</c> (d = 2, k = 3, n = 1),
/// from ADBench's own tests, and access to its input files (read from <c>../shared/adbench</c> or
/// <c>$AUTODIFF_ADBENCH</c>, never copied into the repository).
/// </summary>
internal static class GmmReference
{
    public const double Objective = 8.07380408004975791;

    /// <summary>∂E/∂(α, μ, icf), concatenated in that order.</summary>
    public static readonly double[] Gradient =
    {
        1.08662855508652456e-01, -7.41270039523898472e-01, 6.32607184015246071e-01,
        1.11692576532787013e+00, 1.63333013551455269e-01, -2.19989824071193142e-02,
        2.27778292254236098e-01, 1.20963025612832187e+00, -6.06375920733956339e-02,
        2.58529994051162237e+00, 1.12632694524213789e-01, 3.85744309849611777e-01,
        7.35180573182305508e-02, 5.41836362715595232e+00, -3.21494409677446469e-01,
        1.71892309775004937e+00, 8.60091090790866875e-01, -9.94640930466322848e-01,
    };

    /// <summary>The named ADBench GMM input, or <see cref="Assert.Ignore(string)"/> when it is not available.</summary>
    public static GmmData Load(string name)
    {
        if (!GmmData.TryLoad(name, out var data))
            Assert.Ignore($"ADBench input gmm/{name}.txt not found: set {GmmData.EnvironmentVariable} to the ADBench input folder (the one holding gmm/), or put it at ../shared/adbench next to the repository.");
        return data;
    }

    /// <summary>|actual − expected| ≤ tolerance·(1 + |expected|): absolute near 0, relative elsewhere.</summary>
    public static void AssertClose(double actual, double expected, double tolerance, string what) =>
        Assert.That(actual, Is.EqualTo(expected).Within(tolerance * (1 + Math.Abs(expected))), what);

    /// <summary>A gradient (α, μ, icf) against the 18 reference entries.</summary>
    public static void AssertReferenceGradient(double[] dAlphas, double[] dMeans, double[] dIcf)
    {
        var all = new double[dAlphas.Length + dMeans.Length + dIcf.Length];
        dAlphas.CopyTo(all, 0);
        dMeans.CopyTo(all, dAlphas.Length);
        dIcf.CopyTo(all, dAlphas.Length + dMeans.Length);
        Assert.That(all, Has.Length.EqualTo(Gradient.Length));
        Assert.Multiple(() =>
        {
            for (int i = 0; i < all.Length; i++) AssertClose(all[i], Gradient[i], 1e-8, $"gradient entry {i}");
        });
    }

    /// <summary>
    /// The bytes one call of <paramref name="action"/> allocates on this thread after a warm-up call: the fewest of three
    /// measured calls. The runtime may allocate once on this thread during a call (a CI run on 2026-12-04 measured 4,632 B
    /// once, in the full suite only: a tape array rented anew after the shared pool was trimmed by a full collection, or
    /// the method compiled again at another tier while it runs); a method that allocates on every call fails all three.
    /// </summary>
    public static long AllocatedBy(Action action)
    {
        action();
        long fewest = long.MaxValue;
        for (int attempt = 0; attempt < 3 && fewest > 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}

/// <summary>
/// The GMM objective (<c>benchmarks/AutoDiff.Benchmarks/Gmm</c>): the loader, log-gamma, the plain
/// and differentiable objectives against ADBench's reference value, and the hand-written gradient
/// against ADBench's reference gradient and finite differences. The generated companions are tested
/// in <see cref="GmmGeneratedTests"/>.
/// </summary>
public sealed class GmmTests
{
    [Test]
    public void Loader_reads_test_txt()
    {
        var data = GmmReference.Load("test");
        Assert.Multiple(() =>
        {
            Assert.That((data.D, data.K, data.N), Is.EqualTo((2, 3, 1)));
            Assert.That(data.Alphas, Is.EqualTo(new[] { -0.649014, 1.181166, -0.758453 }));
            Assert.That(data.Means, Is.EqualTo(new[] { 0.092339, 0.186260, 0.345561, 0.396767, 0.538817, 0.419195 }));
            Assert.That(data.Icf, Has.Length.EqualTo(9));
            Assert.That(data.Icf[3], Is.EqualTo(-1.509405));
            Assert.That(data.X, Is.EqualTo(new[] { 1.175171, 2.029160 }));
            Assert.That(data.Gamma, Is.EqualTo(1.0));
            Assert.That(data.M, Is.EqualTo(0));
            Assert.That(data.ParameterCount, Is.EqualTo(18));
        });
    }

    [TestCase("gmm_d2_K5", 2, 5, 30)]
    [TestCase("gmm_d10_K25", 10, 25, 1650)]
    [TestCase("gmm_d20_K50", 20, 50, 11550)]
    public void Loader_reads_all_points_of_the_1k_files(string name, int d, int k, int parameters)
    {
        var data = GmmReference.Load(name);
        Assert.That((data.D, data.K, data.N, data.ParameterCount), Is.EqualTo((d, k, 1000, parameters)));
        // These files hold every point (not one point to replicate): the rows differ.
        Assert.That(data.X.AsSpan(0, d).SequenceEqual(data.X.AsSpan(d, d)), Is.False);
        Assert.That(data.X.AsSpan((data.N - 2) * d, d).SequenceEqual(data.X.AsSpan((data.N - 1) * d, d)), Is.False);
    }

    [Test]
    public void Loader_replicates_a_single_point_and_rejects_other_counts()
    {
        string path = Path.Combine(Path.GetTempPath(), $"gmm_replicated_{Environment.ProcessId}.txt");
        try
        {
            // d = 2, k = 1, n = 3: α, μ, icf (2 + 1), a single point, γ m.
            File.WriteAllText(path, "2 1 3\n0.5\n0.1 0.2\n0.3 -0.4 0.7\n1.5 -2.5\n1.000000 0\n");
            var data = GmmData.Load(path);
            Assert.That(data.X, Is.EqualTo(new[] { 1.5, -2.5, 1.5, -2.5, 1.5, -2.5 }));
            File.WriteAllText(path, "2 1 3\n0.5\n0.1 0.2\n0.3 -0.4 0.7\n1.5 -2.5\n1 2\n1.000000 0\n");
            Assert.Throws<FormatException>(() => GmmData.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void A_missing_file_is_reported_not_thrown() =>
        Assert.That(GmmData.TryLoad("gmm_no_such_file", out _), Is.False);

    [Test]
    public void Generated_inputs_are_deterministic_and_have_the_shapes()
    {
        var a = GmmData.Generate(10, 25, 1000, 7);
        var b = GmmData.Generate(10, 25, 1000, 7);
        Assert.That((a.D, a.K, a.N, a.ParameterCount), Is.EqualTo((10, 25, 1000, 1650)));
        Assert.That(a.X, Is.EqualTo(b.X));
        Assert.That(a.Icf, Is.EqualTo(b.Icf));
        Assert.That(double.IsFinite(a.ObjectivePlain()), Is.True);
    }

    [Test]
    public void LogGamma_matches_known_values()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Gmm.LogGamma(1), Is.EqualTo(0).Within(1e-14));
            Assert.That(Gmm.LogGamma(2), Is.EqualTo(0).Within(1e-14));
            Assert.That(Gmm.LogGamma(0.5), Is.EqualTo(0.5 * Math.Log(Math.PI)).Within(1e-14));
            Assert.That(Gmm.LogGamma(1.5), Is.EqualTo(Math.Log(0.5 * Math.Sqrt(Math.PI))).Within(1e-14));
            Assert.That(Gmm.LogGamma(10), Is.EqualTo(Math.Log(362880)).Within(1e-13));
            Assert.That(Gmm.LogGamma(100), Is.EqualTo(359.13420536957539878).Within(1e-12));
            Assert.That(Gmm.LogGamma(-0.5), Is.EqualTo(Math.Log(2 * Math.Sqrt(Math.PI))).Within(1e-14));
            Assert.That(Gmm.LogGamma(0), Is.EqualTo(double.PositiveInfinity));
        });
    }

    [Test]
    public void Objective_matches_the_ADBench_reference()
    {
        var data = GmmReference.Load("test");
        GmmReference.AssertClose(data.ObjectivePlain(), GmmReference.Objective, 1e-8, "ObjectivePlain");
        GmmReference.AssertClose(data.Objective(), GmmReference.Objective, 1e-8, "Objective");
        Assert.That(Math.Abs(data.ObjectivePlain() - GmmReference.Objective) / GmmReference.Objective, Is.LessThan(1e-8));
    }

    [TestCase("gmm_d2_K5")]
    [TestCase("gmm_d10_K25")]
    [TestCase("gmm_d20_K50")]
    public void Plain_and_differentiable_objectives_agree(string name)
    {
        var data = GmmReference.Load(name);
        double plain = data.ObjectivePlain(), differentiable = data.Objective();
        Assert.That(differentiable, Is.EqualTo(plain).Within(1e-12 * Math.Abs(plain)));
    }

    [Test]
    public void HandWritten_gradient_matches_the_ADBench_reference()
    {
        var data = GmmReference.Load("test");
        double[] dAlphas = new double[3], dMeans = new double[6], dIcf = new double[9];
        dIcf.AsSpan().Fill(123); // must be overwritten, not added to
        double value = GmmHandWritten.Gradient(data, dAlphas, dMeans, dIcf);
        GmmReference.AssertClose(value, GmmReference.Objective, 1e-8, "value");
        GmmReference.AssertReferenceGradient(dAlphas, dMeans, dIcf);
    }

    [TestCase("gmm_d2_K5", 30)]
    [TestCase("gmm_d10_K25", 60)]
    public void HandWritten_gradient_matches_central_differences(string name, int coordinates)
    {
        var data = GmmReference.Load(name);
        CheckAgainstCentralDifferences(data, coordinates, (dA, dM, dI) => GmmHandWritten.Gradient(data, dA, dM, dI));
    }

    [Test]
    public void HandWritten_gradient_allocates_nothing_in_steady_state()
    {
        var data = GmmData.LoadOrGenerate("gmm_d10_K25", 10, 25, 1000, 1);
        var dA = new double[data.Alphas.Length];
        var dM = new double[data.Means.Length];
        var dI = new double[data.Icf.Length];
        double constant = data.Constant, sink = 0;
        long bytes = GmmReference.AllocatedBy(() =>
        {
            sink += GmmHandWritten.Gradient(data.Alphas, data.Means, data.Icf, data.X, data.Gamma, constant, data.M, data.D, data.K, data.N, dA, dM, dI);
            sink += Gmm.ObjectivePlain(data.Alphas, data.Means, data.Icf, data.X, data.Gamma, constant, data.M, data.D, data.K, data.N);
        });
        Assert.That(bytes, Is.EqualTo(0), $"sink {sink}");
    }

    internal delegate double GradientFunction(Span<double> dAlphas, Span<double> dMeans, Span<double> dIcf);

    /// <summary>
    /// Central differences (step 1e-5 on the objective of order 10³) at <paramref name="coordinates"/>
    /// parameters spread over α, μ and icf (all of them when there are fewer), relative error 1e-5.
    /// </summary>
    internal static void CheckAgainstCentralDifferences(GmmData data, int coordinates, GradientFunction gradient)
    {
        double[] dA = new double[data.Alphas.Length], dM = new double[data.Means.Length], dI = new double[data.Icf.Length];
        gradient(dA, dM, dI);
        var arrays = new[] { (data.Alphas, dA, "alpha"), (data.Means, dM, "mean"), (data.Icf, dI, "icf") };
        int total = data.ParameterCount;
        int stride = Math.Max(1, total / coordinates);
        const double step = 1e-5;
        Assert.Multiple(() =>
        {
            for (int flat = 0; flat < total; flat += stride)
            {
                int index = flat;
                int which = 0;
                while (index >= arrays[which].Item1.Length) index -= arrays[which++].Item1.Length;
                var (values, analytic, label) = arrays[which];
                double saved = values[index];
                values[index] = saved + step;
                double plus = data.ObjectivePlain();
                values[index] = saved - step;
                double minus = data.ObjectivePlain();
                values[index] = saved;
                double numeric = (plus - minus) / (2 * step);
                Assert.That(analytic[index], Is.EqualTo(numeric).Within(1e-5 * Math.Max(1, Math.Abs(numeric))), $"{label}[{index}]");
            }
        });
    }
}
