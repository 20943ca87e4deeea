using System;
using System.IO;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

[Explicit]
public class ScratchProbe
{
    [Test]
    public void Probe()
    {
        string members = File.ReadAllText("/tmp/h15probe.cs");
        string source = "using System;\nusing AutoDiff;\nnamespace Demo\n{\n    public static partial class Fns\n    {\n" + members + "\n    }\n}\n";
        var run = GeneratorHarness.Run(source);
        var sb = new System.Text.StringBuilder();
        foreach (var d in run.AnalyzerDiagnostics()) sb.AppendLine(GeneratorHarness.Format(d));
        foreach (var d in run.GeneratorDiagnostics) sb.AppendLine(GeneratorHarness.Format(d));
        foreach (var d in run.CompilationErrors) sb.AppendLine("COMPILE: " + GeneratorHarness.Format(d));
        foreach (var e in run.GeneratorExceptions) sb.AppendLine("EXC: " + e);
        foreach (var kv in run.GeneratedSources.OrderBy(k => k.Key)) sb.AppendLine("=== " + kv.Key + "\n" + kv.Value);
        File.WriteAllText("/tmp/h15probe.out", sb.ToString());
    }
}
