using System;
using System.Linq;
using AutoDiff.Generator.Emit;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Tests.Infrastructure;
using AutoDiff.Generator.Tests.Stages;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Loop nests whose tapes <c>reserve-tapes</c> reserves once, before the outermost loop whose nest count is known on entry
/// (<c>Stages/ReserveNestStageTests</c> has the pass on hand-written IR): the generated gradient against central differences
/// and its primal bit for bit, over counts that are zero, one and larger (a reserved push beyond the room throws in the
/// generated code), the reserve outside the nest; and the Vjp's IR with the pass against without it in the
/// <see cref="IrEvaluator"/>, which checks every reserved push against the room.
/// </summary>
public class ReserveNestTests
{
    private delegate double Gradient(double[] p, int n, int m, Span<double> dp);

    private const string Members = """
        /// <summary>Two deep: a value per point, two per inner iteration.</summary>
        [Differentiable]
        public static double Square(double[] p, int n, int m)
        {
            double y = p[0];
            for (int i = 0; i < n; i++)
            {
                y = Math.Sin(y) * p[1] + p[2];
                for (int j = 0; j < m; j++) y = Math.Cos(y * p[(i + j) % p.Length]) + 0.5 * y;
            }
            return y * y;
        }

        /// <summary>Three deep, an if in the middle, an inner bound from a length, a constant loop.</summary>
        [Differentiable]
        public static double Deep(double[] p, int n, int m)
        {
            double y = p[0];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < m; j++)
                {
                    if (y > 0.5) y = Math.Sin(y * p[1]);
                    else y = Math.Exp(-y * y) + p[2] * y;
                    for (int k = 1; k < p.Length; k++) y = y * 0.9 + 0.1 * Math.Tanh(y * p[k]);
                    for (int c = 0; c < 3; c++) y = Math.Sin(y + c * p[3]);
                }
            }
            return y;
        }

        /// <summary>A triangular inner loop: the outer loop's pushes stay checked, the inner one reserves for itself.</summary>
        [Differentiable]
        public static double Triangle(double[] p, int n, int m)
        {
            double y = p[0];
            for (int i = 0; i < n + m; i++)
            {
                y = Math.Sin(y) + p[1];
                for (int j = i; j < n + m; j++) y = y * Math.Cos(y * p[2]) + 0.1;
            }
            return y;
        }

        /// <summary>A buffer overwritten on every point and read whole by a call (recorded whole), as GMM's per-component terms are.</summary>
        [Differentiable]
        public static double Buffered(double[] p, int n, int m)
        {
            Span<double> t = stackalloc double[m + 1];
            double y = 0;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j <= m; j++) t[j] = Math.Sin(p[(i + j) % p.Length] * (y + 1));
                y = y * 0.5 + 0.1 * AdMath.LogSumExp(t);
            }
            return y;
        }

        /// <summary>Scalars only, for the IR evaluator: two deep, the inner count m − 1, an if in the inner loop.</summary>
        [Differentiable]
        public static double Scalar(double x, int n, int m)
        {
            double y = x;
            for (int i = 0; i < n; i++)
            {
                y = Math.Sin(y) * x;
                for (int j = 1; j < m; j++)
                {
                    if (y > 0.2) y = Math.Cos(y) * x;
                    y = y * y + 0.1;
                }
            }
            return y;
        }
        """;

    private static readonly string[] Shapes = { "Square", "Deep", "Triangle", "Buffered" };

    private static readonly double[] Point = { 0.7, 0.9, 0.6, 0.8, 0.55 };

    private static GeneratorRun? s_run;
    private static LoadedAssembly? s_loaded;

    private static GeneratorRun Run => s_run ??= GeneratorHarness.Run(StageIr.Wrap(Members));

    private static LoadedAssembly Loaded
    {
        get
        {
            if (s_loaded != null) return s_loaded;
            Run.AssertNoErrors();
            return s_loaded = Run.Load();
        }
    }

    [OneTimeTearDown]
    public void Unload() => s_loaded?.Dispose();

    /// <summary>The Gradient companion's body.</summary>
    private static string GradientBody(string shape)
    {
        string text = Run.Generated("Demo.Fns." + shape + ".g.cs");
        int at = text.IndexOf(" " + shape + "Gradient(", StringComparison.Ordinal);
        int next = text.IndexOf("[global::System.CodeDom.Compiler.GeneratedCode", at, StringComparison.Ordinal);
        return next < 0 ? text.Substring(at) : text.Substring(at, next - at);
    }

    [TestCase("Square", "doubleTape.Reserve(checked((long)n * (")]
    [TestCase("Deep", "doubleTape.Reserve(checked((long)n * ")]
    [TestCase("Buffered", "Length")]
    public void The_nest_reserves_once_before_its_outer_loop(string shape, string reserve)
    {
        Assert.That(Run.GeneratorDiagnostics.Select(GeneratorHarness.Format), Is.Empty);
        string body = GradientBody(shape);
        var lines = body.Split('\n').Select(l => l.Trim()).ToList();
        int firstLoop = lines.FindIndex(l => l.StartsWith("while (", StringComparison.Ordinal) || l.StartsWith("for (", StringComparison.Ordinal));
        var reserves = lines.Select((l, i) => (l, i)).Where(x => x.l.StartsWith("doubleTape.Reserve(", StringComparison.Ordinal)).ToList();
        Assert.That(reserves, Has.Count.EqualTo(1), shape + ": one reserve of doubles:\n" + body);
        Assert.That(reserves[0].i, Is.LessThan(firstLoop), shape + ": before the outer loop");
        Assert.That(reserves[0].l, Does.Contain(reserve));
        Assert.That(body, Does.Match(GeneratedCode.ReservedPush));
    }

    [Test]
    public void A_triangular_inner_loop_reserves_inside_the_outer_one()
    {
        string body = GradientBody("Triangle");
        var lines = body.Split('\n').Select(l => l.Trim()).ToList();
        int firstLoop = lines.FindIndex(l => l.StartsWith("while (", StringComparison.Ordinal));
        int reserve = lines.FindIndex(l => l.StartsWith("doubleTape.Reserve(", StringComparison.Ordinal));
        Assert.That(reserve, Is.GreaterThan(firstLoop), "the reserve for the inner loop, in the outer one:\n" + body);
        Assert.That(body, Does.Contain("doubleTape.Push(").And.Match(GeneratedCode.ReservedPush), "the outer loop's pushes checked, the inner one's reserved");
    }

    [Test]
    public void Gradient_agrees_with_central_differences([ValueSource(nameof(Shapes))] string shape, [Values(0, 1, 3)] int n, [Values(0, 1, 4)] int m)
    {
        var f = Loaded.Delegate<Func<double[], int, int, double>>("Demo.Fns", shape);
        var gradient = Loaded.Delegate<Gradient>("Demo.Fns", shape + "Gradient");
        string at = $"{shape}(n = {n}, m = {m})";
        double value = f(Point, n, m);
        var dp = new double[Point.Length];
        Assert.That(BitConverter.DoubleToInt64Bits(gradient(Point, n, m, dp)), Is.EqualTo(BitConverter.DoubleToInt64Bits(value)), at + ": the primal, bit for bit");
        var numeric = GradientCheck.FiniteDifferenceGradient(q => f(q, n, m), Point);
        for (int i = 0; i < Point.Length; i++)
            Assert.That(dp[i], Is.EqualTo(numeric[i]).Within(1e-6 * Math.Max(1, Math.Abs(numeric[i]))), $"{at}: ∂/∂p[{i}] against central differences");
    }

    [Test]
    public void The_vjp_finds_room_for_every_reserved_push_and_computes_the_same_without_the_pass()
    {
        var model = StageIr.Models(GeneratorHarness.Run(StageIr.Wrap(Members))).Single(m => m.Name == "Scalar");
        var options = PassOptions.Default.WithoutOptimizations() with { Verify = true };
        var with = Companions.Build(model, options with { ReserveTapes = true }, default).Vjp;
        var without = Companions.Build(model, options, default).Vjp;
        var reserves = with.Body.Where(i => i.Op == Op.Reserve).ToList();
        Assert.That(reserves.Any(r => r.Room.Inner.Count > 0), "a nest reserved before its outer loop:\n" + IrPrinter.Print(with));
        Assert.That(StageIr.All(with.Body).Where(i => i.Op == Op.Reserve).Count(), Is.EqualTo(reserves.Count), "no reserve inside the nest");
        foreach (var (x, n, m) in new[] { (0.3, 3, 4), (0.8, 1, 1), (0.6, 0, 5), (0.9, 4, 0), (0.45, 2, -3), (0.7, -1, 2) })
        {
            foreach (var args in new[] { new[] { x, n, m, 1.0, 0.0 }, new[] { x, n, m, -0.5, 2.0 } })
            {
                var expected = IrEvaluator.Run(without, args);
                var actual = IrEvaluator.Run(with, args);
                foreach (var (key, value) in expected) Assert.That(actual[key], Is.EqualTo(value), key + " at " + string.Join(", ", args));
            }
        }
    }
}
