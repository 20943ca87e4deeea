using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Pipelines;

/// <summary>
/// Every fixture of <c>Numeric/</c> (and the GMM objective) generated twice through the in-memory harness, with every
/// optimisation pass on and with every one off (<c>AutoDiffOptimize=false</c>), both loaded: each companion (Gradient,
/// Vjp, Jvp, Hvp, VjpTangent; static, with scalar, array and span parameters) must give the same numbers at a few points,
/// to 1e-12 relative (1e-5 where it computes in float), and throw the same exception where it throws. The optimisations
/// only reorder floating-point operations, so agreement is to rounding. The unoptimised code, too, compiles without a
/// warning (a user may build with <c>AutoDiffOptimize=false</c> and warnings as errors).
/// </summary>
public sealed class UnoptimizedNumericTests
{
    private const int Length = 5;
    private const double Tolerance = 1e-12;
    private const double FloatTolerance = 1e-5;
    private static readonly string[] Companions = { "Gradient", "Vjp", "Jvp", "Hvp", "VjpTangent" };

    [Test]
    public void Every_numeric_fixture_gives_the_same_numbers_with_optimizations_off() => Compare(HarnessOptions.Unoptimized);

    /// <summary>One optimisation off, the others on (the interleaved ones meet each other's output here); run on demand.</summary>
    [TestCase("factor-adjoints", Explicit = true)]
    [TestCase("fuse-loops", Explicit = true)]
    [TestCase("replay-loops", Explicit = true)]
    [TestCase("recompute", Explicit = true)]
    [TestCase("simplify", Explicit = true)]
    [TestCase("overwrite", Explicit = true)]
    [TestCase("reserve-tapes", Explicit = true)]
    [TestCase("promote-elements", Explicit = true)]
    [TestCase("merge-reads", Explicit = true)]
    [TestCase("fuse-adjoint-loops", Explicit = true)]
    [TestCase("fill-at-use", Explicit = true)]
    [TestCase("merge-pullbacks", Explicit = true)]
    [TestCase("vector-sums", Explicit = true)]
    [TestCase("vector-maps", Explicit = true)]
    public void Every_numeric_fixture_gives_the_same_numbers_with_one_optimization_off(string pass) => Compare(new HarnessOptions(DisabledPasses: pass));

    private static void Compare(HarnessOptions options)
    {
        var sources = FixtureSources();
        var optimized = GeneratorHarness.RunWith(HarnessOptions.Default, sources);
        optimized.AssertNoErrors();
        var plain = GeneratorHarness.RunWith(options, sources);
        plain.AssertNoErrors();
        Assert.That(plain.GeneratedSources.Keys, Is.EqualTo(optimized.GeneratedSources.Keys));
        Assert.That(plain.GeneratedSources.Values, Is.Not.EqualTo(optimized.GeneratedSources.Values), "the switch changes the generated code");

        var warnings = plain.OutputCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true).ToList();
        Assert.That(warnings.Select(GeneratorHarness.Format), Is.Empty, "no warning inside generated code with optimisations off either");
        var (probeSource, probes) = Probes(optimized.OutputCompilation);
        using var on = Load(optimized.OutputCompilation, probeSource);
        using var off = Load(plain.OutputCompilation, probeSource);
        var failures = new List<string>();
        int compared = 0, threw = 0;
        foreach (var (name, method, single) in probes)
        {
            for (int point = 0; point < 3; point++)
            {
                var input = Enumerable.Range(0, 16).Select(i => 0.3 + ((i * 7 + point * 5) % 11) / 10.0).ToArray();
                var (a, ea) = Call(on, name, input);
                var (b, eb) = Call(off, name, input);
                if (ea != null || eb != null)
                {
                    if (ea?.GetType() != eb?.GetType()) failures.Add($"{method} at point {point}: optimised {Describe(ea)}, unoptimised {Describe(eb)}");
                    else threw++;
                    continue;
                }
                compared++;
                if (a!.Length != b!.Length) { failures.Add($"{method}: {a.Length} outputs, unoptimised {b.Length}"); continue; }
                double tolerance = single ? FloatTolerance : Tolerance;
                for (int i = 0; i < a.Length; i++)
                {
                    if (!Same(a[i], b[i], tolerance))
                    {
                        failures.Add($"{method} at point {point}, output {i}: optimised {a[i]:R}, unoptimised {b[i]:R}");
                        break;
                    }
                }
            }
        }
        TestContext.Out.WriteLine($"{probes.Count} companions, {compared} calls compared, {threw} threw in both");
        Assert.That(failures, Is.Empty);
        Assert.That(probes.Count, Is.GreaterThan(300), "companions probed");
        Assert.That(compared, Is.GreaterThan(3 * probes.Count * 3 / 4), "calls that returned (not thrown on the probe's inputs)");
    }

    private static bool Same(double a, double b, double tolerance) =>
        a.Equals(b) || (double.IsNaN(a) && double.IsNaN(b)) || Math.Abs(a - b) <= tolerance * Math.Max(Math.Abs(a), Math.Abs(b));

    private static string Describe(Exception? e) => e == null ? "returned" : "threw " + e.GetType().Name + ": " + e.Message;

    private static (double[]? Outputs, Exception? Error) Call(LoadedAssembly assembly, string probe, double[] input)
    {
        try
        {
            return ((double[])assembly.Invoke("AutoDiffProbe.Probes", probe, new object?[] { input })!, null);
        }
        catch (Exception e) when (e is not AssertionException)
        {
            return (null, e);
        }
    }

    private static string[] FixtureSources([CallerFilePath] string file = "")
    {
        string tests = Path.GetDirectoryName(Path.GetDirectoryName(file))!;
        var paths = Directory.EnumerateFiles(Path.Combine(tests, "Numeric"), "*.cs")
            .Where(p => !p.EndsWith("Tests.cs", StringComparison.Ordinal))
            .Append(Path.Combine(tests, "..", "benchmarks", "AutoDiff.Benchmarks", "Gmm", "Gmm.cs"))
            .Order(StringComparer.Ordinal).ToList();
        Assert.That(paths.Count, Is.GreaterThan(10), "fixture files found");
        return paths.Select(File.ReadAllText).ToArray();
    }

    private static LoadedAssembly Load(Compilation compilation, string probeSource)
    {
        var withProbes = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(probeSource, GeneratorHarness.ParseOptions, path: "Probes.cs", encoding: Encoding.UTF8));
        using var image = new MemoryStream();
        var emitted = withProbes.Emit(image);
        if (!emitted.Success)
            Assert.Fail("The probes do not compile:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(GeneratorHarness.Format).Take(20)));
        image.Position = 0;
        return new LoadedAssembly(image);
    }

    /// <summary>
    /// One static method per companion, <c>double[] ProbeN(double[] input)</c>: it builds each argument from the input (a
    /// scalar, an array or span of <see cref="Length"/> elements, an int 3), calls the companion and returns everything it
    /// produced: the return value, out and ref scalars, and every array and span after the call.
    /// </summary>
    private static (string Source, List<(string Probe, string Method, bool Single)> Probes) Probes(Compilation compilation)
    {
        var text = new StringBuilder("namespace AutoDiffProbe\n{\n    public static class Probes\n    {\n");
        text.Append("        private static double Next(double[] input, ref int k) => input[k++ % input.Length];\n");
        var probes = new List<(string, string, bool)>();
        foreach (var tree in compilation.SyntaxTrees.Where(t => t.FilePath.EndsWith(".g.cs", StringComparison.Ordinal)))
        {
            var semantic = compilation.GetSemanticModel(tree);
            foreach (var syntax in tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
            {
                if (semantic.GetDeclaredSymbol(syntax) is not IMethodSymbol method || !method.IsStatic || method.IsGenericMethod) continue;
                if (!Companions.Any(c => method.Name.EndsWith(c, StringComparison.Ordinal))) continue;
                if (!Accessible(method)) continue;
                if (Probe(method, "Probe" + probes.Count.ToString(CultureInfo.InvariantCulture)) is not (string code, bool single)) continue;
                text.Append(code);
                probes.Add(("Probe" + probes.Count.ToString(CultureInfo.InvariantCulture), method.ContainingType.Name + "." + method.Name, single));
            }
        }
        text.Append("    }\n}\n");
        return (text.ToString(), probes);
    }

    private static bool Accessible(IMethodSymbol method)
    {
        for (ISymbol? s = method; s is not null and not INamespaceSymbol; s = s.ContainingSymbol)
        {
            if (s.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal)) return false;
            if (s is INamedTypeSymbol { IsGenericType: true }) return false;
        }
        return true;
    }

    private static (string Code, bool Single)? Probe(IMethodSymbol method, string name)
    {
        var body = new StringBuilder();
        var arguments = new List<string>();
        var collect = new List<string>();
        bool single = false;
        for (int i = 0; i < method.Parameters.Length; i++)
        {
            var p = method.Parameters[i];
            string local = "a" + i.ToString(CultureInfo.InvariantCulture);
            var (element, sequence, span) = Shape(p.Type);
            if (element == null) return null;
            single |= element == "float";
            if (sequence)
            {
                if (p.RefKind != RefKind.None) return null;
                body.Append($"            var {local} = new {element}[{Length}]; for (int j = 0; j < {Length}; j++) {local}[j] = {Value(element, "j")};\n");
                arguments.Add(span != null ? $"new {span}<{element}>({local})" : local);
                if (element != "int") collect.Add($"foreach (var v in {local}) outputs.Add(v);");
                continue;
            }
            switch (p.RefKind)
            {
                case RefKind.Out:
                    body.Append($"            {element} {local};\n");
                    arguments.Add("out " + local);
                    collect.Add($"outputs.Add({Double(element, local)});");
                    break;
                case RefKind.Ref:
                    body.Append($"            {element} {local} = {Value(element, "-1")};\n");
                    arguments.Add("ref " + local);
                    collect.Add($"outputs.Add({Double(element, local)});");
                    break;
                case RefKind.None:
                case RefKind.In:
                    body.Append($"            {element} {local} = {Value(element, "-1")};\n");
                    arguments.Add(local);
                    break;
                default:
                    return null;
            }
        }
        string target = method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + method.Name;
        string call = target + "(" + string.Join(", ", arguments) + ")";
        var code = new StringBuilder();
        code.Append($"        public static double[] {name}(double[] input)\n        {{\n            int k = 0;\n            var outputs = new global::System.Collections.Generic.List<double>();\n");
        code.Append(body);
        if (method.ReturnsVoid) code.Append($"            {call};\n");
        else
        {
            var (returned, _, _) = Shape(method.ReturnType);
            if (returned == null) return null;
            code.Append($"            var r = {call};\n            outputs.Add({Double(returned, "r")});\n");
        }
        foreach (var line in collect) code.Append("            ").Append(line).Append('\n');
        code.Append("            return outputs.ToArray();\n        }\n");
        return (code.ToString(), single);
    }

    private static string Value(string element, string index) => element switch
    {
        "int" => index == "-1" ? "3" : "(" + index + " % 3)",
        "long" => "3L",
        "bool" => "true",
        "float" => "(float)Next(input, ref k)",
        _ => "Next(input, ref k)",
    };

    private static string Double(string element, string value) => element == "bool" ? "(" + value + " ? 1.0 : 0.0)" : "(double)" + value;

    /// <summary>A parameter's element type, whether it is a sequence, and the span type wrapping an array for it; null element when the probe cannot build it.</summary>
    private static (string? Element, bool Sequence, string? Span) Shape(ITypeSymbol type)
    {
        static string? Scalar(ITypeSymbol t) => t.SpecialType switch
        {
            SpecialType.System_Double => "double",
            SpecialType.System_Single => "float",
            SpecialType.System_Int32 => "int",
            SpecialType.System_Int64 => "long",
            SpecialType.System_Boolean => "bool",
            _ => null,
        };
        if (Scalar(type) is string scalar) return (scalar, false, null);
        if (type is IArrayTypeSymbol { Rank: 1 } array && Scalar(array.ElementType) is string e && e != "bool" && e != "long") return (e, true, null);
        if (type is INamedTypeSymbol { IsGenericType: true } named && named.ContainingNamespace.ToDisplayString() == "System"
            && (named.Name == "Span" || named.Name == "ReadOnlySpan") && Scalar(named.TypeArguments[0]) is string s && s != "bool" && s != "long")
            return (s, true, "global::System." + named.Name);
        return (null, false, null);
    }
}
