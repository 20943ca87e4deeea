using System;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Runtime;

/// <summary>
/// <see cref="AdMath.LogSumExpWithAdjoint"/>, the call <c>merge-pullbacks</c> makes of a log-sum-exp and its pullback: its
/// value is <see cref="AdMath.LogSumExp"/>'s bit for bit, and what it adds is what <see cref="AdMath.LogSumExpAdjoint"/>
/// adds, to rounding, and the softmax by its formula.
/// </summary>
public class LogSumExpWithAdjointTests
{
    [TestCase(1)]
    [TestCase(3)]
    [TestCase(25)]
    [TestCase(128)]
    [TestCase(129, TestName = "Above_the_stack_limit_it_is_the_two_calls")]
    [TestCase(400)]
    public void The_value_is_LogSumExp_bit_for_bit_and_the_adjoint_its_pullback(int length)
    {
        var random = new Random(length);
        var x = Enumerable.Range(0, length).Select(_ => 40 * random.NextDouble() - 20).ToArray();
        var start = Enumerable.Range(0, length).Select(_ => random.NextDouble()).ToArray();
        const double adjoint = -1.75;

        var merged = (double[])start.Clone();
        double value = AdMath.LogSumExpWithAdjoint(x, adjoint, merged);
        var separate = (double[])start.Clone();
        double expected = AdMath.LogSumExp(x);
        AdMath.LogSumExpAdjoint(x, expected, adjoint, separate);

        Assert.That(BitConverter.DoubleToInt64Bits(value), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected)), "the value");
        double max = x.Max();
        double sum = x.Sum(v => Math.Exp(v - max));
        for (int i = 0; i < length; i++)
        {
            Assert.That(merged[i], Is.EqualTo(separate[i]).Within(1e-14 * (1 + Math.Abs(separate[i]))), $"[{i}] against the pullback");
            double softmax = Math.Exp(x[i] - max) / sum;
            Assert.That(merged[i] - start[i], Is.EqualTo(adjoint * softmax).Within(1e-13), $"[{i}] against a·softmax");
        }
    }

    [Test]
    public void The_weights_sum_to_the_adjoint_even_where_exp_of_the_value_would_underflow()
    {
        // Values near −1000: e^(x − value) is fine, e^x alone underflows; the shifted exponentials keep the weights.
        var x = new[] { -1000.0, -1001.0, -999.5 };
        var adjointSpan = new double[3];
        double value = AdMath.LogSumExpWithAdjoint(x, 2.0, adjointSpan);
        Assert.That(value, Is.EqualTo(AdMath.LogSumExp(x)));
        Assert.That(adjointSpan.Sum(), Is.EqualTo(2.0).Within(1e-15));
        Assert.That(adjointSpan.All(w => w > 0));
    }

    [Test]
    public void Empty_infinite_and_NaN_inputs_behave_as_the_two_calls()
    {
        var empty = Array.Empty<double>();
        Assert.That(AdMath.LogSumExpWithAdjoint(empty, 1.0, Span<double>.Empty), Is.EqualTo(double.NegativeInfinity));

        foreach (var x in new[] { new[] { 1.0, double.PositiveInfinity }, new[] { double.NegativeInfinity, double.NegativeInfinity }, new[] { double.NaN, 2.0 }, new[] { 2.0, double.NaN } })
        {
            var merged = new double[x.Length];
            var separate = new double[x.Length];
            double value = AdMath.LogSumExpWithAdjoint(x, 1.0, merged);
            double expected = AdMath.LogSumExp(x);
            AdMath.LogSumExpAdjoint(x, expected, 1.0, separate);
            Assert.That(value, Is.EqualTo(expected), string.Join(", ", x));
            for (int i = 0; i < x.Length; i++)
                Assert.That(double.IsNaN(merged[i]) ? "NaN" : merged[i].ToString("R"), Is.EqualTo(double.IsNaN(separate[i]) ? "NaN" : separate[i].ToString("R")), $"{string.Join(", ", x)} [{i}]");
        }
    }
}
