using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;

namespace AutoDiff.Generator.Tests.Fuzzing;

/// <summary>
/// The checks of an <see cref="ArrayProgramGenerator"/> program, through its adapters
/// <c>P####A0</c>…<c>A3</c> (arrays in, arrays out): Gradient (<c>Span&lt;double&gt; dx</c>,
/// <c>out double dy</c>) against central finite differences over every element of <c>x</c> and
/// <c>y</c>; Vjp with a seed and preloaded adjoints against the gradient; Jvp along a random
/// direction against gradient · direction; every companion's primal value.
/// </summary>
public static class ArrayFuzzRunner
{
    /// <summary>Written into the gradient span before the call: Gradient must overwrite it.</summary>
    private const double Garbage = 7.0;

    /// <summary>The test points: x of length 3 to 6 (then y) in [-1.5, 1.5], n in 0..MaxN, data of x's length.</summary>
    public static IReadOnlyList<FuzzPoint> PointsFor(int seed, FuzzProgram program)
    {
        var rng = new Random(unchecked(seed * 37 + program.Index * 100_003 + 11));
        var points = new List<FuzzPoint>();
        for (int p = 0; p < FuzzRunner.PointsPerProgram; p++)
        {
            int length = rng.Next(3, 7);
            var x = new double[length + 1];
            for (int k = 0; k < x.Length; k++) x[k] = Math.Round(-1.5 + 3 * rng.NextDouble(), 4);
            var data = new double[length];
            for (int k = 0; k < data.Length; k++) data[k] = Math.Round(-1.5 + 3 * rng.NextDouble(), 3);
            points.Add(new FuzzPoint(x, rng.Next(0, FuzzRunner.MaxN + 1)) { Data = data, IsArray = true });
        }
        return points;
    }

    private sealed class Calls
    {
        private readonly MethodInfo _value, _gradient, _vjp, _jvp;

        public Calls(Type type, FuzzProgram program)
        {
            MethodInfo Find(string suffix) => type.GetMethod(program.Name + suffix, BindingFlags.Public | BindingFlags.Static)
                ?? throw new InvalidOperationException("no adapter " + program.Name + suffix);
            _value = Find("A0");
            _gradient = Find("A1");
            _vjp = Find("A2");
            _jvp = Find("A3");
            var plain = type.Assembly.GetType("Fuzz.Plain");
            _reset = plain?.GetMethod("Reset");
            _log = plain?.GetMethod("Log");
        }

        private readonly MethodInfo? _reset, _log;

        /// <summary>The plain helper's calls (how many, and a hash of their arguments in order) during the last call.</summary>
        public string LastLog { get; private set; } = "";

        /// <summary>Calls <paramref name="m"/> with the plain helper's sequence reset, as every call of the method and its companions starts.</summary>
        private double Call(MethodInfo m, params object[] args)
        {
            _reset?.Invoke(null, null);
            double value = (double)m.Invoke(null, BindingFlags.DoNotWrapExceptions, null, args, CultureInfo.InvariantCulture)!;
            LastLog = _log == null ? "" : (string)_log.Invoke(null, null)!;
            return value;
        }

        /// <summary><paramref name="xy"/> is x's elements then y.</summary>
        public double Value(double[] xy, FuzzPoint p) => Call(_value, xy[..^1], xy[^1], p.N, p.Data!);

        public double Gradient(double[] xy, FuzzPoint p, double[] g) => Call(_gradient, xy[..^1], xy[^1], p.N, p.Data!, g);

        public double Vjp(double[] xy, FuzzPoint p, double seed, double[] adj) => Call(_vjp, xy[..^1], xy[^1], p.N, p.Data!, seed, adj);

        public double Jvp(double[] xy, FuzzPoint p, double[] dir, double[] t) => Call(_jvp, xy[..^1], xy[^1], p.N, p.Data!, dir, t);
    }

    public static void CheckProgram(Type type, FuzzProgram program, IReadOnlyList<FuzzPoint> points, string? generated,
        ConcurrentQueue<FuzzFailure> failures, FuzzStats stats)
    {
        Calls calls;
        try
        {
            calls = new Calls(type, program);
        }
        catch (Exception e)
        {
            failures.Enqueue(new FuzzFailure(program, "companion missing", e.Message, null, generated));
            return;
        }
        var rng = new Random(program.Index);
        foreach (var point in points)
        {
            stats.AddPoint();
            try
            {
                CheckPoint(calls, program, point, rng, generated, failures, stats);
            }
            catch (Exception e)
            {
                failures.Enqueue(new FuzzFailure(program, "exception at run time", e.ToString(), point, generated));
            }
        }
    }

    private static void CheckPoint(Calls calls, FuzzProgram program, FuzzPoint point, Random rng, string? generated,
        ConcurrentQueue<FuzzFailure> failures, FuzzStats stats)
    {
        void Fail(string kind, string details) => failures.Enqueue(new FuzzFailure(program, kind, details, point, generated));
        double[] xy = point.X;
        int active = xy.Length;
        string Name(int k) => k == active - 1 ? "y" : "x[" + k.ToString(CultureInfo.InvariantCulture) + "]";

        double value = calls.Value(xy, point);
        string log = calls.LastLog;
        void SameCalls(string companion)
        {
            if (calls.LastLog != log) Fail("calls made by " + companion, $"{companion} made {calls.LastLog}, the method made {log}");
        }
        if (!double.IsFinite(value))
        {
            stats.AddNonFinite();
            stats.AddSkip();
            return;
        }
        if (!calls.Value(xy, point).Equals(value)) Fail("primal not deterministic", "two calls of the method returned different values");

        // Gradient.
        var gradient = Enumerable.Repeat(Garbage, active).ToArray();
        double gradientValue = calls.Gradient(xy, point, gradient);
        if (!gradientValue.Equals(value)) Fail("primal value of Gradient", $"Gradient returned {R(gradientValue)}, the method returned {R(value)}");
        SameCalls("Gradient");

        // (1) Gradient against central finite differences, unless a kink sits within h.
        var numeric = new double[active];
        bool skip = false;
        for (int k = 0; k < active && !skip; k++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(xy[k]));
            double fd1 = CentralDifference(calls, point, k, h);
            double fd2 = CentralDifference(calls, point, k, h / 2);
            if (!double.IsFinite(fd1) || !double.IsFinite(fd2) || Math.Abs(fd1 - fd2) > FuzzRunner.FdConsistency * Math.Max(1, Math.Abs(fd1))) skip = true;
            numeric[k] = fd1;
        }
        if (skip) stats.AddSkip();
        else
        {
            stats.AddFdCheck();
            var bad = Enumerable.Range(0, active).Where(k => !(Math.Abs(gradient[k] - numeric[k]) <= FuzzRunner.FdTolerance * Math.Max(1, Math.Abs(numeric[k])))).ToList();
            if (bad.Count > 0)
                Fail("Gradient vs finite differences", string.Join("\n", bad.Select(k =>
                    $"d/d{Name(k)}: Gradient {R(gradient[k])}, central difference {R(numeric[k])} (difference {R(gradient[k] - numeric[k])})")));
        }

        // (2) Jvp along a random direction against gradient · direction.
        var direction = new double[active];
        for (int k = 0; k < active; k++) direction[k] = Math.Round(-1 + 2 * rng.NextDouble(), 3);
        var tangent = new double[1];
        double jvpValue = calls.Jvp(xy, point, direction, tangent);
        if (!jvpValue.Equals(value)) Fail("primal value of Jvp", $"Jvp returned {R(jvpValue)}, the method returned {R(value)}");
        SameCalls("Jvp");
        double expectedTangent = 0, scale = 1;
        for (int k = 0; k < active; k++)
        {
            expectedTangent += gradient[k] * direction[k];
            scale += Math.Abs(gradient[k] * direction[k]);
        }
        if (!(Math.Abs(tangent[0] - expectedTangent) <= FuzzRunner.ModeTolerance * scale))
            Fail("Jvp vs Gradient", $"direction [{string.Join(", ", direction.Select(R))}]: Jvp tangent {R(tangent[0])}, gradient · direction {R(expectedTangent)} (difference {R(tangent[0] - expectedTangent)})");

        // (3) Vjp adds seed × gradient to preloaded adjoints.
        var adjoint = Enumerable.Repeat(FuzzRunner.VjpPreload, active).ToArray();
        double vjpValue = calls.Vjp(xy, point, FuzzRunner.VjpSeed, adjoint);
        if (!vjpValue.Equals(value)) Fail("primal value of Vjp", $"Vjp returned {R(vjpValue)}, the method returned {R(value)}");
        SameCalls("Vjp");
        var wrong = Enumerable.Range(0, active).Where(k =>
        {
            double expected = FuzzRunner.VjpPreload + FuzzRunner.VjpSeed * gradient[k];
            return !(Math.Abs(adjoint[k] - expected) <= FuzzRunner.ModeTolerance * Math.Max(1, Math.Abs(expected)));
        }).ToList();
        if (wrong.Count > 0)
            Fail("Vjp vs Gradient", string.Join("\n", wrong.Select(k =>
                $"adjoint of {Name(k)}: Vjp gave {R(adjoint[k])}, expected {R(FuzzRunner.VjpPreload)} + {R(FuzzRunner.VjpSeed)}·{R(gradient[k])} = {R(FuzzRunner.VjpPreload + FuzzRunner.VjpSeed * gradient[k])}")));
    }

    private static double CentralDifference(Calls calls, FuzzPoint point, int k, double h)
    {
        var plus = (double[])point.X.Clone();
        var minus = (double[])point.X.Clone();
        plus[k] += h;
        minus[k] -= h;
        return (calls.Value(plus, point) - calls.Value(minus, point)) / (plus[k] - minus[k]);
    }

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
