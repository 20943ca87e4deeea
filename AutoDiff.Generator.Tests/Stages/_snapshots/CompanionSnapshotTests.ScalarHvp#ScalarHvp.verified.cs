/// <summary>Returns Scalar(…) and writes H·v, the Hessian over x, y (arrays contribute their elements, in parameter order) times the direction v, computed by forward mode over the reverse sweep.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public static double ScalarHvp(double x, double y, double vX, double vY, out double hvX, out double hvY)
{
    double tmp = global::System.Math.Sin(y);
    double tmp2 = global::System.Math.Cos(y);
    double tmp3 = x / y;
    double tmp4 = 1.0 / y;
    double tmp5 = tmp3 * tmp4;
    double tmp6 = vX * tmp4 - vY * tmp5;
    double tmp7 = global::System.Math.Exp(tmp3);
    double tmp8 = tmp6 * tmp7;
    double tmp9 = vY * (tmp4 * tmp4);
    hvX = tmp8 * tmp4 - tmp9 * tmp7 + vY * tmp2;
    hvY = vX * tmp2 - vY * tmp * x - (tmp8 * tmp5 + (tmp6 * tmp4 - tmp9 * tmp3) * tmp7);
    return x * tmp + tmp7;
}
