using System;
using System.Diagnostics;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Defects;

/// <summary>
/// The cost of the generator run alone over long straight-line code (issue 13, "Scale"): the bytes it allocates, which are
/// deterministic, are bounded here; its time, which depends on the machine and its load, is only printed (DEVELOPERS.md,
/// "Generation time", and the explicit measurement below).
/// </summary>
public class GenerationScaleTests
{
    /// <summary>
    /// One local reassigned 2,000 times (<c>t = t * 0.999 + Math.Sin(y * t) * k;</c>): the generator run allocated 867 MB,
    /// the largest part the builders' value-numbering dictionaries, and spent about 40 % of its time collecting; then
    /// 508 MB, a third of it arrays on the large object heap (each collection of which walks the whole heap); then 450 MB,
    /// a quarter of it the emitter's expression strings (one per level of each expression) and the list of every use
    /// <c>FunctionInfo</c> sorted. It allocates about 245 MB now; the bound is about one and a half times that, so that
    /// allocation growing faster than the body (a quadratic map or list per instruction) or a large part of it coming back
    /// fails here, while the IR may still change shape.
    /// </summary>
    [Test]
    public void Two_thousand_reassignments_allocate_less_than_the_bound()
    {
        var compilation = Ready(LoweringDefectTests.Reassign(2000));
        Generate(Ready(LoweringDefectTests.Reassign(10)));
        var (bytes, output) = Generate(compilation);
        TestContext.Out.WriteLine($"2,000 reassignments: {bytes / 1e6:0.0} MB allocated, {output / 1e6:0.00} M characters of output");
        Assert.That(output, Is.GreaterThan(1_000_000), "the companions were generated");
        Assert.That(bytes, Is.LessThan(BoundBytes), "bytes allocated by one generator run");
    }

    /// <summary>About one and a half times what the 2,000 reassignments allocate (DEVELOPERS.md, "Generation time").</summary>
    private const long BoundBytes = 360_000_000;

    /// <summary>
    /// The table in DEVELOPERS.md, "Generation time": the generator run alone over a ready compilation, warm, best of 3, for
    /// sums and reassignments of 1,000, 2,000 and 4,000 terms or lines. Explicit: it takes minutes and measures the machine.
    /// </summary>
    [Test, Explicit("a measurement, not a test: run it by name")]
    public void Measure_generation_time()
    {
        foreach (var (what, source) in new (string, Func<int, string>)[] { ("sum", LoweringDefectTests.Sum), ("reassign", LoweringDefectTests.Reassign) })
        {
            Generate(Ready(source(10)));
            foreach (int n in new[] { 1000, 2000, 4000 })
            {
                var compilation = Ready(source(n));
                double best = double.MaxValue, bestProcessor = double.MaxValue;
                long bytes = 0, output = 0;
                int collections = 0;
                for (int run = 0; run < 3; run++)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    int before = GC.CollectionCount(0);
                    var processor = Process.GetCurrentProcess().TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    (bytes, output) = Generate(compilation);
                    best = Math.Min(best, clock.Elapsed.TotalSeconds);
                    bestProcessor = Math.Min(bestProcessor, (Process.GetCurrentProcess().TotalProcessorTime - processor).TotalSeconds);
                    collections = GC.CollectionCount(0) - before;
                }
                TestContext.Out.WriteLine($"{what} {n}: {best:0.00} s ({bestProcessor:0.00} s of processor time), {bytes / 1e6:0} MB, {collections} collections, output {output / 1e6:0.00} M characters");
            }
        }
    }

    /// <summary>
    /// Where the 2,000 reassignments' generator run goes (DEVELOPERS.md, "Generation time"): the stages of
    /// <c>Companions.BuildEach</c> and each companion's writing, timed and their bytes counted one by one (best of 5);
    /// the frontend is the rest of the run. Explicit: a measurement of the machine.
    /// </summary>
    [Test, Explicit("a measurement, not a test: run it by name")]
    public void Measure_generation_stages()
    {
        foreach (var (what, source) in new (string, Func<int, string>)[] { ("sum", LoweringDefectTests.Sum), ("reassign", LoweringDefectTests.Reassign) })
        {
            var compilation = Ready(source(2000));
            Generate(Ready(source(10)));
            var model = Stages.StageIr.Models(GeneratorHarness.Run(compilation, new HarnessOptions(VerifyIr: false))).Single();
            var stages = new System.Collections.Generic.Dictionary<string, (double Seconds, long Bytes)>();
            var order = new System.Collections.Generic.List<string>();
            void Stage(string name, double seconds, long bytes)
            {
                if (!stages.TryGetValue(name, out var known)) order.Add(name);
                else if (known.Seconds <= seconds) return;
                stages[name] = (seconds, bytes);
            }
            for (int run = 0; run < 5; run++)
            {
                GC.Collect();
                double pause = GC.GetTotalPauseDuration().TotalSeconds;
                var clock = Stopwatch.StartNew();
                var (bytes, _) = Generate(compilation);
                Stage("generator run", clock.Elapsed.TotalSeconds, bytes);
                Stage("  of which GC pauses", GC.GetTotalPauseDuration().TotalSeconds - pause, 0);
                var options = Transforms.PassOptions.Default;
                var writer = new Emit.SourceWriter();
                long mark = GC.GetAllocatedBytesForCurrentThread();
                clock.Restart();
                double total = 0;
                long totalBytes = 0;
                Emit.Companions.BuildEach(model, options, default, (kind, function, written) =>
                {
                    Stage("build until " + kind, clock.Elapsed.TotalSeconds, GC.GetAllocatedBytesForCurrentThread() - mark);
                    total += clock.Elapsed.TotalSeconds;
                    totalBytes += GC.GetAllocatedBytesForCurrentThread() - mark;
                    mark = GC.GetAllocatedBytesForCurrentThread();
                    clock.Restart();
                    var part = writer.Part();
                    switch (kind)
                    {
                        case Emit.CompanionKind.Hvp: Emit.SecondOrderCompanions.WriteHvp(part, model, function, written, default); break;
                        case Emit.CompanionKind.VjpTangent: Emit.SecondOrderCompanions.WriteVjpTangent(part, model, function, default); break;
                        default:
                            var method = typeof(Emit.CompanionEmitter).GetMethod("Write" + kind, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
                            method.Invoke(null, kind == Emit.CompanionKind.Gradient ? new object?[] { part, model, function, written, default(System.Threading.CancellationToken) } : new object?[] { part, model, function, default(System.Threading.CancellationToken) });
                            break;
                    }
                    Stage("write " + kind, clock.Elapsed.TotalSeconds, GC.GetAllocatedBytesForCurrentThread() - mark);
                    total += clock.Elapsed.TotalSeconds;
                    totalBytes += GC.GetAllocatedBytesForCurrentThread() - mark;
                    mark = GC.GetAllocatedBytesForCurrentThread();
                    clock.Restart();
                });
                Stage("build and write, all", total, totalBytes);
            }
            TestContext.Out.WriteLine($"{what} 2000, best of 5 per stage:");
            foreach (var name in order) TestContext.Out.WriteLine($"  {name,-26} {stages[name].Seconds * 1000,7:0} ms {stages[name].Bytes / 1e6,7:0.0} MB");
        }
    }

    /// <summary>A compilation of <paramref name="source"/> with its declarations bound, so that the generator run does not pay for that.</summary>
    private static CSharpCompilation Ready(string source)
    {
        var compilation = GeneratorHarness.Compile(source);
        compilation.GetDeclarationDiagnostics();
        return compilation;
    }

    /// <summary>Runs the generator once with a fresh driver; the bytes allocated on this thread and the characters generated.</summary>
    private static (long Bytes, long Output) Generate(CSharpCompilation compilation)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new DifferentiableGenerator().AsSourceGenerator() }, parseOptions: GeneratorHarness.ParseOptions);
        long before = GC.GetAllocatedBytesForCurrentThread();
        driver = driver.RunGenerators(compilation);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        var result = driver.GetRunResult();
        Assert.That(result.Results.Select(r => r.Exception), Has.All.Null, "generator exception");
        Assert.That(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error), Is.Empty, "generator errors");
        return (bytes, result.Results.SelectMany(r => r.GeneratedSources).Sum(s => (long)s.SourceText.Length));
    }
}
