using System.Linq;
using System.Text;
using AutoDiff.Generator.Emit;
using AutoDiff.Generator.Frontend;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests;

/// <summary>
/// The IR of each stage for a few methods: the lowered primal, the forward (JVP) and reverse (VJP)
/// transforms, and the gradient specialised from the VJP. A change in output then points at the
/// stage that changed.
/// </summary>
public class IrSnapshotTests
{
    private static string Stages(string member)
    {
        string source = "using System;\nusing AutoDiff;\nnamespace Demo\n{\n    public static partial class Fns\n    {\n" + member + "\n    }\n}\n";
        var run = GeneratorHarness.Run(source);
        run.AssertNoErrors();
        var model = run.Result.Results.Single().TrackedSteps[TrackingNames.Model]
            .SelectMany(step => step.Outputs).Select(output => output.Value).OfType<MethodModel>().Single();
        var companions = Companions.Build(model, default);
        var text = new StringBuilder();
        foreach (var function in new[] { model.Primal!, companions.Jvp, companions.Vjp, companions.Gradient })
        {
            Assert.That(IrVerifier.Verify(function!), Is.Empty, function!.Name);
            text.Append(IrPrinter.Print(function)).Append('\n');
        }
        return text.ToString();
    }

    [Test]
    public void Product() => Snapshot.Verify(Stages("""
        [Differentiable]
        public static double Product(double x, double y) => x * y;
        """), "IrSnapshotTests.Product", "txt");

    [Test]
    public void ReassignedLocal() => Snapshot.Verify(Stages("""
        [Differentiable]
        public static double ReassignedLocal(double x, double y)
        {
            double t = x * y;
            t = Math.Sin(t) + y;
            return t * t;
        }
        """), "IrSnapshotTests.ReassignedLocal", "txt");

    [Test]
    public void MixedPrecisionAndPassThrough() => Snapshot.Verify(Stages("""
        [Differentiable]
        public static float Scaled(float x, double y, int n) => (float)(y * n) * x + MathF.Exp(x);
        """), "IrSnapshotTests.MixedPrecisionAndPassThrough", "txt");
}
