using System;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>AdMath and Ad.StopGradient: stability at extreme inputs and their derivative rules.</summary>
public sealed partial class StablePrimitiveTests
{
    [Differentiable]
    public static double Softplus(double x) => AdMath.Softplus(x);

    [Differentiable]
    public static double Sigmoid(double x) => AdMath.Sigmoid(x);

    [Differentiable]
    public static double LogSigmoid(double x) => AdMath.LogSigmoid(x);

    [Differentiable]
    public static float SoftplusSingle(float x) => AdMath.Softplus(x);

    [Differentiable]
    public static double LogSumExp(double[] x) => AdMath.LogSumExp(x);

    /// <summary>Not checked against finite differences: stopping the gradient is the point.</summary>
    [Differentiable]
    public static double StopGradientHalf(double x, double y) => x * y + Ad.StopGradient(x * x) * y;

    [TestCase(800.0)]
    [TestCase(-800.0)]
    [TestCase(40.0)]
    [TestCase(-40.0)]
    [TestCase(0.0)]
    public void Values_and_derivatives_are_finite_and_right_at_extreme_inputs(double x)
    {
        double sigma = x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
        double softplus = SoftplusGradient(x, out double dSoftplus);
        Assert.That(double.IsFinite(softplus), Is.True);
        Assert.That(softplus, Is.EqualTo(Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)))).Within(1e-15 * Math.Max(1, Math.Abs(x))));
        Assert.That(dSoftplus, Is.EqualTo(sigma).Within(1e-15));

        double s = SigmoidGradient(x, out double dSigmoid);
        Assert.That(s, Is.EqualTo(sigma).Within(1e-15));
        Assert.That(dSigmoid, Is.EqualTo(sigma * (1 - sigma)).Within(1e-15));

        double logSigmoid = LogSigmoidGradient(x, out double dLogSigmoid);
        Assert.That(double.IsFinite(logSigmoid), Is.True);
        Assert.That(dLogSigmoid, Is.EqualTo(1 - sigma).Within(1e-15));

        float single = SoftplusSingleGradient((float)x, out float dSingle);
        Assert.That(float.IsFinite(single) && float.IsFinite(dSingle), Is.True);
    }

    [Test]
    public void Softplus_is_accurate_for_large_negative_inputs()
    {
        // log(1 + e^−40) ≈ e^−40: a naive log(1 + e^x) rounds this to zero.
        Assert.That(AdMath.Softplus(-40.0), Is.EqualTo(Math.Exp(-40.0)).Within(1e-14).Percent);
    }

    [Test]
    public void LogSumExp_is_stable_and_its_gradient_is_the_softmax()
    {
        var x = new[] { 800.0, 799.0, -800.0, 801.5 };
        var g = new double[4];
        double value = LogSumExpGradient(x, g);
        double expected = 801.5 + Math.Log(Math.Exp(-1.5) + Math.Exp(-2.5) + Math.Exp(-1601.5) + 1);
        Assert.That(value, Is.EqualTo(expected).Within(1e-12));
        // The softmax shifted by the maximum: e^(xᵢ − value) itself loses about 1e-13 here, the rounding of a value near 800.
        // (The gradient, with merge-pullbacks, computes the shifted form: 0.17095278019779026 against the exact
        // 0.170952780197790273…; e^(x₀ − value) gives 0.17095278019778498.)
        double sum = x.Sum(v => Math.Exp(v - 801.5));
        for (int i = 0; i < 4; i++) Assert.That(g[i], Is.EqualTo(Math.Exp(x[i] - 801.5) / sum).Within(1e-15));
        Assert.That(g[0] + g[1] + g[2] + g[3], Is.EqualTo(1.0).Within(1e-13));

        var direction = new[] { 0.3, -1.0, 2.0, 0.5 };
        LogSumExpJvp(x, direction, out double tangent);
        // The tangent weighs by e^(xᵢ − value): within the rounding of a value near 800 (ulp 1.1e-13) of the exact weights.
        Assert.That(tangent, Is.EqualTo(g[0] * 0.3 - g[1] + g[2] * 2 + g[3] * 0.5).Within(2e-13));

        var adjoint = new double[] { 1, 1, 1, 1 };
        LogSumExpVjp(x, 2.0, adjoint);
        for (int i = 0; i < 4; i++) Assert.That(adjoint[i], Is.EqualTo(1 + 2 * g[i]).Within(1e-14));
    }

    [Test]
    public void StopGradient_cuts_the_derivative_but_not_the_value()
    {
        double value = StopGradientHalfGradient(0.7, 1.3, out double dx, out double dy);
        Assert.That(value, Is.EqualTo(0.7 * 1.3 + 0.49 * 1.3).Within(1e-15));
        Assert.That(dx, Is.EqualTo(1.3).Within(1e-15), "x·y contributes y; stop_gradient(x²)·y contributes nothing");
        Assert.That(dy, Is.EqualTo(0.7 + 0.49).Within(1e-15));
    }
}
