using System.Linq;
using System.Runtime.CompilerServices;

namespace AutoDiff.Generator.Tests.Infrastructure;

/// <summary>Snapshot tests of members placed in <c>Demo.Fns</c>, the shape most snapshot tests share.</summary>
public static class GeneratedCode
{
    /// <summary>
    /// The text of generated method <paramref name="method"/> (a name such as <c>FGradient</c>), from the file whose hint
    /// name ends with <paramref name="hintSuffix"/>, up to the next generated member: for tests that check a shape.
    /// </summary>
    public static string Method(GeneratorRun run, string hintSuffix, string method)
    {
        string file = run.GeneratedSources.Single(s => s.Key.EndsWith(hintSuffix, System.StringComparison.Ordinal)).Value;
        int start = file.IndexOf(" " + method + "(", System.StringComparison.Ordinal);
        if (start < 0) throw new System.ArgumentException(method + " is not in " + hintSuffix);
        int end = file.IndexOf("[global::System.CodeDom", start, System.StringComparison.Ordinal);
        return file.Substring(start, (end < 0 ? file.Length : end) - start);
    }

    /// <summary>Generates for <paramref name="members"/> inside <c>public static partial class Demo.Fns</c>, requires no errors, and verifies every generated file.</summary>
    public static void VerifyInFns(string members, string test, [CallerFilePath] string file = "")
    {
        string source = "using System;\nusing AutoDiff;\nnamespace Demo\n{\n    public static partial class Fns\n    {\n" + members + "\n    }\n}\n";
        var run = GeneratorHarness.Run(source);
        run.AssertNoErrors();
        Snapshot.VerifyGenerated(run, test, file);
    }
}
