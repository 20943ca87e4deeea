namespace AutoDiff.Generator.Tests.Rules;

/// <summary>
/// The source text of <c>Lin.Solve</c> (A x = b by Gaussian elimination with partial pivoting, opaque to the generator), the
/// target of the span-output rules in <see cref="SpanOutputRuleTests"/> and <see cref="SpanOutputRuleHvpTests"/>.
/// </summary>
internal static class LinSolveSource
{
    public const string Solve = """
            /// <summary>Solves A x = b, A n×n row-major.</summary>
            public static void Solve(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> x)
            {
                int n = b.Length;
                var m = a.ToArray();
                var r = b.ToArray();
                for (int k = 0; k < n; k++)
                {
                    int p = k;
                    for (int i = k + 1; i < n; i++) if (Math.Abs(m[i * n + k]) > Math.Abs(m[p * n + k])) p = i;
                    if (p != k)
                    {
                        for (int j = 0; j < n; j++) (m[k * n + j], m[p * n + j]) = (m[p * n + j], m[k * n + j]);
                        (r[k], r[p]) = (r[p], r[k]);
                    }
                    for (int i = k + 1; i < n; i++)
                    {
                        double f = m[i * n + k] / m[k * n + k];
                        for (int j = k; j < n; j++) m[i * n + j] -= f * m[k * n + j];
                        r[i] -= f * r[k];
                    }
                }
                for (int i = n - 1; i >= 0; i--)
                {
                    double s = r[i];
                    for (int j = i + 1; j < n; j++) s -= m[i * n + j] * x[j];
                    x[i] = s / m[i * n + i];
                }
            }
            """;
}
