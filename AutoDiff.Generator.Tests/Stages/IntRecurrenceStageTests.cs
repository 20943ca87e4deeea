using System.Linq;
using AutoDiff.Generator.Emit;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Tests.Infrastructure;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// The tape plan's rebuilt integers (<c>Analysis/IntRecurrences.cs</c>): a carried int whose iteration adds what the reverse
/// sweep computes anyway is walked back from the loop's result, not recorded. On lowered C#: the plan (as text, golden with
/// its Vjp), the pushes left, the same numbers as the Vjp that records everything (<c>record</c>), and, through the whole
/// pipeline (with <c>reserve-tapes</c>, whose reserves <see cref="IrEvaluator"/> checks), the same numbers again.
/// </summary>
public class IntRecurrenceStageTests
{
    /// <summary>s ← sin(s/2 + x·off), off advanced by a stride known before the loop (s is recorded: no fusion, no replay).</summary>
    private const string Walk = """
        [Differentiable]
        public static double Walk(double x, int n, int stride)
        {
            int off = 3;
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                s = Math.Sin(s * 0.5 + x * off);
                off += stride;
            }
            return s;
        }
        """;

    /// <summary>GMM's triangle m times, on a scalar: l advanced once per (i, j), so by n − i − 1 per row; recorded once per t.</summary>
    private const string Triangle = """
        [Differentiable]
        public static double Triangle(double x, int n, int m)
        {
            double s = 0;
            for (int t = 0; t < m; t++)
            {
                int l = t;
                for (int i = 0; i < n; i++)
                {
                    for (int j = i + 1; j < n; j++)
                    {
                        s += Math.Sin(x * l) * j;
                        l++;
                    }
                }
            }
            return s;
        }
        """;

    /// <summary>An offset moved under a branch on the data, and one doubled: both recorded.</summary>
    private const string Kept = """
        [Differentiable]
        public static double Kept(double x, int n)
        {
            int off = 1;
            int hop = 1;
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                s += Math.Sin(x * off) * Math.Cos(x * hop);
                if (s > 0.5) off += 2;
                hop = hop * 2 % 7;
            }
            return s;
        }
        """;

    /// <summary><see cref="Walk"/> with off advanced only while i &lt; n / 2: an if on the counter, which the sweep has.</summary>
    private const string Guarded = """
        [Differentiable]
        public static double Guarded(double x, int n, int stride)
        {
            int off = 3;
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                s = Math.Sin(s * 0.5 + x * off);
                if (i < n / 2) off += stride;
            }
            return s;
        }
        """;

    private static readonly PassOptions Record = PassOptions.Default.WithoutOptimizations() with { Verify = true };

    /// <summary>The plan and Vjp of the one method of <paramref name="member"/> with every pass on, and the numbers of both Vjps at <paramref name="args"/>.</summary>
    private static (string Plan, IrFunction Vjp) Check(string member, params double[] args)
    {
        var primal = StageIr.Lower(member);
        var plan = ReversePlan.Build(primal, new[] { 0 }, PassOptions.Default);
        var vjp = Reverse.Transform(plan, System.Array.Empty<int>());
        Assert.That(IrVerifier.Verify(vjp), Is.Empty, "the sweep's output fails the verifier");
        var recorded = Reverse.Transform(primal, new[] { 0 }, System.Array.Empty<int>(), default, Record);
        var expected = IrEvaluator.Run(recorded, args);
        var actual = IrEvaluator.Run(vjp, args);
        foreach (var (key, value) in expected) Assert.That(actual[key], Is.EqualTo(value).Within(1e-12).Percent, key);
        // The whole pipeline (reserve-tapes included): the reserves make room for every reserved push.
        var model = StageIr.Models(GeneratorHarness.Run(StageIr.Wrap(member))).Single();
        var companions = Companions.Build(model, default);
        var piped = IrEvaluator.Run(companions.Vjp!, args);
        foreach (var (key, value) in expected) Assert.That(piped[key], Is.EqualTo(value).Within(1e-12).Percent, "pipeline: " + key);
        return (plan.Describe(), vjp);
    }

    [Test]
    public void An_offset_advanced_by_a_stride_is_rebuilt_from_the_loops_result()
    {
        var (plan, vjp) = Check(Walk, 0.7, 6, 3, 1.5, 0.25);
        Check(Walk, 0.7, 0, 3, 1.5, 0.25);
        Check(Walk, -0.4, 5, -2, 1, 0);
        Snapshot.Verify("plan:\n" + plan + "\n\nvjp:\n" + IrPrinter.Print(vjp), "IntRecurrence.Walk", "txt");
        Assert.That(plan, Does.Contain("rebuilt %"));
        Assert.That(plan, Does.Not.Contain("fused").And.Not.Contain("replayed"));
        // Top level: the loop's result is there for the whole sweep, so only s is recorded.
        Assert.That(StageIr.Count(vjp, Op.Push), Is.EqualTo(1));
        Assert.That(vjp.Body.Any(i => i.Op == Op.While && i.Results.Any(r => r.Name == "offEnd")), Is.True, "the reverse loop carries off's end value");
    }

    [Test]
    public void An_offset_moved_under_an_if_on_the_counter_is_rebuilt()
    {
        var (plan, vjp) = Check(Guarded, 0.7, 7, 3, 1.5, 0.25);
        Check(Guarded, 0.7, 1, 3, 1.5, 0.25);
        Check(Guarded, 0.7, 0, 3, 1.5, 0.25);
        Assert.That(plan, Does.Contain("rebuilt %").And.Contain(" if %"));
        Assert.That(StageIr.Count(vjp, Op.Push), Is.EqualTo(1), "only s");
    }

    [Test]
    public void A_packed_triangle_index_is_recorded_once_per_triangle()
    {
        var (plan, vjp) = Check(Triangle, 0.3, 5, 3, 1.25, 0.5);
        Check(Triangle, 0.3, 1, 2, 1, 0);
        Check(Triangle, 0.3, 0, 2, 1, 0);
        Check(Triangle, 0.3, 4, 0, 1, 0);
        Snapshot.Verify("plan:\n" + plan + "\n\nvjp:\n" + IrPrinter.Print(vjp), "IntRecurrence.Triangle", "txt");
        // The row loop's l moves by the inner loop's trip count; the inner loop's l is a counter from it.
        Assert.That(plan, Does.Contain("rebuilt %").And.Contain("trips @"));
        // One push, of l after the rows (in the t loop), none per row.
        var pushes = StageIr.All(vjp.Body).Where(i => i.Op == Op.Push).ToList();
        Assert.That(pushes, Has.Count.EqualTo(1));
        var tLoop = vjp.Body.First(i => i.Op == Op.While);
        Assert.That(tLoop.Regions[1].Body.Count(i => i.Op == Op.Push), Is.EqualTo(1), "the push is the t loop's own");
    }

    [Test]
    public void An_offset_moved_under_a_data_branch_or_doubled_stays_recorded()
    {
        var (plan, vjp) = Check(Kept, 0.9, 6, 1, 0);
        Assert.That(plan, Does.Not.Contain("rebuilt"));
        Assert.That(StageIr.Count(vjp, Op.Push), Is.GreaterThanOrEqualTo(2), "off and hop recorded");
        // Without recompute nothing is rebuilt either.
        var record = ReversePlan.Build(StageIr.Lower(Walk), new[] { 0 }, Record);
        Assert.That(record.Describe(), Does.Not.Contain("rebuilt"));
    }
}
