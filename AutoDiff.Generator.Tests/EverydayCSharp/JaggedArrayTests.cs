using System;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>Jagged arrays (issue 15, item 6): the fixtures, generated at build time.</summary>
public static partial class JaggedFixtures
{
    /// <summary>An MLP layer, weights as rows w[o][j], with a squared-activation loss.</summary>
    [Differentiable]
    public static double Layer(double[][] w, double[] bias, double[] x)
    {
        double loss = 0;
        for (int o = 0; o < w.Length; o++)
        {
            double z = bias[o];
            for (int j = 0; j < w[o].Length; j++) z += w[o][j] * x[j];
            double h = Math.Tanh(z);
            loss += h * h;
        }
        return loss;
    }

    /// <summary>Rows of different lengths: Σ_i Σ_j r[i][j]²·(i + 1), a triangle.</summary>
    [Differentiable]
    public static double Triangle(double[][] r)
    {
        double s = 0;
        for (int i = 0; i < r.GetLength(0); i++)
        {
            for (int j = 0; j < r[i].Length; j++) s += r[i][j] * r[i][j] * (i + 1);
        }
        return s;
    }
}

public class JaggedArrayTests
{
    private static double[][] Rows(double[] t, int offset, int[] lengths)
    {
        var rows = new double[lengths.Length][];
        for (int i = 0; i < lengths.Length; i++)
        {
            rows[i] = t.Skip(offset).Take(lengths[i]).ToArray();
            offset += lengths[i];
        }
        return rows;
    }

    private static double[] Point(int n) => Enumerable.Range(0, n).Select(k => 0.2 + 0.13 * k * (k % 3 == 1 ? -1 : 1)).ToArray();

    [Test]
    public void Mlp_layer()
    {
        const int outputs = 3, inputs = 4;
        var lengths = Enumerable.Repeat(inputs, outputs).ToArray();
        int size = outputs * inputs;
        double[][] W(double[] t) => Rows(t, 0, lengths);
        double[] B(double[] t) => t[size..(size + outputs)];
        double[] X(double[] t) => t[(size + outputs)..];
        var set = new CompanionSet(
            t => JaggedFixtures.Layer(W(t), B(t), X(t)),
            t =>
            {
                var dw = Rows(new double[size], 0, lengths);
                var db = new double[outputs];
                var dx = new double[inputs];
                double v = JaggedFixtures.LayerGradient(W(t), B(t), X(t), dw, db, dx);
                return (v, dw.SelectMany(r => r).Concat(db).Concat(dx).ToArray());
            },
            (t, seed, initial) =>
            {
                var wAdj = W(initial);
                var bAdj = B(initial);
                var xAdj = X(initial);
                double v = JaggedFixtures.LayerVjp(W(t), B(t), X(t), seed, wAdj, bAdj, xAdj);
                return (v, wAdj.SelectMany(r => r).Concat(bAdj).Concat(xAdj).ToArray());
            },
            (t, d) => (JaggedFixtures.LayerJvp(W(t), B(t), X(t), W(d), B(d), X(d), out double tangent), tangent),
            (t, d) =>
            {
                var hw = Rows(new double[size], 0, lengths);
                var hb = new double[outputs];
                var hx = new double[inputs];
                double v = JaggedFixtures.LayerHvp(W(t), B(t), X(t), W(d), B(d), X(d), hw, hb, hx);
                return (v, hw.SelectMany(r => r).Concat(hb).Concat(hx).ToArray());
            });
        var at = Point(size + outputs + inputs);
        var gradient = set.Check(at);

        // The hand formula: ∂/∂b_o = 2·h_o·(1 − h_o²), ∂/∂w[o][j] = that times x_j.
        var w = W(at);
        var b = B(at);
        var x = X(at);
        for (int o = 0; o < outputs; o++)
        {
            double h = Math.Tanh(b[o] + Enumerable.Range(0, inputs).Sum(j => w[o][j] * x[j]));
            double dz = 2 * h * (1 - h * h);
            Assert.That(gradient[size + o], Is.EqualTo(dz).Within(1e-12));
            for (int j = 0; j < inputs; j++) Assert.That(gradient[o * inputs + j], Is.EqualTo(dz * x[j]).Within(1e-12));
        }
    }

    [Test]
    public void Rows_of_different_lengths()
    {
        var lengths = new[] { 1, 3, 2 };
        var at = Point(6);
        var r = Rows(at, 0, lengths);
        var dr = Rows(new double[6], 0, lengths);
        dr[1][2] = 99; // overwritten
        double value = JaggedFixtures.TriangleGradient(r, dr);
        Assert.That(CompanionSet.Bits(value), Is.EqualTo(CompanionSet.Bits(JaggedFixtures.Triangle(r))));
        for (int i = 0; i < lengths.Length; i++)
            for (int j = 0; j < lengths[i]; j++) Assert.That(dr[i][j], Is.EqualTo(2 * r[i][j] * (i + 1)).Within(1e-14));
        // A derivative whose rows differ from the input's in length is refused.
        Assert.Throws<ArgumentException>(() => JaggedFixtures.TriangleGradient(r, Rows(new double[6], 0, new[] { 2, 2, 2 })));
        long bytes = CompanionSet.AllocatedBy(() => JaggedFixtures.TriangleVjp(r, 1.0, dr));
        Assert.That(bytes, Is.EqualTo(0));
    }
}
