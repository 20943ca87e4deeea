using System;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.ValueTypes;

/// <summary>ADIFF018: a struct AutoDiff cannot take apart says why, at the parameter, the return type or the use; the nearest valid source gets companions.</summary>
public sealed class StructDiagnosticTests
{
    private const DiagnosticSeverity Error = DiagnosticSeverity.Error;

    [Test]
    public void Struct_parameter_with_a_private_field_of_another_type_is_ADIFF018_at_the_parameter()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public readonly struct Pair
                {
                    private readonly double _a;
                    public Pair(double a) => _a = a;
                    public double A => _a;
                }

                public static partial class Fns
                {
                    [Differentiable]
                    public static double Twice([|Pair p|]) => 2 * p.A;
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF018", Error, "'Demo.Pair'", "the field 'Demo.Pair._a' cannot be read from 'Fns'", "make it public or internal"));
        c.AssertNothingGenerated();
    }

    [Test]
    public void Struct_local_with_a_decimal_field_is_ADIFF018_at_the_declaration()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public struct Money
                {
                    public double Rate;
                    public decimal Amount;
                }

                public static partial class Fns
                {
                    [Differentiable]
                    public static double F(double x)
                    {
                        Money [|m = new Money { Rate = x }|];
                        return m.Rate * x;
                    }
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF018", Error, "'Demo.Money'", "'Amount' is a 'decimal'", "use double or float"));
        c.AssertNothingGenerated();
    }

    [Test]
    public void Struct_result_that_cannot_be_rebuilt_is_ADIFF018_at_the_return_type()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public readonly struct Box
                {
                    public readonly double Width;
                    public Box(double size) => Width = size;
                }

                public static partial class Fns
                {
                    [Differentiable]
                    public static [|Box|] Grow(double x) => new Box(x * 2);
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF018", Error, "'Demo.Box'", "constructor whose parameters have the fields' names"));
        c.AssertNothingGenerated();
    }

    [Test]
    public void Nearest_valid_struct_gets_companions_and_no_diagnostic()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public readonly struct Box
                {
                    public readonly double Width;
                    public Box(double width) => Width = width;
                }

                public static partial class Fns
                {
                    [Differentiable]
                    public static Box Grow(double x) => new Box(x * 2);

                    [Differentiable]
                    public static double Twice(Box b) => 2 * b.Width;
                }
            """));
        c.AssertAnalyzer();
        c.AssertGeneratorClean();
        c.Run.AssertNoErrors();
        Assert.That(c.Run.Generated("Demo.Fns.Grow.g.cs"), Does.Contain("GrowJvp(double x, double xDot, out global::Demo.Box tangent)"));
        Assert.That(c.Run.Generated("Demo.Fns.Twice.g.cs"), Does.Contain("TwiceGradient(global::Demo.Box b, out global::Demo.Box db)"));
    }

    [Test]
    public void Writing_a_field_of_this_in_a_struct_method_is_ADIFF006()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public partial struct Counter
                {
                    public double Total;

                    [Differentiable]
                    public double Add(double x)
                    {
                        [|Total = Total + x|];
                        return Total;
                    }
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF006", Error, "Counter.Total"));
    }

    [Test]
    public void Operator_that_is_not_Differentiable_is_ADIFF004_saying_what_to_do()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public struct V
                {
                    public double X;
                    public static V operator +(V a, V b) => new V { X = a.X + b.X };
                }

                public static partial class Fns
                {
                    [Differentiable]
                    public static double F(V a, V b) => ([|a + b|]).X;
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF004", Error, "the user-defined operator 'op_Addition', which is not [Differentiable]", "mark it [Differentiable]"));
    }

    [Test]
    public void System_Numerics_types_without_rows_stay_data()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public static partial class Fns
                {
                    [Differentiable]
                    public static double F(double x, [|System.Numerics.Quaternion v|]) => x * v.X;
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF016", DiagnosticSeverity.Warning, "'v'"));
    }

    [TestCase("Pair")]
    [TestCase("Outer")]
    [TestCase("(double, double)")]
    public void Struct_and_tuple_parameters_are_differentiated_not_data(string type)
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source($$"""
                public struct Pair { public double A; public double B; }
                public struct Outer { public Pair Inner; public int N; }
                public static partial class Fns
                {
                    [Differentiable] public static double F(double x, {{type}} p) => x * x;
                }
            """));
        c.AssertAnalyzer();
        c.AssertGeneratorClean();
        c.Run.AssertNoErrors();
        Assert.That(c.Run.Generated("Demo.Fns.F.g.cs"), Does.Contain("out " + (type == "(double, double)" ? "(double, double)" : "global::Demo." + type) + " dp"));
    }

    [Test]
    public void Struct_parameter_of_a_vector_valued_method_is_ADIFF003()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public struct Pair { public double A; public double B; }
                public static partial class Fns
                {
                    [Differentiable] public static void F([|Pair p|], Span<double> y) { y[0] = p.A; }
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF003", Error, "'p'", "vector-valued"));
    }
}
