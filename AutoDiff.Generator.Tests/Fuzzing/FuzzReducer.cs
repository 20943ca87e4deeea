using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Fuzzing;

/// <summary>
/// Shrinks a failing fuzz program to a small one that fails the same way: it deletes lines and
/// brace-balanced blocks, unwraps blocks, and replaces parenthesized subexpressions and calls with
/// simpler operands, keeping a change only when the program still compiles and fails with the same
/// kind (and, for generated code that does not compile, the same compiler error).
/// </summary>
public static class FuzzReducer
{
    private static readonly string[] Operands = { "x0", "1.0", "0.5", "n", "true", "0", "false" };

    /// <summary>The failures of <paramref name="program"/> when compiled alone, at <paramref name="points"/>.</summary>
    public static List<FuzzFailure> Failures(FuzzProgram program, IReadOnlyList<FuzzPoint> points)
    {
        var failures = new ConcurrentQueue<FuzzFailure>();
        FuzzRunner.RunBatch(new[] { program }, "Single", _ => points, failures, new FuzzStats(), runAnalyzer: false);
        return failures.ToList();
    }

    public static string Signature(FuzzFailure failure)
    {
        if (failure.Kind == "generated code does not compile" || failure.Kind == "generator diagnostic" || failure.Kind == "no companions generated")
        {
            // The error IDs: "file(l,c): error CS0023: ..." → CS0023.
            var ids = failure.Details.Split('\n').Select(line =>
            {
                int colon = line.IndexOf(": error ", StringComparison.Ordinal);
                if (colon < 0) colon = line.IndexOf(": warning ", StringComparison.Ordinal);
                if (colon < 0) return "";
                string rest = line.Substring(line.IndexOf(' ', colon + 2) + 1);
                return rest.Split(':')[0];
            }).Distinct().OrderBy(s => s, StringComparer.Ordinal);
            return failure.Kind + " " + string.Join(",", ids);
        }
        return failure.Kind;
    }

    /// <summary>Reduces <paramref name="program"/> while it keeps failing with <paramref name="signature"/>.</summary>
    public static FuzzProgram Reduce(FuzzProgram program, IReadOnlyList<FuzzPoint> points, string signature, Action<string>? log = null)
    {
        int tests = 0;
        bool StillFails(List<string> body)
        {
            tests++;
            var candidate = WithBody(program, body);
            return Failures(candidate, points).Any(f => Signature(f) == signature);
        }

        var lines = Body(program);
        bool progress = true;
        while (progress)
        {
            progress = false;

            // Blocks and single lines, from the end so that uses go before their declarations.
            for (int i = lines.Count - 1; i >= 0; i--)
            {
                if (i >= lines.Count) continue;
                foreach (var (start, end) in Ranges(lines, i))
                {
                    var candidate = lines.Take(start).Concat(lines.Skip(end + 1)).ToList();
                    if (StillFails(candidate)) { lines = candidate; progress = true; break; }
                }
            }

            // Unwrap a block: drop its header and braces, keep its statements.
            for (int i = lines.Count - 1; i >= 0; i--)
            {
                if (i + 1 >= lines.Count || lines[i + 1].Trim() != "{") continue;
                int close = MatchingBrace(lines, i + 1);
                if (close < 0) continue;
                var candidate = new List<string>(lines);
                candidate.RemoveAt(close);
                candidate.RemoveAt(i + 1);
                candidate.RemoveAt(i);
                if (StillFails(candidate)) { lines = candidate; progress = true; }
            }

            // Simpler expressions.
            for (int i = 0; i < lines.Count; i++)
            {
                bool changed = true;
                while (changed)
                {
                    changed = false;
                    foreach (string replacement in Simplifications(lines[i]))
                    {
                        var candidate = new List<string>(lines) { [i] = replacement };
                        if (StillFails(candidate)) { lines = candidate; changed = progress = true; break; }
                    }
                }
            }
            log?.Invoke($"{tests} tests, {lines.Count} lines");
        }
        return WithBody(program, lines);
    }

    /// <summary>
    /// Every line after the main method's attribute and signature (the first two lines, which stay):
    /// its body and the helper methods after it.
    /// </summary>
    private static List<string> Body(FuzzProgram program) => program.Source.TrimEnd('\n').Split('\n').Skip(2).ToList();

    private static FuzzProgram WithBody(FuzzProgram program, List<string> body)
    {
        var all = program.Source.TrimEnd('\n').Split('\n').ToList();
        var text = new StringBuilder();
        foreach (string line in all.Take(2).Concat(body)) text.Append(line).Append('\n');
        return new FuzzProgram(program.Index, program.Name, program.Parameters, text.ToString()) { Array = program.Array, Harness = program.Harness, Types = program.Types, CheckedName = program.CheckedName };
    }

    /// <summary>Line ranges to try deleting that start at <paramref name="i"/>: the statement with its block(s), then the line alone.</summary>
    private static IEnumerable<(int Start, int End)> Ranges(List<string> lines, int i)
    {
        // A whole helper method: its attribute, signature and body.
        if (lines[i].Trim() == "[Differentiable]" && i + 2 < lines.Count)
        {
            int close = lines[i + 2].Trim() == "{" ? MatchingBrace(lines, i + 2) : i + 2;
            if (close > 0) yield return (i, close);
        }
        int end = i;
        // A header followed by a block, possibly followed by else/else if/while(...) continuations.
        while (end + 1 < lines.Count && lines[end + 1].Trim() == "{")
        {
            int close = MatchingBrace(lines, end + 1);
            if (close < 0) break;
            end = close;
            string next = end + 1 < lines.Count ? lines[end + 1].Trim() : "";
            if (next.StartsWith("else", StringComparison.Ordinal)) { end++; continue; }
            if (next.StartsWith("while (", StringComparison.Ordinal) && next.EndsWith(");", StringComparison.Ordinal)) end++;
            break;
        }
        if (end > i) yield return (i, end);
        // A case label with its statements up to the next label or the end of the switch.
        string trimmed = lines[i].Trim();
        if (trimmed.StartsWith("case ", StringComparison.Ordinal) || trimmed == "default:")
        {
            int j = i + 1;
            int depth = 0;
            while (j < lines.Count)
            {
                string t = lines[j].Trim();
                if (depth == 0 && (t.StartsWith("case ", StringComparison.Ordinal) || t == "default:" || t == "}")) break;
                if (t == "{") depth++;
                if (t == "}") depth--;
                j++;
            }
            yield return (i, j - 1);
        }
        yield return (i, i);
    }

    private static int MatchingBrace(List<string> lines, int open)
    {
        int depth = 0;
        for (int j = open; j < lines.Count; j++)
        {
            string t = lines[j].Trim();
            if (t == "{") depth++;
            else if (t == "}" && --depth == 0) return j;
        }
        return -1;
    }

    /// <summary>The line with one parenthesized group or call replaced by something simpler, largest groups first.</summary>
    private static IEnumerable<string> Simplifications(string line)
    {
        var groups = new List<(int Open, int Close)>();
        var stack = new Stack<int>();
        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] == '(') stack.Push(i);
            else if (line[i] == ')' && stack.Count > 0) groups.Add((stack.Pop(), i));
        }
        foreach (var (open, close) in groups.OrderByDescending(g => g.Close - g.Open))
        {
            // Include a call's name: Math.Sin(…) is replaced as a whole, or by its argument.
            int start = open;
            while (start > 0 && (char.IsLetterOrDigit(line[start - 1]) || line[start - 1] == '.')) start--;
            string name = line.Substring(start, open - start);
            if (name is "if" or "while" or "for" or "switch" or "return") continue;
            string inner = line.Substring(open + 1, close - open - 1);
            string before = line.Substring(0, start), after = line.Substring(close + 1);
            if (name.Length > 0 && !inner.Contains(',')) yield return before + "(" + inner + ")" + after;
            foreach (string operand in Operands)
                if (inner != operand) yield return before + operand + after;
            // Binary operands at the top level of the group.
            foreach (string part in TopLevelOperands(inner))
                if (part != inner) yield return before + (name.Length > 0 ? name + "(" + part + ")" : "(" + part + ")") + after;
        }
    }

    private static IEnumerable<string> TopLevelOperands(string text)
    {
        int depth = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (depth == 0 && i > 0 && i + 2 < text.Length && text[i - 1] == ' ' && text[i + 1] == ' ' && "+-*/?:<>".Contains(c))
            {
                yield return text.Substring(0, i - 1);
                yield return text.Substring(i + 2);
            }
        }
    }
}

/// <summary>Explicit tests to shrink one failing program of a fuzz run.</summary>
public sealed class FuzzReducerTests
{
    /// <summary>
    /// A method in the fuzz shape read from a file (<c>[Differentiable]</c> line, signature, braced
    /// body); it is renamed to <c>P9999</c>.
    /// </summary>
    public static FuzzProgram ParseProgram(string text)
    {
        var lines = text.Replace("\r\n", "\n").Trim('\n').Split('\n').ToList();
        int signature = lines.FindIndex(l => l.Contains("public static double ", StringComparison.Ordinal));
        string header = lines[signature];
        int open = header.IndexOf('('), close = header.LastIndexOf(')');
        var parameters = header.Substring(open + 1, close - open - 1).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split(' ')).Select(p => new FuzzParameter(p[1], p[0] == "int")).ToList();
        string name = header.Substring(0, open).Split(' ').Last();
        var body = lines.Skip(signature).Where(l => l.Trim().Length > 0).ToList();
        if (body.Count > 0 && body[^1].Trim() == "[Differentiable]") body.RemoveAt(body.Count - 1);
        int indent = body.Min(l => l.Length - l.TrimStart().Length);
        var source = new StringBuilder();
        source.Append("        [Differentiable]\n");
        foreach (string line in body)
        {
            // A fuzz program's helpers are named after it (P0007H0), so they are renamed with it.
            string renamed = System.Text.RegularExpressions.Regex.IsMatch(name, @"^P\d+$")
                ? line.Substring(indent).Replace(name, "P9999", StringComparison.Ordinal)
                : line.Substring(indent).Replace(" " + name + "(", " P9999(", StringComparison.Ordinal);
            source.Append("        ").Append(renamed).Append('\n');
        }
        return new FuzzProgram(9999, "P9999", parameters, source.ToString());
    }

    private static IReadOnlyList<FuzzPoint> PointsFromEnvironment(FuzzProgram program)
    {
        // AUTODIFF_FUZZ_POINT="0.5,-1.2;3": the doubles, then n.
        string? text = Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_POINT");
        if (string.IsNullOrWhiteSpace(text)) return FuzzRunner.PointsFor(FuzzTests.Seed, program);
        var parts = text!.Split(';');
        var x = parts[0].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return new[] { new FuzzPoint(x, int.Parse(parts[1], CultureInfo.InvariantCulture)) };
    }

    /// <summary>Checks the method in file <c>AUTODIFF_FUZZ_FILE</c> at <c>AUTODIFF_FUZZ_POINT</c> and prints every failure.</summary>
    [Test, Explicit("checks one program from a file; set AUTODIFF_FUZZ_FILE")]
    public void Check_program_file()
    {
        string? path = Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_FILE");
        if (string.IsNullOrWhiteSpace(path)) Assert.Ignore("set AUTODIFF_FUZZ_FILE=<path>");
        var program = ParseProgram(System.IO.File.ReadAllText(path!));
        var failures = FuzzReducer.Failures(program, PointsFromEnvironment(program));
        TestContext.Out.WriteLine(program.Source);
        foreach (var failure in failures) TestContext.Out.WriteLine(failure.Describe());
        Assert.That(failures, Is.Empty);
    }

    /// <summary>Reduces the method in file <c>AUTODIFF_FUZZ_FILE</c> keeping its first failure (or <c>AUTODIFF_FUZZ_REDUCE_KIND</c>).</summary>
    [Test, Explicit("reduces one program from a file; set AUTODIFF_FUZZ_FILE")]
    public void Reduce_program_file()
    {
        string? path = Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_FILE");
        if (string.IsNullOrWhiteSpace(path)) Assert.Ignore("set AUTODIFF_FUZZ_FILE=<path>");
        var program = ParseProgram(System.IO.File.ReadAllText(path!));
        ReduceAndPrint(program, PointsFromEnvironment(program));
    }

    private static void ReduceAndPrint(FuzzProgram program, IReadOnlyList<FuzzPoint> points)
    {
        var failures = FuzzReducer.Failures(program, points);
        string? kind = Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_REDUCE_KIND");
        var failure = failures.FirstOrDefault(f => kind == null || f.Kind.Contains(kind, StringComparison.Ordinal));
        if (failure == null) Assert.Fail("the program does not fail" + (kind == null ? "" : " with " + kind));
        if (failure!.Point != null) points = new[] { failure.Point };
        string signature = FuzzReducer.Signature(failure);
        TestContext.Out.WriteLine("reducing for: " + signature);
        var reduced = FuzzReducer.Reduce(program, points, signature, message => TestContext.Out.WriteLine(message));
        var after = FuzzReducer.Failures(reduced, points).First(f => FuzzReducer.Signature(f) == signature);
        TestContext.Out.WriteLine(after.Describe());
    }

    /// <summary>
    /// Reduces program <c>AUTODIFF_FUZZ_REDUCE</c> of the run with <c>AUTODIFF_FUZZ_SEED</c>, keeping its
    /// first failure (or the one whose kind contains <c>AUTODIFF_FUZZ_REDUCE_KIND</c>), and prints the result.
    /// </summary>
    [Test, Explicit("reduces a failing fuzz program; set AUTODIFF_FUZZ_REDUCE=<index>")]
    public void Reduce_failing_program()
    {
        string? text = Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_REDUCE");
        if (string.IsNullOrWhiteSpace(text)) Assert.Ignore("set AUTODIFF_FUZZ_REDUCE=<program index>");
        int index = int.Parse(text!, CultureInfo.InvariantCulture);
        // AUTODIFF_FUZZ_REDUCE_ARRAY=1: a program of the array family (Random_array_programs_have_correct_derivatives).
        if (Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_REDUCE_ARRAY") == "1")
        {
            var arrayProgram = ArrayProgramGenerator.Generate(FuzzTests.Seed, index, FuzzTests.Grammar);
            ReduceAndPrint(arrayProgram, ArrayFuzzRunner.PointsFor(FuzzTests.Seed, arrayProgram));
            return;
        }
        var program = ProgramGenerator.Generate(FuzzTests.Seed, index, FuzzTests.Grammar);
        ReduceAndPrint(program, FuzzRunner.PointsFor(FuzzTests.Seed, program));
    }
}
