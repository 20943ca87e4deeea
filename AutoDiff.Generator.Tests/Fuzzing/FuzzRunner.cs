using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Generator.Tests.Fuzzing;

/// <summary>A point: the doubles in parameter order and <c>n</c>.</summary>
public sealed record FuzzPoint(double[] X, int N)
{
    /// <summary>For array programs: <see cref="X"/> holds the elements of <c>x</c> and then <c>y</c>, and this the <c>[NoDerivative]</c> data.</summary>
    public double[]? Data { get; init; }

    public bool IsArray { get; init; }

    private static string List(IEnumerable<double> values) => "[" + string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";

    public override string ToString() => IsArray
        ? "x = " + List(X.Take(X.Length - 1)) + ", y = " + X[^1].ToString("R", CultureInfo.InvariantCulture) + ", n = " + N.ToString(CultureInfo.InvariantCulture)
            + (Data != null ? ", data = " + List(Data) : "")
        : "x = " + List(X) + ", n = " + N.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One way a program went wrong.</summary>
public sealed record FuzzFailure(FuzzProgram Program, string Kind, string Details, FuzzPoint? Point, string? Generated)
{
    public string Describe(bool withGenerated = true)
    {
        var text = new StringBuilder();
        text.Append("---- ").Append(Kind).Append(": program #").Append(Program.Index.ToString(CultureInfo.InvariantCulture))
            .Append(" (").Append(Program.Name).Append(")\n");
        if (Point != null) text.Append("point: ").Append(Point).Append('\n');
        text.Append(Details.TrimEnd()).Append('\n');
        text.Append("program:\n").Append(Program.Source);
        if (withGenerated && Generated != null) text.Append("generated:\n").Append(Generated);
        return text.ToString();
    }
}

/// <summary>What a fuzz run did, for the summary line and the skip-rate limit.</summary>
public sealed class FuzzStats
{
    private int _programs, _compilations, _points, _fdChecks, _skippedPoints, _nonFinitePoints;

    public int Programs => _programs;
    public int Compilations => _compilations;
    public int Points => _points;
    public int FdChecks => _fdChecks;
    /// <summary>Points where the finite differences with h and h/2 disagreed (a kink nearby), or the value was not finite.</summary>
    public int SkippedPoints => _skippedPoints;
    public int NonFinitePoints => _nonFinitePoints;

    private long _generatorTicks, _emitTicks, _analyzerTicks, _checkTicks;

    /// <summary>Where the time went, summed over threads.</summary>
    public string Timing =>
        $"generator {Seconds(_generatorTicks):F1} s, emit {Seconds(_emitTicks):F1} s, analyzer {Seconds(_analyzerTicks):F1} s, checks {Seconds(_checkTicks):F1} s";

    private static double Seconds(long ticks) => (double)ticks / System.Diagnostics.Stopwatch.Frequency;

    internal void AddTime(string phase, long ticks)
    {
        switch (phase)
        {
            case "generator": Interlocked.Add(ref _generatorTicks, ticks); break;
            case "emit": Interlocked.Add(ref _emitTicks, ticks); break;
            case "analyzer": Interlocked.Add(ref _analyzerTicks, ticks); break;
            default: Interlocked.Add(ref _checkTicks, ticks); break;
        }
    }

    internal void AddProgram() => Interlocked.Increment(ref _programs);
    internal void AddCompilation() => Interlocked.Increment(ref _compilations);
    internal void AddPoint() => Interlocked.Increment(ref _points);
    internal void AddFdCheck() => Interlocked.Increment(ref _fdChecks);
    internal void AddSkip() => Interlocked.Increment(ref _skippedPoints);
    internal void AddNonFinite() => Interlocked.Increment(ref _nonFinitePoints);
}

/// <summary>
/// Compiles batches of <see cref="FuzzProgram"/>s with <see cref="GeneratorHarness"/> and checks every
/// companion numerically: Gradient against central finite differences, Jvp along each basis vector
/// against the gradient, Vjp with a seed and preloaded adjoints, and the primal value of each companion.
/// </summary>
public static class FuzzRunner
{
    public const int PointsPerProgram = 2;
    public const double FdTolerance = 1e-5;
    public const double FdConsistency = 1e-4;
    public const double ModeTolerance = 1e-9;
    /// <summary>Hvp against central differences of the gradient (which carry h² truncation and the gradient's rounding / h).</summary>
    public const double HessianTolerance = 1e-4;
    public const double VjpSeed = 0.75;
    public const double VjpPreload = 0.25;
    private static readonly TimeSpan ProgramTimeout = TimeSpan.FromSeconds(20);

    /// <summary>A generated file of a program's method or of one of its helpers (<c>….P0007H0.g.cs</c>); group 1 is the program.</summary>
    private static readonly Regex GeneratedFileMethod = new(@"\.(P\d+)(?:[A-Z]\d+)?\.g\.cs$", RegexOptions.CultureInvariant);

    /// <summary>The program a method belongs to: <c>P0007H0</c> → <c>P0007</c>.</summary>
    private static readonly Regex ProgramOfMethod = new(@"^(P\d+)(?:[A-Z]\d+)?(?:Gradient|Vjp|Jvp|Hvp)?$", RegexOptions.CultureInvariant);

    /// <summary>
    /// The largest <c>n</c> of a point: 6, or <c>AUTODIFF_FUZZ_MAX_N</c> to stress long loops and tape
    /// growth (values then grow beyond what the grammar keeps smooth, so more points are skipped).
    /// </summary>
    public static int MaxN { get; } = int.TryParse(Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_MAX_N"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : 6;

    /// <summary>The test points of a program: reproducible from the seed and the program index.</summary>
    public static IReadOnlyList<FuzzPoint> PointsFor(int seed, FuzzProgram program)
    {
        var rng = new Random(unchecked(seed * 31 + program.Index * 104_729 + 5));
        var points = new List<FuzzPoint>();
        for (int i = 0; i < PointsPerProgram; i++)
        {
            var x = new double[program.ActiveCount];
            for (int k = 0; k < x.Length; k++) x[k] = Math.Round(-1.5 + 3 * rng.NextDouble(), 4);
            points.Add(new FuzzPoint(x, rng.Next(0, MaxN + 1)));
        }
        return points;
    }

    /// <summary>
    /// Compiles <paramref name="programs"/> as one class and checks each at its points. A program the
    /// generator rejects or miscompiles is reported and dropped and the rest are compiled again; a
    /// generator exception is narrowed down by compiling the programs one by one.
    /// </summary>
    public static void RunBatch(IReadOnlyList<FuzzProgram> programs, string className, Func<FuzzProgram, IReadOnlyList<FuzzPoint>> points,
        ConcurrentQueue<FuzzFailure> failures, FuzzStats stats, bool runAnalyzer = true, HarnessOptions? options = null)
    {
        var remaining = programs.ToList();
        while (remaining.Count > 0)
        {
            string source = ProgramGenerator.File(className, remaining.Select(p => p.Source + p.Harness), remaining.Select(p => p.Types));
            var byName = remaining.ToDictionary(p => p.Name);
            stats.AddCompilation();
            GeneratorRun run;
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                run = GeneratorHarness.RunWith(options ?? HarnessOptions.Default, source);
                stats.AddTime("generator", System.Diagnostics.Stopwatch.GetTimestamp() - start);
            }
            catch (Exception e)
            {
                foreach (var p in remaining) failures.Enqueue(new FuzzFailure(p, "generator driver threw", e.ToString(), null, null));
                return;
            }

            if (!run.GeneratorExceptions.IsEmpty)
            {
                if (remaining.Count == 1)
                {
                    failures.Enqueue(new FuzzFailure(remaining[0], "generator exception", string.Join("\n", run.GeneratorExceptions.Select(e => e.ToString())), null, null));
                    return;
                }
                foreach (var p in remaining) RunBatch(new[] { p }, className, points, failures, stats, runAnalyzer, options);
                return;
            }

            var excluded = new HashSet<string>(StringComparer.Ordinal);
            var unattributed = new List<string>();
            foreach (var d in run.GeneratorDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning))
            {
                string? name = MethodAt(d);
                if (name != null && byName.TryGetValue(name, out var p))
                {
                    failures.Enqueue(new FuzzFailure(p, "generator diagnostic", GeneratorHarness.Format(d), null, GeneratedFor(run, name)));
                    if (d.Severity == DiagnosticSeverity.Error) excluded.Add(name);
                }
                else unattributed.Add(GeneratorHarness.Format(d));
            }

            // A program with adapters (the array family) whose companions are missing would only show up
            // as errors in its adapters; say why instead (the analyzer reports what the generator skips).
            var missing = remaining.Where(p => p.Harness.Length > 0 && !excluded.Contains(p.Name) && GeneratedFor(run, p.Name) == null).ToList();
            if (missing.Count > 0)
            {
                List<Diagnostic> analyzerErrors;
                try
                {
                    analyzerErrors = run.AnalyzerDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
                }
                catch (Exception e)
                {
                    analyzerErrors = new List<Diagnostic>();
                    failures.Enqueue(new FuzzFailure(missing[0], "analyzer threw", e.Message, null, null));
                }
                // The input alone, without companions: errors inside the method itself (not its adapters) are the fuzzer's.
                var inputErrors = run.InputCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                foreach (var p in missing)
                {
                    var invalid = inputErrors.Where(d => EnclosingMethod(d) == p.Name).Select(GeneratorHarness.Format).ToList();
                    if (invalid.Count > 0)
                    {
                        failures.Enqueue(new FuzzFailure(p, "fuzzer produced invalid C# (a bug in ProgramGenerator)", string.Join("\n", invalid), null, null));
                        excluded.Add(p.Name);
                        continue;
                    }
                    var mine = analyzerErrors.Where(d => MethodAt(d) == p.Name).Select(GeneratorHarness.Format).ToList();
                    failures.Enqueue(new FuzzFailure(p, "no companions generated",
                        mine.Count > 0 ? "the analyzer reports:\n" + string.Join("\n", mine) : "no generated file and no diagnostic", null, null));
                    excluded.Add(p.Name);
                }
            }

            using var image = new MemoryStream();
            start = System.Diagnostics.Stopwatch.GetTimestamp();
            var emitted = run.OutputCompilation.Emit(image);
            stats.AddTime("emit", System.Diagnostics.Stopwatch.GetTimestamp() - start);
            if (Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_DEBUG") != null)
                Console.Error.WriteLine($"{className}: gen+emit {(System.Diagnostics.Stopwatch.GetTimestamp() - start) / (double)System.Diagnostics.Stopwatch.Frequency:F2} s, input {source.Length} chars, generated {run.GeneratedSources.Sum(kv => kv.Value.Length)} chars");
            if (!emitted.Success)
            {
                foreach (var group in emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).GroupBy(MethodAt))
                {
                    if (group.Key != null && excluded.Contains(group.Key)) continue; // already reported (its adapters miss the companions)
                    if (group.Key != null && byName.TryGetValue(group.Key, out var p))
                    {
                        bool inGenerated = group.Any(d => IsGenerated(d.Location));
                        string kind = inGenerated ? "generated code does not compile" : "fuzzer produced invalid C# (a bug in ProgramGenerator)";
                        failures.Enqueue(new FuzzFailure(p, kind, string.Join("\n", group.Select(GeneratorHarness.Format)), null, GeneratedFor(run, group.Key)));
                        excluded.Add(group.Key);
                    }
                    else unattributed.AddRange(group.Select(GeneratorHarness.Format));
                }
            }

            if (unattributed.Count > 0)
            {
                if (remaining.Count == 1)
                {
                    failures.Enqueue(new FuzzFailure(remaining[0], "unattributed error", string.Join("\n", unattributed), null, run.DescribeGenerated()));
                    return;
                }
                foreach (var p in remaining.Where(p => !excluded.Contains(p.Name))) RunBatch(new[] { p }, className, points, failures, stats, runAnalyzer, options);
                return;
            }

            if (!emitted.Success)
            {
                remaining.RemoveAll(p => excluded.Contains(p.Name));
                if (excluded.Count == 0) throw new InvalidOperationException("emit failed without errors");
                continue;
            }

            if (runAnalyzer)
            {
                start = System.Diagnostics.Stopwatch.GetTimestamp();
                IEnumerable<Diagnostic> analyzerDiagnostics;
                try
                {
                    analyzerDiagnostics = run.AnalyzerDiagnostics();
                }
                catch (Exception e)
                {
                    // The harness fails the test when the analyzer throws; say which batch did it.
                    failures.Enqueue(new FuzzFailure(remaining[0], "analyzer threw", "in a batch starting with this program:\n" + e.Message, null, null));
                    analyzerDiagnostics = Array.Empty<Diagnostic>();
                }
                foreach (var d in analyzerDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning))
                {
                    string? name = MethodAt(d);
                    bool attributed = name != null && byName.ContainsKey(name);
                    var p = attributed ? byName[name!] : remaining[0];
                    failures.Enqueue(new FuzzFailure(p, "analyzer diagnostic",
                        GeneratorHarness.Format(d) + (attributed ? "" : "\n(not inside a fuzz method; reported against the first program of the batch)"), null, null));
                }
                stats.AddTime("analyzer", System.Diagnostics.Stopwatch.GetTimestamp() - start);
            }

            start = System.Diagnostics.Stopwatch.GetTimestamp();
            image.Position = 0;
            using var loaded = new LoadedAssembly(image);
            Type type = loaded.Type("Fuzz." + className);
            foreach (var program in remaining.Where(p => !excluded.Contains(p.Name)))
            {
                stats.AddProgram();
                string? generated = GeneratedFor(run, program.Name);
                if (generated == null)
                {
                    failures.Enqueue(new FuzzFailure(program, "no companions generated", "no generated file and no diagnostic", null, null));
                    continue;
                }
                var task = Task.Run(() =>
                {
                    if (program.Array != null) ArrayFuzzRunner.CheckProgram(type, program, points(program), generated, failures, stats);
                    else CheckProgram(type, program, points(program), generated, failures, stats);
                });
                if (!task.Wait(ProgramTimeout))
                    failures.Enqueue(new FuzzFailure(program, "timeout", $"a companion ran longer than {ProgramTimeout.TotalSeconds} s (an endless loop?)", null, generated));
            }
            stats.AddTime("checks", System.Diagnostics.Stopwatch.GetTimestamp() - start);
            return;
        }
    }

    private static bool IsGenerated(Location location) =>
        location.SourceTree is { } tree && GeneratedFileMethod.IsMatch(tree.FilePath.Replace('\\', '/'));

    /// <summary>The fuzz method a diagnostic belongs to: by generated file name, or by the method around it in the input.</summary>
    private static string? MethodAt(Diagnostic d)
    {
        var tree = d.Location.SourceTree;
        if (tree == null) return null;
        var match = GeneratedFileMethod.Match(tree.FilePath.Replace('\\', '/'));
        if (match.Success) return match.Groups[1].Value;
        var node = tree.GetRoot().FindNode(d.Location.SourceSpan, getInnermostNodeForTie: true);
        string? method = node.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault()?.Identifier.Text;
        // In a type a program declares (the struct family's P0007S0), or in one of its operators.
        string? type = node.AncestorsAndSelf().OfType<BaseTypeDeclarationSyntax>().FirstOrDefault()?.Identifier.Text;
        if (type != null && ProgramOfMethod.Match(type) is { Success: true } owner) return owner.Groups[1].Value;
        if (method == null) return null;
        var program = ProgramOfMethod.Match(method);
        return program.Success ? program.Groups[1].Value : method;
    }

    /// <summary>The name of the method a diagnostic of the input sits in.</summary>
    private static string? EnclosingMethod(Diagnostic d)
    {
        var tree = d.Location.SourceTree;
        if (tree == null) return null;
        var node = tree.GetRoot().FindNode(d.Location.SourceSpan, getInnermostNodeForTie: true);
        return node.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault()?.Identifier.Text;
    }

    /// <summary>The generated companions of a program's method, followed by those of its helpers; null when the method has none.</summary>
    private static string? GeneratedFor(GeneratorRun run, string program)
    {
        string? main = run.GeneratedSources.Where(kv => kv.Key.EndsWith("." + program + ".g.cs", StringComparison.Ordinal)).Select(kv => kv.Value).FirstOrDefault();
        if (main == null) return null;
        var helpers = run.GeneratedSources
            .Where(kv => GeneratedFileMethod.Match(kv.Key) is { Success: true } m && m.Groups[1].Value == program && !kv.Key.EndsWith("." + program + ".g.cs", StringComparison.Ordinal))
            .Select(kv => kv.Value);
        return string.Join("\n", new[] { main }.Concat(helpers));
    }

    private sealed class Calls
    {
        public Calls(Type type, FuzzProgram program)
        {
            Program = program;
            int arity = program.Parameters.Count, active = program.ActiveCount;
            Primal = Find(type, program.Checked, arity);
            Gradient = Find(type, program.Checked + "Gradient", arity + active);
            Vjp = Find(type, program.Checked + "Vjp", arity + 1 + active);
            Jvp = Find(type, program.Checked + "Jvp", arity + active + 1);
            // Absent when the program is first-order only (ADIFF014: a custom rule that is not [Differentiable], a plain call).
            Hvp = type.GetMethods(BindingFlags.Public | BindingFlags.Static).SingleOrDefault(m => m.Name == program.Checked + "Hvp" && m.GetParameters().Length == arity + 2 * active);
            var plain = type.Assembly.GetType("Fuzz.Plain");
            _reset = plain?.GetMethod("Reset");
            _log = plain?.GetMethod("Log");
        }

        private readonly MethodInfo? _reset, _log;

        /// <summary>The plain helper's calls (how many, and a hash of their arguments in order) during the last <see cref="Call"/>.</summary>
        public string LastLog { get; private set; } = "";

        public FuzzProgram Program { get; }
        public MethodInfo Primal { get; }
        public MethodInfo Gradient { get; }
        public MethodInfo Vjp { get; }
        public MethodInfo Jvp { get; }
        public MethodInfo? Hvp { get; }

        public double[] GradientAt(double[] x, int n)
        {
            var args = Args(x, n, Program.ActiveCount);
            Call(Gradient, args);
            return Enumerable.Range(0, Program.ActiveCount).Select(k => (double)args[Program.Parameters.Count + k]!).ToArray();
        }

        private static MethodInfo Find(Type type, string name, int arity) =>
            type.GetMethods(BindingFlags.Public | BindingFlags.Static).SingleOrDefault(m => m.Name == name && m.GetParameters().Length == arity)
            ?? throw new InvalidOperationException($"no method {name} with {arity} parameters");

        public object?[] Args(double[] x, int n, int extra)
        {
            var args = new object?[Program.Parameters.Count + extra];
            int k = 0;
            for (int i = 0; i < Program.Parameters.Count; i++)
                args[i] = Program.Parameters[i].IsInt ? (object)n : x[k++];
            return args;
        }

        public double Value(double[] x, int n) => Call(Primal, Args(x, n, 0));

        /// <summary>Calls <paramref name="method"/> with the plain helper's sequence reset, as every call of the method and its companions starts.</summary>
        public double Call(MethodInfo method, object?[] args)
        {
            _reset?.Invoke(null, null);
            double value = (double)method.Invoke(null, BindingFlags.DoNotWrapExceptions, null, args, CultureInfo.InvariantCulture)!;
            LastLog = _log == null ? "" : (string)_log.Invoke(null, null)!;
            return value;
        }
    }

    /// <summary>Runs every check of one program at its points; mismatches go to <paramref name="failures"/>.</summary>
    public static void CheckProgram(Type type, FuzzProgram program, IReadOnlyList<FuzzPoint> points, string? generated,
        ConcurrentQueue<FuzzFailure> failures, FuzzStats stats)
    {
        Calls calls;
        try
        {
            calls = new Calls(type, program);
        }
        catch (Exception e)
        {
            failures.Enqueue(new FuzzFailure(program, "companion missing", e.Message, null, generated));
            return;
        }
        foreach (var point in points)
        {
            stats.AddPoint();
            try
            {
                CheckPoint(calls, point, generated, failures, stats);
            }
            catch (Exception e)
            {
                failures.Enqueue(new FuzzFailure(program, "exception at run time", e.ToString(), point, generated));
            }
        }
    }

    private static void CheckPoint(Calls calls, FuzzPoint point, string? generated, ConcurrentQueue<FuzzFailure> failures, FuzzStats stats)
    {
        var program = calls.Program;
        int active = program.ActiveCount, arity = program.Parameters.Count;
        double[] x = point.X;
        int n = point.N;
        void Fail(string kind, string details) => failures.Enqueue(new FuzzFailure(program, kind, details, point, generated));

        double value = calls.Value(x, n);
        string log = calls.LastLog;
        void SameCalls(string companion)
        {
            if (calls.LastLog != log) Fail("calls made by " + companion, $"{companion} made {calls.LastLog}, the method made {log}");
        }
        if (!double.IsFinite(value))
        {
            stats.AddNonFinite();
            stats.AddSkip();
            return;
        }

        // Gradient.
        var args = calls.Args(x, n, active);
        double gradientValue = calls.Call(calls.Gradient, args);
        var gradient = new double[active];
        for (int k = 0; k < active; k++) gradient[k] = (double)args[arity + k]!;
        if (!gradientValue.Equals(value)) Fail("primal value of Gradient", $"Gradient returned {R(gradientValue)}, the method returned {R(value)}");
        SameCalls("Gradient");

        // (1) Gradient against central finite differences, unless a kink sits within h.
        var numeric = new double[active];
        bool skip = false;
        for (int k = 0; k < active && !skip; k++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(x[k]));
            double fd1 = CentralDifference(calls, x, n, k, h);
            double fd2 = CentralDifference(calls, x, n, k, h / 2);
            if (!double.IsFinite(fd1) || !double.IsFinite(fd2) || Math.Abs(fd1 - fd2) > FdConsistency * Math.Max(1, Math.Abs(fd1))) skip = true;
            numeric[k] = fd1;
        }
        if (skip) stats.AddSkip();
        else
        {
            stats.AddFdCheck();
            var bad = Enumerable.Range(0, active).Where(k => !(Math.Abs(gradient[k] - numeric[k]) <= FdTolerance * Math.Max(1, Math.Abs(numeric[k])))).ToList();
            if (bad.Count > 0)
                Fail("Gradient vs finite differences", string.Join("\n", bad.Select(k =>
                    $"d/d{ActiveName(program, k)}: Gradient {R(gradient[k])}, central difference {R(numeric[k])} (difference {R(gradient[k] - numeric[k])})")));
        }

        // (2) Jvp along each basis vector against the gradient entry (forward against reverse).
        for (int k = 0; k < active; k++)
        {
            var jargs = calls.Args(x, n, active + 1);
            for (int j = 0; j < active; j++) jargs[arity + j] = j == k ? 1.0 : 0.0;
            double jvpValue = calls.Call(calls.Jvp, jargs);
            double tangent = (double)jargs[^1]!;
            if (!jvpValue.Equals(value)) Fail("primal value of Jvp", $"Jvp returned {R(jvpValue)}, the method returned {R(value)}");
            SameCalls("Jvp");
            if (!(Math.Abs(tangent - gradient[k]) <= ModeTolerance * Math.Max(1, Math.Abs(gradient[k]))))
                Fail("Jvp vs Gradient", $"d/d{ActiveName(program, k)}: Jvp tangent {R(tangent)}, Gradient {R(gradient[k])} (difference {R(tangent - gradient[k])})");
        }

        // (3) Vjp adds seed × gradient to preloaded adjoints.
        var vargs = calls.Args(x, n, 1 + active);
        vargs[arity] = VjpSeed;
        for (int k = 0; k < active; k++) vargs[arity + 1 + k] = VjpPreload;
        double vjpValue = calls.Call(calls.Vjp, vargs);
        if (!vjpValue.Equals(value)) Fail("primal value of Vjp", $"Vjp returned {R(vjpValue)}, the method returned {R(value)}");
        SameCalls("Vjp");
        for (int k = 0; k < active; k++)
        {
            double adjoint = (double)vargs[arity + 1 + k]!;
            double expected = VjpPreload + VjpSeed * gradient[k];
            if (!(Math.Abs(adjoint - expected) <= ModeTolerance * Math.Max(1, Math.Abs(expected))))
                Fail("Vjp vs Gradient", $"adjoint of {ActiveName(program, k)}: Vjp gave {R(adjoint)}, expected {R(VjpPreload)} + {R(VjpSeed)}·{R(gradient[k])} = {R(expected)}");
        }

        if (calls.Hvp != null) CheckHvp(calls, x, n, value, log, Fail, stats);
    }

    /// <summary>
    /// (4) Hvp along each basis vector (a Hessian column, by forward mode over the reverse sweep) against central
    /// differences of the generated Gradient, unless a kink sits within h, and the Hessian's symmetry.
    /// </summary>
    private static void CheckHvp(Calls calls, double[] x, int n, double value, string log, Action<string, string> fail, FuzzStats stats)
    {
        var program = calls.Program;
        int active = program.ActiveCount, arity = program.Parameters.Count;
        var hessian = new double[active, active];
        for (int k = 0; k < active; k++)
        {
            var hargs = calls.Args(x, n, 2 * active);
            for (int j = 0; j < active; j++) hargs[arity + j] = j == k ? 1.0 : 0.0;
            double hvpValue = calls.Call(calls.Hvp!, hargs);
            if (!hvpValue.Equals(value)) fail("primal value of Hvp", $"Hvp returned {R(hvpValue)}, the method returned {R(value)}");
            if (calls.LastLog != log) fail("calls made by Hvp", $"Hvp made {calls.LastLog}, the method made {log}");
            for (int i = 0; i < active; i++) hessian[i, k] = (double)hargs[arity + active + i]!;

            double h = 1e-5 * Math.Max(1, Math.Abs(x[k]));
            var column1 = GradientDifference(calls, x, n, k, h);
            var column2 = GradientDifference(calls, x, n, k, h / 2);
            bool consistent = Enumerable.Range(0, active).All(i => double.IsFinite(column1[i]) && double.IsFinite(column2[i])
                && Math.Abs(column1[i] - column2[i]) <= FdConsistency * Math.Max(1, Math.Abs(column1[i])));
            if (!consistent) continue;
            stats.AddFdCheck();
            var bad = Enumerable.Range(0, active).Where(i => !(Math.Abs(hessian[i, k] - column1[i]) <= HessianTolerance * Math.Max(1, Math.Abs(column1[i])))).ToList();
            if (bad.Count > 0)
                fail("Hvp vs finite differences of the Gradient", string.Join("\n", bad.Select(i =>
                    $"d²/d{ActiveName(program, i)}d{ActiveName(program, k)}: Hvp {R(hessian[i, k])}, central difference of the gradient {R(column1[i])}")));
        }
        for (int i = 0; i < active; i++)
            for (int k = 0; k < i; k++)
                if (!(Math.Abs(hessian[i, k] - hessian[k, i]) <= 1e-7 * Math.Max(1, Math.Abs(hessian[i, k]))))
                    fail("Hessian symmetry", $"H[{ActiveName(program, i)},{ActiveName(program, k)}] = {R(hessian[i, k])}, H[{ActiveName(program, k)},{ActiveName(program, i)}] = {R(hessian[k, i])}");
    }

    private static double[] GradientDifference(Calls calls, double[] x, int n, int k, double h)
    {
        var plus = (double[])x.Clone();
        var minus = (double[])x.Clone();
        plus[k] += h;
        minus[k] -= h;
        var gp = calls.GradientAt(plus, n);
        var gm = calls.GradientAt(minus, n);
        return gp.Select((g, i) => (g - gm[i]) / (plus[k] - minus[k])).ToArray();
    }

    private static double CentralDifference(Calls calls, double[] x, int n, int k, double h)
    {
        var plus = (double[])x.Clone();
        var minus = (double[])x.Clone();
        plus[k] += h;
        minus[k] -= h;
        return (calls.Value(plus, n) - calls.Value(minus, n)) / (plus[k] - minus[k]);
    }

    private static string ActiveName(FuzzProgram program, int k) => program.Parameters.Where(p => !p.IsInt).ElementAt(k).Name;

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
