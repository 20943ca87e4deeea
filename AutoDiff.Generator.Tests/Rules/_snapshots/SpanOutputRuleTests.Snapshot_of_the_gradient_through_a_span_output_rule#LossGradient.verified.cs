/// <summary>Returns Loss(…) and writes its partial derivative with respect to each of a, b. Spans are overwritten and must have the length of their parameter.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public static double LossGradient(double[] a, double[] b, global::System.Span<double> da, global::System.Span<double> db)
{
    if (da.Length != a.Length) throw new global::System.ArgumentException("da must have the length of a.", "da");
    da.Clear();
    if (db.Length != b.Length) throw new global::System.ArgumentException("db must have the length of b.", "db");
    db.Clear();
    int tmp = b.Length;
    global::System.Span<double> x = stackalloc double[tmp];
    global::System.Span<double> xAdj = stackalloc double[tmp];
    xAdj.Clear();
    global::Demo.Lin.Solve(a, b, x);
    double s = 0.0;
    int i = 0;
    while (i < x.Length)
    {
        int i2 = i + 1;
        double tmp2 = x[i];
        double tmp3 = (double)i2 * tmp2;
        s += tmp3 * tmp2;
        global::AutoDiff.Unchecked.At(xAdj, i) += 2.0 * tmp3;
        i = i2;
    }
    global::Demo.LinRules.SolveVjp(a, b, x, xAdj, da, db);
    int tmp4 = xAdj.Length;
    int k = 0;
    while (k < tmp4)
    {
        xAdj[k] = 0.0;
        k += 1;
    }
    return s;
}
