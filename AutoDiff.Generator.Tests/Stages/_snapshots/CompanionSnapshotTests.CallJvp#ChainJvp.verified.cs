/// <summary>Forward mode: returns Chain(…) and its directional derivative along the given tangents of x, y.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public static double ChainJvp(double x, double y, double xDot, double yDot, out double tangent)
{
    double tmp = global::System.Math.Sin(x);
    double tmp2 = global::Demo.Fns.Square(tmp);
    global::Demo.Fns.SquareJvp(tmp, xDot * global::System.Math.Cos(x), out double tangent2);
    tangent = tangent2 * y + yDot * tmp2;
    return tmp2 * y;
}
