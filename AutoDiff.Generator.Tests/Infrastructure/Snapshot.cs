using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Infrastructure;

/// <summary>
/// Approved-file snapshots, named and laid out as Verify does (<c>_snapshots/{Class}.{Test}#{HintName}.verified.cs</c>
/// beside the test file), so moving to Verify later only swaps the package.
/// </summary>
/// <remarks>
/// On a mismatch or a missing snapshot, <c>{name}.received.{ext}</c> is written next to the verified
/// file and the test fails with a line diff. With <c>AUTODIFF_ACCEPT=1</c> (or Verify's
/// <c>VERIFY_AUTOVERIFY=1</c>) the received text becomes the verified file and the test passes.
/// </remarks>
public static class Snapshot
{
    private const string Folder = "_snapshots";
    private const int ContextLines = 2;

    // Verify writes UTF-8 with a byte order mark and LF line endings; matching it keeps the files
    // byte-identical across a later switch.
    private static readonly Encoding FileEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: true);

    /// <summary>Whether this run accepts received text as the new verified snapshot.</summary>
    public static bool AcceptChanges { get; } =
        IsSet("AUTODIFF_ACCEPT") || IsSet("VERIFY_AUTOVERIFY") || IsSet("Verify_AutoVerify");

    /// <summary>
    /// Compares <paramref name="actual"/> with <c>_snapshots/{name}.verified.{extension}</c> beside
    /// the calling test file. Pass <c>"{TestClass}.{TestName}#{What}"</c> as <paramref name="name"/>,
    /// and e.g. <c>"txt"</c> as <paramref name="extension"/> for IR text.
    /// </summary>
    public static void Verify(string actual, string name, string extension = "cs", [CallerFilePath] string file = "")
    {
        string? failure = Compare(actual, name, extension, SnapshotFolder(file));
        if (failure is not null) Assert.Fail(failure);
    }

    /// <summary>
    /// Verifies every generated file of <paramref name="run"/> as
    /// <c>{Class}.{Test}#{HintName without .cs}.verified.cs</c>, where the class name is the caller's
    /// file name. Fails when nothing was generated, and when a verified snapshot of this test no
    /// longer has a generated file (accept mode deletes it). Parameterized tests pass a distinct
    /// <paramref name="test"/> per case.
    /// </summary>
    public static void VerifyGenerated(GeneratorRun run, [CallerMemberName] string test = "", [CallerFilePath] string file = "")
    {
        if (run.GeneratedSources.Count == 0)
        {
            string diagnostics = string.Join("\n", run.GeneratorDiagnostics.Select(GeneratorHarness.Format)
                .Concat(run.GeneratorExceptions.Select(e => "generator threw: " + e)));
            Assert.Fail("The generator produced no files; there is nothing to snapshot.\n" + diagnostics);
        }

        string folder = SnapshotFolder(file);
        string prefix = $"{Path.GetFileNameWithoutExtension(file)}.{test}#";
        var failures = new List<string>();
        var expectedFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (hintName, text) in run.GeneratedSources)
        {
            string name = prefix + TrimSuffix(hintName, ".cs");
            expectedFiles.Add(VerifiedPath(folder, name, "cs"));
            string? failure = Compare(text, name, "cs", folder);
            if (failure is not null) failures.Add(failure);
        }

        // A file the generator stopped producing would otherwise leave a snapshot that nothing checks.
        foreach (string orphan in Directory.EnumerateFiles(folder, prefix + "*.verified.cs").Where(f => !expectedFiles.Contains(f)).Order(StringComparer.Ordinal))
        {
            if (AcceptChanges)
            {
                File.Delete(orphan);
                TestContext.Out.WriteLine($"Deleted snapshot without a generated file: {orphan}");
            }
            else
            {
                failures.Add($"Snapshot {Path.GetFileName(orphan)} has no generated file any more. Delete it, or accept with AUTODIFF_ACCEPT=1.");
            }
        }

        if (failures.Count > 0) Assert.Fail(string.Join("\n\n", failures));
    }

    /// <summary>
    /// Verifies one generated method, <paramref name="method"/> followed by <paramref name="companion"/> (say
    /// <c>"Square", "Gradient"</c> for <c>SquareGradient</c>), as <c>{Class}.{Test}#{Method}{Companion}.verified.cs</c>:
    /// its text (with its comments and attributes) cut from the generated file with Roslyn and unindented, so a snapshot
    /// shows one companion rather than all of a method's. Fails when no generated file, or more than one, declares it.
    /// </summary>
    public static void VerifyCompanion(GeneratorRun run, string method, string companion, [CallerMemberName] string test = "", [CallerFilePath] string file = "")
    {
        string name = method + companion;
        var found = run.GeneratedSources.Values
            .SelectMany(text => Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(text).GetRoot()
                .DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>())
            .Where(m => m.Identifier.ValueText == name).ToList();
        if (found.Count != 1)
        {
            Assert.Fail($"{found.Count} generated methods named {name}; generated: {string.Join(", ", run.GeneratedSources.Keys)}\n"
                + string.Join("\n", run.GeneratorDiagnostics.Select(GeneratorHarness.Format)));
        }
        string? failure = Compare(Unindent(found[0].ToFullString()), $"{Path.GetFileNameWithoutExtension(file)}.{test}#{name}", "cs", SnapshotFolder(file));
        if (failure is not null) Assert.Fail(failure);
    }

    /// <summary>The lines of <paramref name="text"/> without leading and trailing blank lines and without their common indentation.</summary>
    private static string Unindent(string text)
    {
        var lines = Normalize(text).Split('\n').SkipWhile(string.IsNullOrWhiteSpace).Reverse().SkipWhile(string.IsNullOrWhiteSpace).Reverse().ToList();
        int indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart(' ').Length).DefaultIfEmpty(0).Min();
        return string.Join("\n", lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart(' '))) + "\n";
    }

    /// <summary>
    /// A line diff from <paramref name="expected"/> to <paramref name="actual"/>: changed lines prefixed
    /// <c>-</c>/<c>+</c> with two unchanged lines (<c>' '</c>) of context, hunks headed by their line numbers.
    /// Empty when the texts are equal after normalizing line endings.
    /// </summary>
    public static string Diff(string expected, string actual)
    {
        expected = Normalize(expected);
        actual = Normalize(actual);
        if (expected == actual) return "";

        // The final newline is compared separately; as a line of its own it would show up as a
        // puzzling empty '-' or '+' line.
        bool expectedEndsInNewline = expected.EndsWith('\n'), actualEndsInNewline = actual.EndsWith('\n');
        if (expectedEndsInNewline) expected = expected[..^1];
        if (actualEndsInNewline) actual = actual[..^1];

        // Whitespace is part of generated code's contract (indentation, byte-identical output).
        DiffPaneModel model = new InlineDiffBuilder(new Differ()).BuildDiffModel(expected, actual, ignoreWhitespace: false);
        var lines = model.Lines.Where(l => l.Type != ChangeType.Imaginary).ToList();
        var show = new bool[lines.Count];
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Type == ChangeType.Unchanged) continue;
            for (int j = Math.Max(0, i - ContextLines); j <= Math.Min(lines.Count - 1, i + ContextLines); j++)
                show[j] = true;
        }

        var diff = new StringBuilder();
        int expectedLine = 1, actualLine = 1;
        bool inHunk = false;
        for (int i = 0; i < lines.Count; i++)
        {
            DiffPiece line = lines[i];
            if (show[i])
            {
                if (!inHunk)
                    diff.Append(CultureInfo.InvariantCulture, $"@@ -{expectedLine} +{actualLine} @@\n");
                inHunk = true;
                char mark = line.Type switch
                {
                    ChangeType.Unchanged => ' ',
                    ChangeType.Deleted => '-',
                    _ => '+',
                };
                diff.Append(mark).Append(line.Text).Append('\n');
            }
            else
            {
                inHunk = false;
            }
            if (line.Type != ChangeType.Inserted) expectedLine++;
            if (line.Type != ChangeType.Deleted) actualLine++;
        }

        bool bothHaveText = expected.Length > 0 && actual.Length > 0;
        if (bothHaveText && expectedEndsInNewline != actualEndsInNewline)
            diff.Append(expectedEndsInNewline ? "\\ the received text has no newline at the end\n" : "\\ the verified text has no newline at the end\n");
        return diff.Length > 0 ? diff.ToString() : "(the texts differ only in trailing newlines)\n";
    }

    private static string? Compare(string actual, string name, string extension, string folder)
    {
        actual = Normalize(actual);
        string verifiedPath = VerifiedPath(folder, name, extension);
        string receivedPath = Path.Combine(folder, $"{name}.received.{extension.TrimStart('.')}");
        string? verified = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;

        if (verified == actual)
        {
            File.Delete(receivedPath);
            return null;
        }

        if (AcceptChanges)
        {
            File.WriteAllText(verifiedPath, actual, FileEncoding);
            File.Delete(receivedPath);
            TestContext.Out.WriteLine($"Accepted snapshot {verifiedPath}");
            return null;
        }

        File.WriteAllText(receivedPath, actual, FileEncoding);
        string what = verified is null ? "is new (no verified file yet)" : "does not match";
        return $"Snapshot {name} {what}.\n" +
               $"  verified: {verifiedPath}\n" +
               $"  received: {receivedPath}\n" +
               "Review the diff, then accept with AUTODIFF_ACCEPT=1 (never commit .received files).\n" +
               Diff(verified ?? "", actual);
    }

    private static string SnapshotFolder(string callerFile)
    {
        string? testFolder = Path.GetDirectoryName(callerFile);
        // A path-mapped build (e.g. ContinuousIntegrationBuild) replaces source paths with /_/…,
        // and snapshots would silently go nowhere.
        if (string.IsNullOrEmpty(testFolder) || !Directory.Exists(testFolder))
            throw new InvalidOperationException($"The test source folder '{testFolder}' does not exist; snapshot tests need unmapped source paths ([CallerFilePath]).");
        string folder = Path.Combine(testFolder, Folder);
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string VerifiedPath(string folder, string name, string extension) =>
        Path.Combine(folder, $"{name}.verified.{extension.TrimStart('.')}");

    private static string Normalize(string text) => text.Replace("\r\n", "\n").Replace('\r', '\n');

    private static string TrimSuffix(string text, string suffix) =>
        text.EndsWith(suffix, StringComparison.Ordinal) ? text[..^suffix.Length] : text;

    private static bool IsSet(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { } value &&
        (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));
}
