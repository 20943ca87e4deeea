using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Rules;

/// <summary>
/// [DerivativeOf] rules for functions with span outputs (<c>void F(ReadOnlySpan&lt;double&gt; x, Span&lt;double&gt; y)</c>) are
/// designed (README, "Custom derivatives of array functions") but not built: ADIFF013 says so at the rule, naming the outputs
/// and what to do instead, whatever shape the rule has.
/// </summary>
public class SpanOutputRuleTests
{
    private const string Target = """
        public static class Lib
        {
            public static void Softmax(ReadOnlySpan<double> x, Span<double> y) { for (int i = 0; i < x.Length; i++) y[i] = x[i]; }
        }
        """;

    private static DiagnosticCase Rules(string rules) => DiagnosticCase.For(DiagnosticCase.Source(Target + "public static class LibRules\n{\n" + rules + "\n}\n"));

    [TestCase("public static void [|SoftmaxVjp|](ReadOnlySpan<double> x, Span<double> y, Span<double> yAdj, Span<double> xAdj) { }")]
    [TestCase("public static void [|SoftmaxJvp|](ReadOnlySpan<double> x, Span<double> y, ReadOnlySpan<double> xDot, Span<double> yDot) { }")]
    [TestCase("public static double [|SoftmaxDerivative|](ReadOnlySpan<double> x, Span<double> y) => 0;")]
    public void ADIFF013_for_a_rule_of_a_function_with_span_outputs_says_they_are_not_supported_yet(string rule)
    {
        var c = Rules("[DerivativeOf(typeof(Lib), nameof(Lib.Softmax))] " + rule);
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF013", DiagnosticSeverity.Error, "span outputs ('y')", "not supported yet", "[Differentiable] vector-valued method"));
    }
}
