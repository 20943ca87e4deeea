/// <summary>For second derivatives through the rule: does what CubeVjp does, and adds its tangent along the tangents of v, k, seed into the matching adjoint tangent (forward mode over CubeVjp).</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]
internal static double CubeVjpTangent(global::System.ReadOnlySpan<double> v, double k, double seed, global::System.Span<double> vAdj, ref double kAdj, global::System.ReadOnlySpan<double> vDot, double kDot, double seedDot, global::System.Span<double> vAdjDot, ref double kAdjDot)
{
    if (vDot.Length != v.Length) throw new global::System.ArgumentException("vDot must have the length of v.", "vDot");
    if (vAdjDot.Length != vAdj.Length) throw new global::System.ArgumentException("vAdjDot must have the length of vAdj.", "vAdjDot");
    double s = 0.0;
    int i = 0;
    double sDot = 0.0;
    while (i < v.Length)
    {
        double tmp = v[i];
        double tmp2 = vDot[i];
        double tmp3 = tmp * tmp;
        s += tmp3 * tmp;
        sDot += (tmp2 * (2.0 * tmp) * tmp + tmp2 * tmp3);
        double tmp4 = vAdj[i];
        double tmp5 = vAdjDot[i];
        double tmp6 = seed * k;
        double tmp7 = tmp6 * k * 3.0;
        double tmp8 = tmp7 * tmp;
        vAdj[i] = tmp4 + tmp8 * tmp;
        vAdjDot[i] = tmp5 + ((((seedDot * k + kDot * seed) * k + kDot * tmp6) * 3.0 * tmp + tmp2 * tmp7) * tmp + tmp2 * tmp8);
        i += 1;
    }
    double tmp9 = seed * 2.0;
    double tmp10 = tmp9 * k;
    kAdj += tmp10 * s;
    kAdjDot += ((seedDot * 2.0 * k + kDot * tmp9) * s + sDot * tmp10);
    return k * k * s;
}
