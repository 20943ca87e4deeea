using System;
using System.Diagnostics;
using System.IO;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.CodeFixes;

/// <summary>
/// tools/rename-diagnostic-ids.sh, run on a scratch repository: it renames an ID standing on its own, in contents
/// and file names, leaves look-alikes (hashes, longer numbers, other prefixes) and ignored folders alone, and a second
/// run changes nothing. The old IDs are spelled in pieces here so that the script, run on this repository, leaves
/// this file as it is.
/// </summary>
public class RenameScriptTests
{
    private const string Old = "AD" + "00";

    [Test]
    public void Renames_ids_standing_on_their_own_once_and_nothing_else()
    {
        string script = Path.Combine(Root(), "tools", "rename-diagnostic-ids.sh");
        string dir = Path.Combine(Path.GetTempPath(), "autodiff-rename-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "docs", "diagnostics"));
        Directory.CreateDirectory(Path.Combine(dir, "bin"));
        try
        {
            string text = $"# {Old}04: title\nsee [{Old}04]({Old}04.md), \"{Old}99\", {Old}01_reported, hash 3F{Old}12B, {Old}123, x{Old}01\n";
            File.WriteAllText(Path.Combine(dir, "docs", "diagnostics", Old + "04.md"), text);
            File.WriteAllText(Path.Combine(dir, "Tests.cs"), text);
            File.WriteAllText(Path.Combine(dir, "bin", "Ignored.cs"), text);
            File.WriteAllText(Path.Combine(dir, "data.bin"), text);
            File.WriteAllText(Path.Combine(dir, ".gitignore"), "bin/\n");
            Run(dir, "git", "init -q");
            Run(dir, "git", "add docs Tests.cs .gitignore");

            Run(dir, "bash", script);
            string expected = "# ADIFF004: title\nsee [ADIFF004](ADIFF004.md), \"ADIFF099\", ADIFF001_reported, hash 3F" + Old + "12B, " + Old + "123, x" + Old + "01\n";
            Assert.That(File.ReadAllText(Path.Combine(dir, "Tests.cs")), Is.EqualTo(expected));
            Assert.That(File.Exists(Path.Combine(dir, "docs", "diagnostics", Old + "04.md")), Is.False);
            Assert.That(File.ReadAllText(Path.Combine(dir, "docs", "diagnostics", "ADIFF004.md")), Is.EqualTo(expected));
            Assert.That(File.ReadAllText(Path.Combine(dir, "bin", "Ignored.cs")), Is.EqualTo(text), "ignored folders are left alone");
            Assert.That(File.ReadAllText(Path.Combine(dir, "data.bin")), Is.EqualTo(text), "only text files of the listed kinds are rewritten");

            string second = Run(dir, "bash", script);
            Assert.That(second, Does.Contain("0 file(s) renamed, 0 file(s) rewritten"));
            Assert.That(File.ReadAllText(Path.Combine(dir, "Tests.cs")), Is.EqualTo(expected));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Run(string dir, string program, string arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"{program} {arguments} failed:\n{output}\n{error}");
        return output;
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AutoDiff.sln"))) return dir.FullName;
        }
        throw new AssertionException("no AutoDiff.sln above " + TestContext.CurrentContext.TestDirectory);
    }
}
