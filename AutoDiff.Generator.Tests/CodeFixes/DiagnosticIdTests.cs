using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using AutoDiff.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.CodeFixes;

/// <summary>
/// The diagnostic IDs have AutoDiff's own prefix (ADIFF and three digits, which no Roslyn diagnostic uses), each has
/// its page in docs/diagnostics, a row in both READMEs and in the analyzer release tracking, and no file of the
/// repository still names an ID of the old form (after a merge, rerun tools/rename-diagnostic-ids.sh).
/// </summary>
public class DiagnosticIdTests
{
    private static readonly Regex OldId = new(@"(?<![A-Za-z0-9])AD00[0-9]{2}(?![A-Za-z0-9])", RegexOptions.CultureInvariant);

    private static List<DiagnosticDescriptor> Descriptors() => typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .ToList();

    private static string Root()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AutoDiff.sln"))) return dir.FullName;
        }
        throw new AssertionException("no AutoDiff.sln above " + TestContext.CurrentContext.TestDirectory);
    }

    [Test]
    public void Every_ID_has_the_AutoDiff_prefix_and_is_used_once()
    {
        var ids = Descriptors().Select(d => d.Id).ToList();
        Assert.That(ids, Has.All.Match(@"^ADIFF\d{3}$"));
        Assert.That(ids, Is.Unique);
        var constants = typeof(DiagnosticIds).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!);
        Assert.That(constants, Is.EquivalentTo(ids), "DiagnosticIds and DiagnosticDescriptors list the same IDs");
    }

    [Test]
    public void Every_diagnostic_has_its_page_its_README_rows_and_its_release_entry()
    {
        string root = Root();
        string pages = Path.Combine(root, "docs", "diagnostics");
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        string index = File.ReadAllText(Path.Combine(pages, "README.md"));
        string releases = File.ReadAllText(Path.Combine(root, "AutoDiff.Generator", "AnalyzerReleases.Shipped.md"))
            + File.ReadAllText(Path.Combine(root, "AutoDiff.Generator", "AnalyzerReleases.Unshipped.md"));
        var descriptors = Descriptors();
        using (Assert.EnterMultipleScope())
        {
            foreach (var d in descriptors)
            {
                string page = Path.Combine(pages, d.Id + ".md");
                Assert.That(File.Exists(page), Is.True, "no page " + page);
                if (File.Exists(page)) Assert.That(File.ReadLines(page).First(), Does.StartWith("# " + d.Id + ": "), d.Id + ": page title");
                Assert.That(readme, Does.Contain("[" + d.Id + "](docs/diagnostics/" + d.Id + ".md)"), d.Id + ": README row");
                Assert.That(index, Does.Contain("[" + d.Id + "](" + d.Id + ".md)"), d.Id + ": docs/diagnostics/README.md row");
                Assert.That(releases, Does.Match(@"(?m)^" + d.Id + @" \| AutoDiff \| " + d.DefaultSeverity + " "), d.Id + ": AnalyzerReleases row");
            }
            var pageIds = Directory.GetFiles(pages, "*.md").Select(Path.GetFileNameWithoutExtension).Where(n => n != "README");
            Assert.That(pageIds, Is.EquivalentTo(descriptors.Select(d => d.Id)), "a page for every diagnostic and no other");
        }
    }

    [Test]
    public void No_file_names_an_ID_of_the_old_form()
    {
        string root = Root();
        string[] skipped = { ".git", "bin", "obj", "TestResults", "node_modules" };
        string[] extensions = { ".cs", ".md", ".txt", ".csproj", ".props", ".targets", ".json", ".sh", ".editorconfig", ".globalconfig", ".yml" };
        var stale = new List<string>();
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            string dir = pending.Pop();
            foreach (string sub in Directory.GetDirectories(dir))
            {
                if (!skipped.Contains(Path.GetFileName(sub))) pending.Push(sub);
            }
            foreach (string file in Directory.GetFiles(dir))
            {
                string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative == "tools/rename-diagnostic-ids.sh" || file.Contains(".received.", StringComparison.Ordinal)) continue;
                if (OldId.IsMatch(Path.GetFileName(file))) stale.Add(relative + " (name)");
                if (!extensions.Contains(Path.GetExtension(file)) && relative != ".ci/run") continue;
                var match = OldId.Match(File.ReadAllText(file));
                if (match.Success) stale.Add(relative + ": " + match.Value);
            }
        }
        Assert.That(stale, Is.Empty, "IDs of the old form; run tools/rename-diagnostic-ids.sh");
    }
}
