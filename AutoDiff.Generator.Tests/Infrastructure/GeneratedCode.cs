using System.Runtime.CompilerServices;

namespace AutoDiff.Generator.Tests.Infrastructure;

/// <summary>Snapshot tests of members placed in <c>Demo.Fns</c>, the shape most snapshot tests share.</summary>
public static class GeneratedCode
{
    /// <summary>Generates for <paramref name="members"/> inside <c>public static partial class Demo.Fns</c>, requires no errors, and verifies every generated file.</summary>
    public static void VerifyInFns(string members, string test, [CallerFilePath] string file = "")
    {
        string source = "using System;\nusing AutoDiff;\nnamespace Demo\n{\n    public static partial class Fns\n    {\n" + members + "\n    }\n}\n";
        var run = GeneratorHarness.Run(source);
        run.AssertNoErrors();
        Snapshot.VerifyGenerated(run, test, file);
    }
}
