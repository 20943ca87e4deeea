using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Tests.Infrastructure;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// Writes that accumulate into the element they overwrite (<see cref="ReversePlan.AccumulatingWrites"/>): the plan names
/// them with their terms, and the Vjp reads the element's adjoint there and sends ±it to each term, without zeroing it
/// and adding it back, golden; beside it the textbook Vjp (the same plan without them) has those writes and additions.
/// The numbers are checked in <c>Numeric/AccumulateInPlaceTests.cs</c>.
/// </summary>
public class AccumulateStageTests
{
    private const string Source = """
        [Differentiable]
        public static double Acc(double[] x, double e)
        {
            var b = new double[2];
            b[0] = x[0];
            b[0] += e * x[1];
            b[0] = 3 * e + b[0];
            b[0] = b[0] - e + x[1];
            b[0] += 2.5;
            double t = b[0];
            b[0] = t + t * e;
            b[1] = b[0] - x[1];
            return b[1] * b[0];
        }
        """;

    [Test]
    public void Accumulating_writes_pass_the_element_adjoint_through()
    {
        var primal = StageIr.Lower(Source);
        var plan = ReversePlan.Build(primal, new[] { 0, 1 }, PassOptions.Default);
        var vjp = Reverse.Transform(plan, System.Array.Empty<int>());
        Assert.That(IrVerifier.Verify(vjp), Is.Empty);
        Snapshot.Verify("plan:\n" + plan.Describe() + "\n\nvjp:\n" + IrPrinter.Print(vjp), "Accumulate.PassThrough", "txt");
        // b[0] += e·x[1], b[0] = 3e + b[0], b[0] = b[0] − e + x[1] (a chain of two terms) and b[0] += 2.5 (a constant term):
        // four; not t + t·e (the old value read twice), nor b[1] = b[0] − x[1] (another element).
        var described = plan.Describe().Split('\n').Where(l => l.StartsWith("accumulate at")).ToList();
        Assert.That(described, Has.Count.EqualTo(4));
        Assert.That(described.Count(l => l.Contains("- %") && l.Contains("+ %")), Is.EqualTo(1), "the chain takes −e and +x[1]");

        // The textbook sweep of the same plan zeroes the element at each of the four writes and adds the read's adjoint back.
        plan.AccumulatingWrites.Clear();
        var textbook = Reverse.Transform(plan, System.Array.Empty<int>());
        int Writes(IrFunction f) => StageIr.Count(f, Op.Write);
        int Adds(IrFunction f) => StageIr.Count(f, Op.AddTo);
        Assert.That(Writes(textbook) - Writes(vjp), Is.EqualTo(4), "one zeroing write per accumulating write");
        Assert.That(Adds(textbook) - Adds(vjp), Is.EqualTo(4), "one add-back per accumulating write");
    }
}
