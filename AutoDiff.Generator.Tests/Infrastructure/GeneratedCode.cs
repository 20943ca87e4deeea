using System.Linq;
using System.Runtime.CompilerServices;

namespace AutoDiff.Generator.Tests.Infrastructure;

/// <summary>Snapshot tests of members placed in <c>Demo.Fns</c>, the shape most snapshot tests share.</summary>
public static class GeneratedCode
{
    /// <summary>
    /// A push into room a reserve made, as generated code writes it: <c>tape.PushReserved(v)</c>, or inside a loop that
    /// opened the tape's cursor (<c>Tape.Open</c>) <c>doubleTapeValues[doubleTapeCount++] = v</c>. A regular expression.
    /// </summary>
    public const string ReservedPush = @"\.PushReserved\(|TapeValues\d*\[\w+\+\+\] = ";

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

    /// <summary>
    /// <paramref name="code"/> with every access the reverse sweep writes without a bounds check,
    /// <c>global::AutoDiff.Unchecked.At(a, i)</c>, written as the indexer <c>a[i]</c>: for tests of a shape that does not
    /// depend on whether an access is checked.
    /// </summary>
    public static string Indexed(string code)
    {
        const string Call = "global::AutoDiff.Unchecked.At(";
        var text = new System.Text.StringBuilder();
        int at = 0;
        for (int start; (start = code.IndexOf(Call, at, System.StringComparison.Ordinal)) >= 0;)
        {
            text.Append(code, at, start - at);
            int open = start + Call.Length, depth = 0, comma = -1, k = open;
            for (; k < code.Length; k++)
            {
                char c = code[k];
                if (c == '(' || c == '[') depth++;
                else if ((c == ')' || c == ']') && depth > 0) depth--;
                else if (c == ')') break;
                else if (c == ',' && depth == 0 && comma < 0) comma = k;
            }
            text.Append(code, open, comma - open).Append('[').Append(code, comma + 2, k - comma - 2).Append(']');
            at = k + 1;
        }
        return text.Append(code, at, code.Length - at).ToString();
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
