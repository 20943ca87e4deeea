/// <summary>For second derivatives through the rule: does what EnergyVjp does, and adds its tangent along the tangents of x, seed into the matching adjoint tangent (forward mode over EnergyVjp).</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]
internal static double EnergyVjpTangent(global::System.ReadOnlySpan<double> x, double[] w, double seed, global::System.Span<double> xAdj, global::System.ReadOnlySpan<double> xDot, double seedDot, global::System.Span<double> xAdjDot)
{
    if (xDot.Length != x.Length) throw new global::System.ArgumentException("xDot must have the length of x.", "xDot");
    if (xAdjDot.Length != xAdj.Length) throw new global::System.ArgumentException("xAdjDot must have the length of xAdj.", "xAdjDot");
    double s = 0.0;
    int i = 1;
    while (i < x.Length)
    {
        int tmp = i - 1;
        double d = x[i] - x[tmp];
        double dDot = xDot[i] - xDot[tmp];
        double tmp2 = w[i];
        double tmp3 = 4.0 * tmp2;
        double tmp4 = tmp3 * d;
        double tmp5 = tmp4 * d;
        double g = tmp5 * d;
        double gDot = (dDot * tmp3 * d + dDot * tmp4) * d + dDot * tmp5;
        s += tmp2 * d * d * d * d;
        double tmp6 = xAdj[i];
        double tmp7 = xAdjDot[i];
        double tmp8 = seed * g;
        double tmp9 = seedDot * g + gDot * seed;
        xAdj[i] = tmp6 + tmp8;
        xAdjDot[i] = tmp7 + tmp9;
        double tmp10 = xAdj[tmp];
        double tmp11 = xAdjDot[tmp];
        xAdj[tmp] = tmp10 - tmp8;
        xAdjDot[tmp] = tmp11 - tmp9;
        i += 1;
    }
    return s;
}
