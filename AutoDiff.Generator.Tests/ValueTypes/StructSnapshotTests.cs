using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.ValueTypes;

/// <summary>The code generated for structs and tuples: leaf by leaf, readable (<c>pAdj.X += …</c>), no allocation.</summary>
public sealed class StructSnapshotTests
{
    private const string Types = """
        public partial struct P
        {
            public double X;
            public double Y;
            public P(double x, double y) { X = x; Y = y; }

            [Differentiable]
            public static P operator -(P a, P b) => new P(a.X - b.X, a.Y - b.Y);
        }

        public readonly record struct Body(double Mass, P Position, string Name);
        """;

    private static void Verify(string members, string test)
    {
        string source = "using System;\nusing AutoDiff;\nnamespace Demo\n{\n" + Types + "\n    public static partial class Fns\n    {\n" + members + "\n    }\n}\n";
        var run = GeneratorHarness.Run(source);
        run.AssertNoErrors();
        Snapshot.VerifyGenerated(run, test);
    }

    [Test]
    public void Struct_parameter() => Verify("""
        [Differentiable]
        public static double Distance(P a, P b)
        {
            var d = a - b;
            return Math.Sqrt(d.X * d.X + d.Y * d.Y);
        }
        """, nameof(Struct_parameter));

    [Test]
    public void Readonly_record_struct_with_a_pass_through_field() => Verify("""
        [Differentiable]
        public static double Energy(Body body, double g) => body.Mass * g * body.Position.Y;
        """, nameof(Readonly_record_struct_with_a_pass_through_field));

    [Test]
    public void Tuple_result_and_swap() => Verify("""
        [Differentiable]
        public static (double, double) Step(double a, double b)
        {
            (a, b) = (b, a + b);
            var (s, c) = (Math.Sin(a), Math.Cos(b));
            return (s * c, a);
        }
        """, nameof(Tuple_result_and_swap));
}
