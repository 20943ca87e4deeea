using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using AutoDiff.Generator.Tests.Fuzzing;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Checkpointing;

/// <summary>
/// Random programs of <see cref="ProgramGenerator"/> (loops, nested loops, branches, early exits, calls), each compiled
/// as it is and again with <c>[Differentiable(Checkpoints = 2)]</c> (every-k or binomial) on every method: the checkpointed Gradient must
/// return the same value and the same gradient (to rounding) at random points and trip counts, or throw the same
/// exception. Programs whose outermost loop cannot be checkpointed get ADIFF022 and must still agree.
/// </summary>
public sealed class CheckpointFuzzTests
{
    private const int Seed = 20261203;

    [Test]
    public void Checkpointed_programs_agree_with_unchecked_ones()
    {
        int count = TestScale.Pick(40, 150);
        // Half the full grammar, half with counting loops only (no while, break, early return or effects in conditions),
        // which checkpointing applies to more often; every-k and binomial by turns.
        var counting = FuzzGrammar.Full with
        {
            IncludeWhileLoops = false, IncludeDoWhileLoops = false, IncludeBreak = false, IncludeEarlyReturnInLoops = false,
            IncludeLoopsExitedByBreakOnly = false, IncludeDoubleConditionInLoop = false, IncludePlainCalls = false, IncludeConditionsWithEffects = false,
        };
        var programs = Enumerable.Range(0, count).Select(i => ProgramGenerator.Generate(Seed, i, i % 2 == 0 ? FuzzGrammar.Full : counting)).ToList();
        var methods = new List<string>();
        foreach (var p in programs)
        {
            string policy = p.Index % 4 < 2 ? "" : ", CheckpointPolicy = CheckpointPolicy.Binomial";
            methods.Add(p.Source);
            methods.Add(p.Source.Replace(p.Name, p.Name + "C").Replace("[Differentiable]", "[Differentiable(Checkpoints = 2" + policy + ", SecondOrder = false)]"));
            if (p.Index % 2 == 1)
            {
                // The program called from a counting loop that carries its inputs: a loop checkpointing always applies to.
                methods.Add(Wrapper(p, "W", "[Differentiable(SecondOrder = false)]"));
                methods.Add(Wrapper(p, "WC", "[Differentiable(Checkpoints = 2" + policy + ", SecondOrder = false)]"));
                // The same with the inputs carried in an array the loop writes, which the snapshots keep.
                methods.Add(Wrapper(p, "A", "[Differentiable(SecondOrder = false)]", inArray: true));
                methods.Add(Wrapper(p, "AC", "[Differentiable(Checkpoints = 2" + policy + ", SecondOrder = false)]", inArray: true));
            }
        }
        var run = GeneratorHarness.Run(ProgramGenerator.File("Single", methods));
        run.AssertNoErrors();
        using var loaded = run.Load();
        var random = new Random(Seed);
        void Reset() => loaded.Invoke("Fuzz.Plain", "Reset", Array.Empty<object?>());
        int compared = 0;
        int everyK = run.GeneratedSources.Values.Count(s => s.Contains("segmentSteps")), binomial = run.GeneratedSources.Values.Count(s => s.Contains("Revolve.Move("));
        int binomialArrays = run.GeneratedSources.Values.Count(s => s.Contains("Revolve.Move(") && s.Contains(".PopAll("));
        TestContext.Out.WriteLine($"{count} programs: {everyK} files checkpointed every k, {binomial} binomially ({binomialArrays} keeping an array)");
        var pairs = programs.Select(p => (p, "", "C")).Concat(programs.Where(p => p.Index % 2 == 1).SelectMany(p => new[] { (p, "W", "WC"), (p, "A", "AC") }));
        foreach (var (p, plainSuffix, ckptSuffix) in pairs)
        {
            MethodInfo plain = loaded.Method("Fuzz.Single", p.Name + plainSuffix + "Gradient"), ckpt = loaded.Method("Fuzz.Single", p.Name + ckptSuffix + "Gradient");
            foreach (int n in new[] { 0, 1, 2, 3, 5, 6 })
            {
                var args = p.Parameters.Select(q => q.IsInt ? (object)n : random.NextDouble() * 1.6 - 0.8).ToList();
                var a = args.Concat(Enumerable.Repeat<object?>(null, p.ActiveCount)).ToArray();
                var b = args.Concat(Enumerable.Repeat<object?>(null, p.ActiveCount)).ToArray();
                object? va, vb;
                // Plain.Next(k) draws from a sequence: both start from its beginning.
                Reset();
                try { va = plain.Invoke(null, BindingFlags.DoNotWrapExceptions, null, a, null); }
                catch (Exception e)
                {
                    Reset();
                    var thrown = Assert.Catch(() => ckpt.Invoke(null, BindingFlags.DoNotWrapExceptions, null, b, null));
                    Assert.That(thrown!.GetType(), Is.EqualTo(e.GetType()), $"{p.Name} n = {n}: the same exception\n{p.Source}");
                    continue;
                }
                Reset();
                vb = ckpt.Invoke(null, BindingFlags.DoNotWrapExceptions, null, b, null);
                Assert.That(BitConverter.DoubleToInt64Bits((double)vb!), Is.EqualTo(BitConverter.DoubleToInt64Bits((double)va!)), $"{p.Name} n = {n}: the value, bit for bit\n{p.Source}");
                for (int k = args.Count; k < a.Length; k++)
                {
                    double x = (double)a[k]!, y = (double)b[k]!;
                    if (double.IsNaN(x)) { Assert.That(y, Is.NaN); continue; }
                    Assert.That(y, Is.EqualTo(x).Within(1e-12 * Math.Max(1, Math.Abs(x))), $"{p.Name} n = {n}: derivative {k - args.Count}\n{p.Source}");
                }
                compared++;
            }
        }
        Assert.That(compared, Is.GreaterThan(count * 3), "points compared");
        Assert.That(everyK, Is.GreaterThanOrEqualTo(count / 5), "files checkpointed every k iterations");
        Assert.That(binomial, Is.GreaterThanOrEqualTo(count / 5), "files checkpointed binomially");
        Assert.That(binomialArrays, Is.GreaterThanOrEqualTo(count / 10), "files checkpointed binomially with an array in the snapshots");
    }

    private static string Wrapper(FuzzProgram p, string suffix, string attribute, bool inArray = false)
    {
        var doubles = p.Parameters.Where(q => !q.IsInt).Select(q => q.Name).ToList();
        string? n = p.Parameters.FirstOrDefault(q => q.IsInt)?.Name;
        string signature = string.Join(", ", p.Parameters.Select(q => (q.IsInt ? "int " : "double ") + q.Name));
        // inArray: the doubles live in u, a local array the loop writes (u[k] for the k-th).
        string Name(string d) => inArray ? "u[" + doubles.IndexOf(d) + "]" : d;
        string call = p.Name + "(" + string.Join(", ", p.Parameters.Select(q => q.IsInt ? q.Name : Name(q.Name))) + ")";
        var update = doubles.Select((d, i) => $"                {Name(d)} = {Name(d)} * 0.9 + 0.1 * Math.Sin(v + {i} * t);");
        string array = inArray ? "var u = new double[] { " + string.Join(", ", doubles) + " };" : "";
        return $$"""
                    {{attribute}}
                    public static double {{p.Name}}{{suffix}}({{signature}})
                    {
                        {{array}}
                        for (int t = 0; t < {{(n != null ? n + " + 1" : "3")}}; t++)
                        {
                            double v = {{call}};
            {{string.Join("\n", update)}}
                        }
                        return {{(doubles.Count == 0 ? "0.0" : string.Join(" + ", doubles.Select(Name)))}};
                    }
            """;
    }
}
