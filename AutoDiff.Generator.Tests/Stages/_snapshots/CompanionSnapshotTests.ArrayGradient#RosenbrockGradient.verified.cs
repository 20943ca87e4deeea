/// <summary>Returns Rosenbrock(…) and writes its partial derivative with respect to each of x. Spans are overwritten and must have the length of their parameter.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public static double RosenbrockGradient(global::System.ReadOnlySpan<double> x, global::System.Span<double> dx)
{
    if (dx.Length != x.Length) throw new global::System.ArgumentException("dx must have the length of x.", "dx");
    dx.Clear();
    double sum = 0.0;
    int i = 0;
    while (i + 1 < x.Length)
    {
        double tmp = x[i];
        double a = 1.0 - tmp;
        int i2 = i + 1;
        double b = x[i2] - tmp * tmp;
        double tmp2 = 100.0 * b;
        sum += (a * a + tmp2 * b);
        double bAdj = 2.0 * tmp2;
        global::AutoDiff.Unchecked.At(dx, i2) += bAdj;
        global::AutoDiff.Unchecked.At(dx, i) += -2.0 * a - bAdj * (2.0 * tmp);
        i = i2;
    }
    return sum;
}
