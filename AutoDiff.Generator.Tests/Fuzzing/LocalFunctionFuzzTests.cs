using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Fuzzing;

/// <summary>
/// The scalar fuzzer's programs with their bodies moved into a local function or a lambda (issue 15, item 10): a static
/// local function taking the parameters, a capturing local function that reads and assigns the method's parameters, or a
/// block lambda in a <c>Func&lt;double&gt;</c> local, called once. Their returns from inside loops and branches, loops,
/// switches and calls with effects all run inside the function lowered in place; every companion is checked as for the
/// scalar fuzzer (primal bit for bit, finite differences, reverse against forward, H·v, the helper's calls).
/// <c>AUTODIFF_FUZZ_LOCAL_PROGRAMS</c> sets the number (default 150 in CI, else 30).
/// </summary>
public sealed class LocalFunctionFuzzTests
{
    public static int ProgramCount => int.TryParse(Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_LOCAL_PROGRAMS"), out int n) ? n : Infrastructure.TestScale.Pick(30, 150);

    [Test]
    public void Programs_in_local_functions_and_lambdas_have_correct_derivatives()
    {
        int seed = FuzzTests.Seed + 7;
        var programs = Enumerable.Range(0, ProgramCount).Select(i => Wrap(ProgramGenerator.Generate(seed, i, FuzzTests.Grammar))).ToList();
        FuzzTests.Run(programs, "LocalBatch", p => FuzzRunner.PointsFor(seed, p), "AUTODIFF_FUZZ_LOCAL_ONLY");
    }

    [Test]
    public void Each_form_is_generated()
    {
        var sources = Enumerable.Range(0, 3).Select(i => Wrap(ProgramGenerator.Generate(FuzzTests.Seed, i, FuzzTests.Grammar)).Source).ToList();
        Assert.That(sources[0], Does.Contain("static double Body("));
        Assert.That(sources[1], Does.Contain("double Body()"));
        Assert.That(sources[2], Does.Contain("Func<double> body = () =>"));
    }

    /// <summary>The program with its body in a local function or lambda, by its index.</summary>
    internal static FuzzProgram Wrap(FuzzProgram program)
    {
        const string Prefix = "class C\n{\n";
        var root = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(Prefix + program.Source + "\n}").GetRoot();
        var method = root.DescendantNodes().OfType<MethodDeclarationSyntax>().First(m => m.Identifier.Text == program.Name);
        string body = method.Body != null
            ? string.Concat(method.Body.Statements.Select(s => s.ToFullString()))
            : "return " + method.ExpressionBody!.Expression + ";\n";
        string parameters = method.ParameterList.ToString();
        string arguments = string.Join(", ", program.Parameters.Select(p => p.Name));
        string wrapped = (program.Index % 3) switch
        {
            0 => "{\n    return Body(" + arguments + ");\n    static double Body" + parameters + "\n    {\n" + body + "    }\n}",
            1 => "{\n    double Body()\n    {\n" + body + "    }\n    return Body();\n}",
            _ => "{\n    Func<double> body = () =>\n    {\n" + body + "    };\n    return body();\n}",
        };
        // The body replaced, from the end of the parameter list to the end of the method (an expression body's ';' included).
        int from = method.ParameterList.Span.End - Prefix.Length;
        int to = method.Span.End - Prefix.Length;
        string source = program.Source.Substring(0, from) + "\n" + wrapped + program.Source.Substring(to);
        return new FuzzProgram(program.Index, program.Name, program.Parameters, source);
    }
}
