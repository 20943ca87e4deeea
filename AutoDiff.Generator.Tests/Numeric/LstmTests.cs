using System;
using System.IO;
using AutoDiff.Benchmarks;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// The ADBench LSTM objective (<c>benchmarks/AutoDiff.Benchmarks/Lstm</c>, a [Differentiable] method with a
/// stack buffer of state overwritten at every time step, read back across layers and steps): the loader
/// and ADBench's reference loss on <c>lstm_l2_c1024.txt</c> (read from <c>../shared/adbench</c> or
/// <c>$AUTODIFF_ADBENCH</c>; ignored when absent), and on small generated LSTMs the generated gradient
/// against central differences, reverse against forward mode, the hand-written gradient, exact values,
/// and allocation.
/// </summary>
public sealed class LstmTests
{
    private const double ReferenceLoss = 0.66666518;

    private static LstmData LoadReference()
    {
        if (!LstmData.TryLoad("lstm_l2_c1024", out var data))
            Assert.Ignore($"ADBench input lstm/lstm_l2_c1024.txt not found: set {AdBenchInputs.EnvironmentVariable} to the ADBench input folder, or put it at ../shared/adbench next to the repository.");
        return data;
    }

    private static double Generated(LstmData data, double[] gradient) =>
        Lstm.ObjectiveGradient(data.MainParams, data.ExtraParams, data.State, data.Sequence, data.L, data.C, data.B,
            gradient.AsSpan(0, data.MainParams.Length), gradient.AsSpan(data.MainParams.Length));

    private static double HandWritten(LstmData data, double[] gradient) =>
        LstmHandWritten.Gradient(data.MainParams, data.ExtraParams, data.State, data.Sequence, data.L, data.C, data.B,
            gradient.AsSpan(0, data.MainParams.Length), gradient.AsSpan(data.MainParams.Length));

    private static double Objective(LstmData data, double[] parameters) =>
        Lstm.Objective(parameters.AsSpan(0, data.MainParams.Length), parameters.AsSpan(data.MainParams.Length),
            data.State, data.Sequence, data.L, data.C, data.B);

    private static double[] Parameters(LstmData data)
    {
        var parameters = new double[data.ParameterCount];
        data.MainParams.CopyTo(parameters, 0);
        data.ExtraParams.CopyTo(parameters, data.MainParams.Length);
        return parameters;
    }

    private static double MaxAbs(double[] values)
    {
        double max = 0;
        foreach (double v in values) max = Math.Max(max, Math.Abs(v));
        return max;
    }

    /// <summary>Small problems: one and three layers, a single step, and a few steps of several cells.</summary>
    private static readonly object[] SmallShapes =
    {
        new object[] { 1, 2, 1 },
        new object[] { 1, 5, 3 },
        new object[] { 2, 6, 4 },
        new object[] { 3, 4, 2 },
    };

    [Test]
    public void Loader_reads_the_l2_c1024_file()
    {
        var data = LoadReference();
        Assert.Multiple(() =>
        {
            Assert.That((data.L, data.C, data.B, data.ParameterCount), Is.EqualTo((2, 1024, 14, 266)));
            Assert.That(data.MainParams[0], Is.EqualTo(0.7477620204927391));
            Assert.That(data.State, Has.Length.EqualTo(56));
            Assert.That(data.Sequence, Has.All.EqualTo(0.0).Or.EqualTo(1.0));
        });
    }

    [Test]
    public void Loader_rejects_a_file_with_the_wrong_count()
    {
        string path = Path.Combine(Path.GetTempPath(), $"lstm_bad_{Environment.ProcessId}.txt");
        try
        {
            // l = 1, c = 2, b = 1: 8 main, 3 extra, 2 state and 2 sequence numbers; one is missing.
            File.WriteAllText(path, "1 2 1\n\n1 2 3 4\n5 6 7 8\n\n1\n2\n3\n\n0.5\n0.5\n\n1\n");
            Assert.Throws<FormatException>(() => LstmData.Load(path));
            File.AppendAllText(path, "0\n");
            Assert.That(LstmData.Load(path).Sequence, Is.EqualTo(new[] { 1.0, 0.0 }));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Objective_matches_the_ADBench_reference_loss()
    {
        var data = LoadReference();
        // ADBench prints the loss with 8 significant digits.
        Assert.That(data.Objective(), Is.EqualTo(ReferenceLoss).Within(5e-9));
    }

    [Test]
    public void Generated_and_hand_written_gradients_agree_on_the_l2_c1024_file()
    {
        var data = LoadReference();
        double[] generated = new double[data.ParameterCount], hand = new double[data.ParameterCount];
        double value = Generated(data, generated), handValue = HandWritten(data, hand);
        double scale = MaxAbs(hand);
        Assert.Multiple(() =>
        {
            Assert.That(value, Is.EqualTo(data.Objective()), "generated value, bit for bit");
            Assert.That(handValue, Is.EqualTo(data.Objective()), "hand-written value, bit for bit");
            for (int i = 0; i < hand.Length; i++) Assert.That(generated[i], Is.EqualTo(hand[i]).Within(1e-12 * scale), $"entry {i}");
        });
    }

    [TestCaseSource(nameof(SmallShapes))]
    public void Generated_gradient_matches_central_differences(int l, int c, int b)
    {
        var data = LstmData.Generate(l, c, b, 100 * l + 10 * c + b);
        double[] gradient = new double[data.ParameterCount];
        Array.Fill(gradient, 99.0); // Gradient overwrites its spans
        double value = Generated(data, gradient);
        Assert.That(value, Is.EqualTo(data.Objective()), "value, bit for bit");

        double[] parameters = Parameters(data);
        double scale = MaxAbs(gradient);
        Assert.That(scale, Is.GreaterThan(0));
        Assert.Multiple(() =>
        {
            for (int i = 0; i < parameters.Length; i++)
            {
                double original = parameters[i], h = 1e-5;
                parameters[i] = original + h;
                double plus = Objective(data, parameters);
                parameters[i] = original - h;
                double minus = Objective(data, parameters);
                parameters[i] = original;
                Assert.That(gradient[i], Is.EqualTo((plus - minus) / (2 * h)).Within(1e-7 * scale), $"entry {i}");
            }
        });
    }

    [TestCaseSource(nameof(SmallShapes))]
    public void Reverse_mode_equals_forward_mode_along_every_coordinate(int l, int c, int b)
    {
        var data = LstmData.Generate(l, c, b, 7 + l + c + b);
        double[] gradient = new double[data.ParameterCount];
        Generated(data, gradient);
        double[] direction = new double[data.ParameterCount];
        double scale = MaxAbs(gradient);
        Assert.Multiple(() =>
        {
            for (int i = 0; i < direction.Length; i++)
            {
                Array.Clear(direction);
                direction[i] = 1;
                double value = Lstm.ObjectiveJvp(data.MainParams, data.ExtraParams, data.State, data.Sequence, data.L, data.C, data.B,
                    direction.AsSpan(0, data.MainParams.Length), direction.AsSpan(data.MainParams.Length), out double tangent);
                Assert.That(value, Is.EqualTo(data.Objective()), "Jvp value, bit for bit");
                Assert.That(tangent, Is.EqualTo(gradient[i]).Within(1e-12 * scale), $"∂/∂p[{i}]");
            }
        });
    }

    [TestCaseSource(nameof(SmallShapes))]
    public void Hand_written_gradient_and_Vjp_agree_with_the_generated_gradient(int l, int c, int b)
    {
        var data = LstmData.Generate(l, c, b, 31 * l + c + b);
        double[] generated = new double[data.ParameterCount], hand = new double[data.ParameterCount];
        Generated(data, generated);
        double handValue = HandWritten(data, hand);
        double[] adjoint = new double[data.ParameterCount];
        Array.Fill(adjoint, 0.25);
        double vjpValue = Lstm.ObjectiveVjp(data.MainParams, data.ExtraParams, data.State, data.Sequence, data.L, data.C, data.B, -3.0,
            adjoint.AsSpan(0, data.MainParams.Length), adjoint.AsSpan(data.MainParams.Length));
        double scale = MaxAbs(hand);
        Assert.Multiple(() =>
        {
            Assert.That(handValue, Is.EqualTo(data.Objective()), "hand-written value, bit for bit");
            Assert.That(vjpValue, Is.EqualTo(data.Objective()), "Vjp value, bit for bit");
            for (int i = 0; i < hand.Length; i++)
            {
                Assert.That(generated[i], Is.EqualTo(hand[i]).Within(1e-12 * scale), $"gradient entry {i}");
                Assert.That(adjoint[i], Is.EqualTo(0.25 - 3.0 * hand[i]).Within(1e-12 * (1 + scale)), $"Vjp entry {i}");
            }
        });
    }

    [Test]
    public void Gradients_allocate_nothing_in_steady_state()
    {
        var data = LstmData.Generate(2, 1024, 14, 1);
        double[] gradient = new double[data.ParameterCount];
        double sink = 0;
        long generated = GmmReference.AllocatedBy(() => sink += Generated(data, gradient));
        long hand = GmmReference.AllocatedBy(() => sink += HandWritten(data, gradient));
        Assert.Multiple(() =>
        {
            Assert.That(generated, Is.Zero, "generated gradient");
            Assert.That(hand, Is.Zero, "hand-written gradient");
            Assert.That(double.IsFinite(sink), Is.True);
        });
    }
}
