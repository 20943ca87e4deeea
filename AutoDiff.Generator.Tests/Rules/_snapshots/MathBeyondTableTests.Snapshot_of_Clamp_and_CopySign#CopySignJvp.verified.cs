/// <summary>Forward mode: returns CopySign(…) and its directional derivative along the given tangents of x, y.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public static double CopySignJvp(double x, double y, double xDot, double yDot, out double tangent)
{
    double tmp = x * x - 1.0;
    double tmp2 = global::System.Math.CopySign(tmp, y);
    tangent = xDot * (2.0 * x) * (global::System.Math.CopySign(1.0, y) * (tmp > 0.0 ? 1.0 : tmp < 0.0 ? -1.0 : 0.0)) * x + xDot * tmp2;
    return tmp2 * x;
}
