/// <summary>Returns Chain(…) and writes its partial derivative with respect to each of x, y.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public static double ChainGradient(double x, double y, out double dx, out double dy)
{
    double tmp = global::System.Math.Sin(x);
    double tmp2 = global::Demo.Fns.Square(tmp);
    double contribution = 0;
    global::Demo.Fns.SquareVjp(tmp, y, ref contribution);
    dx = contribution * global::System.Math.Cos(x);
    dy = tmp2;
    return tmp2 * y;
}
