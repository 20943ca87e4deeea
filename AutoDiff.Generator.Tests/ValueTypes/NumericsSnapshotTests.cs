using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.ValueTypes;

/// <summary>
/// The code generated for System.Numerics values: component by component (<c>da.X = …</c>), the library's own methods
/// where scalar arithmetic would not give its bits (<c>Vector3.Dot</c>, <c>Complex.Exp</c>, division).
/// </summary>
public sealed class NumericsSnapshotTests
{
    private static void Verify(string members, string test)
    {
        string source = "using System;\nusing System.Numerics;\nusing AutoDiff;\nnamespace Demo\n{\n    public static partial class Fns\n    {\n" + members + "\n    }\n}\n";
        var run = GeneratorHarness.Run(source);
        run.AssertNoErrors();
        Snapshot.VerifyGenerated(run, test);
    }

    [Test]
    public void Vector3_spring() => Verify("""
        [Differentiable]
        public static float Energy(Vector3 a, Vector3 b, float k)
        {
            float stretch = Vector3.Distance(a, b) - 1f;
            var n = Vector3.Normalize(Vector3.Cross(a, b));
            return 0.5f * k * stretch * stretch + Vector3.Dot(n, Vector3.UnitY) - a.Y;
        }
        """, nameof(Vector3_spring));

    [Test]
    public void Complex_functions() => Verify("""
        [Differentiable]
        public static double F(Complex z, double x) => (Complex.Exp(z) / (z * x + 1.0)).Magnitude;
        """, nameof(Complex_functions));
}
