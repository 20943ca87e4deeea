using System;
using System.Linq;
using System.Numerics;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Runtime;

/// <summary><see cref="Simd"/>: the lanes generated reverse loops load, store, add into and sum.</summary>
public class SimdTests
{
    [Test]
    public void Load_store_and_add_work_on_the_lanes_from_the_index()
    {
        int w = Vector<double>.Count;
        var data = Enumerable.Range(0, 3 * w).Select(i => 0.5 * i).ToArray();
        ReadOnlySpan<double> read = data;
        var lanes = Simd.Load(read, 3);
        for (int k = 0; k < w; k++) Assert.That(lanes[k], Is.EqualTo(data[3 + k]));
        Assert.That(Simd.Load(data.AsSpan(), 3), Is.EqualTo(lanes));

        var target = new double[3 * w];
        Simd.Store(target.AsSpan(), 2, lanes);
        Simd.AddTo(target.AsSpan(), 2, new Vector<double>(1.25));
        for (int i = 0; i < target.Length; i++)
            Assert.That(target[i], Is.EqualTo(i >= 2 && i < 2 + w ? data[i + 1] + 1.25 : 0), $"[{i}]");
    }

    [Test]
    public void Sum_adds_the_lanes()
    {
        int w = Vector<float>.Count;
        var values = Enumerable.Range(1, w).Select(i => (float)i).ToArray();
        Assert.That(Simd.Sum(Simd.Load((ReadOnlySpan<float>)values, 0)), Is.EqualTo(w * (w + 1) / 2f));
        Assert.That(Simd.Sum(new Vector<double>(0.25)), Is.EqualTo(0.25 * Vector<double>.Count));
    }
}
