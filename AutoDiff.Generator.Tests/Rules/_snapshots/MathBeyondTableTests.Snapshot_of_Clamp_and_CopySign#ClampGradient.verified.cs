/// <summary>Returns Clamp(…) and writes its partial derivative with respect to each of x, lo, hi.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public static double ClampGradient(double x, double lo, double hi, out double dx, out double dLo, out double dHi)
{
    double tmp = x * x;
    double tmp2 = global::System.Math.Clamp(tmp, lo, hi);
    bool tmp3 = tmp > lo;
    double tmp4 = tmp3 ? tmp : lo;
    dx = tmp2 + x * ((tmp3 ? 1.0 : tmp == lo ? 0.5 : 0.0) * (tmp < hi ? 1.0 : tmp == hi ? 0.5 : 0.0)) * (2.0 * x);
    dLo = x * ((lo > tmp ? 1.0 : lo == tmp ? 0.5 : 0.0) * (lo < hi ? 1.0 : lo == hi ? 0.5 : 0.0));
    dHi = x * (hi < tmp4 ? 1.0 : hi == tmp4 ? 0.5 : 0.0);
    return tmp2 * x;
}
