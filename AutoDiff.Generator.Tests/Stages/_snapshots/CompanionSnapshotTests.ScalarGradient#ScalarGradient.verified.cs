/// <summary>Returns Scalar(…) and writes its partial derivative with respect to each of x, y.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public static double ScalarGradient(double x, double y, out double dx, out double dy)
{
    double tmp = global::System.Math.Sin(y);
    double tmp2 = x / y;
    double tmp3 = global::System.Math.Exp(tmp2);
    double tmp4 = 1.0 / y;
    dx = tmp3 * tmp4 + tmp;
    dy = x * global::System.Math.Cos(y) - tmp3 * (tmp2 * tmp4);
    return x * tmp + tmp3;
}
