/// <summary>Returns Chain(…) and writes its partial derivative with respect to each of x, y.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public static double ChainGradient(double x, double y, out double dx, out double dy)
{
    double contribution = 0;
    double tmp = global::Demo.Fns.SquareVjp(global::System.Math.Sin(x), y, ref contribution);
    dx = contribution * global::System.Math.Cos(x);
    dy = tmp;
    return tmp * y;
}
