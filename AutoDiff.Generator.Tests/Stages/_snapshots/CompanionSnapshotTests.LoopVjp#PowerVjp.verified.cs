/// <summary>Reverse mode: returns Power(…) and adds seed × its partial derivative with respect to each of x into the matching adjoint.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public static double PowerVjp(double x, int n, double seed, ref double xAdj)
{
    var doubleTape = new global::AutoDiff.Tape<double>(stackalloc double[64]);
    doubleTape.Reserve(2 * (long)n);
    var doubleTapeValues = doubleTape.Open(out int doubleTapeCount);
    double p = 1.0;
    int i = 0;
    while (i < n)
    {
        double tmp = global::System.Math.Cos(p);
        double p2 = p * (tmp + x);
        i += 1;
        doubleTapeValues[doubleTapeCount++] = p;
        doubleTapeValues[doubleTapeCount++] = tmp;
        p = p2;
    }
    doubleTape.Close(doubleTapeCount);
    var doubleTapeValues2 = doubleTape.Open(out int doubleTapeCount2);
    int iteration = n;
    double pAdj = seed;
    while (iteration > 0)
    {
        double tmp2 = doubleTapeValues2[--doubleTapeCount2];
        double p3 = doubleTapeValues2[--doubleTapeCount2];
        double pAdj2 = pAdj * (tmp2 + x);
        xAdj += pAdj * p3;
        pAdj = pAdj2 - pAdj * (p3 * global::System.Math.Sin(p3));
        iteration -= 1;
    }
    doubleTape.Close(doubleTapeCount2);
    return global::AutoDiff.Tape.Release(p, doubleTape.Rented);
}
