using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Tests.Infrastructure;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// Buffers the reverse sweep fills again rather than restores (<c>RefillPlan</c>, part of <c>recompute</c>): the plan names
/// them with the loop whose reverse starts by filling them and the statement filled again, golden with the Vjp; beside it the
/// same plan without the refill restores the buffer (a push and a pop more). The near misses restore or record as before. The
/// numbers are checked in <c>Numeric/RefillTests.cs</c>.
/// </summary>
public class RefillStageTests
{
    /// <summary>GMM's shape, small: xc = x − μ per point and component, read by q and a triangular loop.</summary>
    private const string Gmm = """
        [Differentiable]
        public static double Gmm(double[] p, [NoDerivative] double[] x, int d, int k)
        {
            int n = x.Length / d;
            Span<double> xc = stackalloc double[d];
            double total = 0;
            for (int ix = 0; ix < n; ix++)
            {
                for (int ik = 0; ik < k; ik++)
                {
                    for (int id = 0; id < d; id++) xc[id] = x[ix * d + id] - p[ik * d + id];
                    double s = 0;
                    for (int i = 0; i < d; i++)
                    {
                        for (int j = 0; j <= i; j++) s += xc[i] * xc[j] * p[k * d + j];
                    }
                    total += System.Math.Exp(-s);
                }
            }
            return total;
        }
        """;

    private static (ReversePlan Plan, IrFunction Vjp) Build(string source)
    {
        var plan = ReversePlan.Build(StageIr.Lower(source), new[] { 0 }, PassOptions.Default);
        var vjp = Reverse.Transform(plan, System.Array.Empty<int>());
        Assert.That(IrVerifier.Verify(vjp), Is.Empty, "the sweep's output fails the verifier");
        return (plan, vjp);
    }

    private static string[] Refills(ReversePlan plan) => plan.Describe().Split('\n').Where(l => l.StartsWith("refill")).ToArray();

    [Test]
    public void A_buffer_filled_from_inputs_in_a_loop_body_is_filled_again_not_restored()
    {
        var (plan, vjp) = Build(Gmm);
        Snapshot.Verify("plan:\n" + plan.Describe() + "\n\nvjp:\n" + IrPrinter.Print(vjp), "Refill.Gmm", "txt");
        var refill = plan.Refilled.Values.Single();
        Assert.That(Refills(plan), Has.Length.EqualTo(1));
        Assert.That(refill.Statement.Op, Is.EqualTo(Op.While), "the filling loop is the statement");
        Assert.That(refill.Loop.Regions[1].Body, Does.Contain(refill.Statement), "directly in the component loop's body");
        Assert.That(refill.Slice.Count(i => i.Op == Op.Write), Is.EqualTo(1));
        Assert.That(plan.RestoredBuffers, Does.Contain(refill.Buffer), "its reads are read again as a restored buffer's");

        // The same plan without the refill restores xc: one push in the filling loop and one pop in its reverse more, and
        // no loop filling it again.
        plan.Refilled.Clear();
        var restored = Reverse.Transform(plan, System.Array.Empty<int>());
        Assert.That(StageIr.Count(restored, Op.Push) - StageIr.Count(vjp, Op.Push), Is.EqualTo(1));
        Assert.That(StageIr.Count(restored, Op.Pop) - StageIr.Count(vjp, Op.Pop), Is.EqualTo(1));
        Assert.That(StageIr.Count(vjp, Op.While) - StageIr.Count(restored, Op.While), Is.EqualTo(1), "the refill loop");
    }

    [Test]
    public void A_write_itself_and_a_loop_filling_from_data_only_are_filled_again()
    {
        // c[1] is written once per iteration of the s loop (the write is the statement); b by a loop in the r loop's body,
        // from p and the counters; e from data only, its filling loop without a reverse (but (r + id) % data.Length is not
        // cheap enough to run again: e's reads stay recorded).
        var (plan, _) = Build("""
            [Differentiable]
            public static double Nested(double[] p, [NoDerivative] double[] data, int n, int m)
            {
                int d = p.Length / 2;
                Span<double> b = stackalloc double[d];
                Span<double> c = stackalloc double[2];
                Span<double> e = stackalloc double[d];
                double total = 0;
                for (int t = 0; t < n; t++)
                {
                    for (int r = 0; r < m; r++)
                    {
                        for (int id = 0; id < d; id++) b[id] = p[id] * (t + 1) - p[d + id];
                        for (int id = 0; id < d; id++) e[id] = data[(r + id) % data.Length] * 0.5;
                        for (int s = 0; s < 2; s++)
                        {
                            c[1] = p[s] * (r + 1) - p[d + s];
                            for (int id = 0; id < d; id++) total += System.Math.Sin(b[id] * c[1]) * e[id] * p[id];
                            total += c[1] * c[1];
                        }
                    }
                }
                return total;
            }
            """);
        var refills = plan.Refilled.Values.OrderBy(r => r.Buffer).ToList();
        Assert.That(refills.Select(r => r.Statement.Op), Is.EqualTo(new[] { Op.While, Op.Write }));
        Assert.That(refills[1].Counter, Is.EqualTo(-1));
        Assert.That(plan.Info.IsInside(refills[1].Loop.Id, refills[0].Loop), Is.True, "c's loop is inside b's");
    }

    [Test]
    public void A_fused_filling_loop_fills_again_only_its_own_buffer()
    {
        var (plan, _) = Build("""
            [Differentiable]
            public static double Fused(double[] p, [NoDerivative] double[] x, int d, int k)
            {
                int n = x.Length / d;
                Span<double> xc = stackalloc double[d];
                Span<double> q = stackalloc double[d];
                double total = 0;
                for (int ix = 0; ix < n; ix++)
                {
                    for (int ik = 0; ik < k; ik++)
                    {
                        for (int id = 0; id < d; id++)
                        {
                            xc[id] = x[ix * d + id] - p[ik * d + id];
                            q[id] = p[k * d + id] * xc[id];
                        }
                        double s = 0;
                        for (int i = 0; i < d; i++)
                        {
                            for (int j = 0; j <= i; j++) s += q[i] * xc[j] * p[j];
                        }
                        total += System.Math.Sin(s);
                    }
                }
                return total;
            }
            """);
        var refill = plan.Refilled.Values.Single();
        Assert.That(plan.Info.NameOf(refill.Buffer), Is.EqualTo("xc"));
        Assert.That(refill.Slice.Where(i => i.Op == Op.Write).Select(i => plan.Info.NameOf(i.Args[0])), Is.EqualTo(new[] { "xc" }), "q's write is not run again");
    }

    /// <summary>Near misses: a read before the filling in the loop's body, an index on the loop's counter, a value from a buffer written later.</summary>
    [TestCase("double previous = xc[0]; total += previous * previous;", "for (int id = 0; id < d; id++) xc[id] = x[ix * d + id] - p[ik * d + id];", "xc[id]")]
    [TestCase("", "for (int id = 0; id < d; id++) xc[ik * d + id] = x[ix * d + id] - p[ik * d + id];", "xc[ik * d + id]")]
    [TestCase("", "for (int id = 0; id < d; id++) xc[id] = other[id] - p[ik * d + id];", "xc[id]")]
    public void Near_misses_are_not_filled_again(string before, string filling, string read)
    {
        var (plan, _) = Build($$"""
            [Differentiable]
            public static double Miss(double[] p, [NoDerivative] double[] x, int d, int k)
            {
                int n = x.Length / d;
                Span<double> xc = stackalloc double[k * d];
                Span<double> other = stackalloc double[d];
                double total = 0;
                for (int ix = 0; ix < n; ix++)
                {
                    for (int ik = 0; ik < k; ik++)
                    {
                        {{before}}
                        {{filling}}
                        double s = 0;
                        for (int id = 0; id < d; id++) s += {{read}} * {{read}} * p[k * d + id];
                        for (int id = 0; id < d; id++) other[id] = s * p[id];
                        total += System.Math.Exp(-s);
                    }
                }
                return total;
            }
            """);
        Assert.That(Refills(plan), Is.Empty);
        Assert.That(plan.Refilled, Is.Empty);
    }
}
