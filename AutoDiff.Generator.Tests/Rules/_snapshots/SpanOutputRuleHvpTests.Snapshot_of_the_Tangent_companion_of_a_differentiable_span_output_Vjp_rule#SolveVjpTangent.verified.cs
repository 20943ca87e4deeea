/// <summary>For second derivatives through the rule: does what SolveVjp does, and adds its tangent along the tangents of a, b, x, xAdj into the matching adjoint tangent (forward mode over SolveVjp).</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]
internal static void SolveVjpTangent(global::System.ReadOnlySpan<double> a, global::System.ReadOnlySpan<double> b, global::System.Span<double> x, global::System.ReadOnlySpan<double> xAdj, global::System.Span<double> aAdj, global::System.Span<double> bAdj, global::System.ReadOnlySpan<double> aDot, global::System.ReadOnlySpan<double> bDot, global::System.ReadOnlySpan<double> xDot, global::System.ReadOnlySpan<double> xAdjDot, global::System.Span<double> aAdjDot, global::System.Span<double> bAdjDot)
{
    if (aDot.Length != a.Length) throw new global::System.ArgumentException("aDot must have the length of a.", "aDot");
    if (bDot.Length != b.Length) throw new global::System.ArgumentException("bDot must have the length of b.", "bDot");
    if (xDot.Length != x.Length) throw new global::System.ArgumentException("xDot must have the length of x.", "xDot");
    if (xAdjDot.Length != xAdj.Length) throw new global::System.ArgumentException("xAdjDot must have the length of xAdj.", "xAdjDot");
    if (aAdjDot.Length != aAdj.Length) throw new global::System.ArgumentException("aAdjDot must have the length of aAdj.", "aAdjDot");
    if (bAdjDot.Length != bAdj.Length) throw new global::System.ArgumentException("bAdjDot must have the length of bAdj.", "bAdjDot");
    int n = b.Length;
    int tmp = n * n;
    double[] t = new double[tmp];
    double[] tDot = new double[tmp];
    int i = 0;
    while (i < n)
    {
        int j = 0;
        while (j < n)
        {
            int tmp2 = i * n + j;
            int tmp3 = j * n + i;
            t[tmp3] = a[tmp2];
            tDot[tmp3] = aDot[tmp2];
            j += 1;
        }
        i += 1;
    }
    double[] lambda = new double[n];
    double[] lambdaDot = new double[n];
    global::Demo.LinRules.SolveJvp(t, xAdj, lambda, tDot, xAdjDot, lambdaDot);
    int i2 = 0;
    while (i2 < n)
    {
        double tmp4 = bAdj[i2];
        double tmp5 = bAdjDot[i2];
        double tmp6 = lambda[i2];
        double tmp7 = lambdaDot[i2];
        bAdj[i2] = tmp4 + tmp6;
        bAdjDot[i2] = tmp5 + tmp7;
        int j2 = 0;
        while (j2 < n)
        {
            int tmp8 = i2 * n + j2;
            double tmp9 = aAdj[tmp8];
            double tmp10 = aAdjDot[tmp8];
            double tmp11 = x[j2];
            aAdj[tmp8] = tmp9 - tmp6 * tmp11;
            aAdjDot[tmp8] = tmp10 - (tmp7 * tmp11 + xDot[j2] * tmp6);
            j2 += 1;
        }
        i2 += 1;
    }
}
