/// <summary>Returns H(…) and writes H·v, the Hessian over x (arrays contribute their elements, in parameter order) times the direction v, computed by forward mode over the reverse sweep.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public double HHvp(double x, double vX, out double hvX)
{
    var doubleTape = new global::AutoDiff.Tape<double>(stackalloc double[64]);
    double s = x;
    int i = 0;
    double sDot = vX;
    while (i < this.Layers.Length)
    {
        global::Demo.Model tmp = this.Layers[i];
        tmp.PredictJvp(s, sDot, out double tangent);
        double s2 = tmp.Predict(s) + 0.5 * s;
        double sDot2 = tangent + sDot * 0.5;
        i += 1;
        doubleTape.Push(sDot);
        doubleTape.Push(s);
        s = s2;
        sDot = sDot2;
    }
    var doubleTapeValues = doubleTape.Open(out int doubleTapeCount);
    int iteration = i;
    double sAdj = 1.0;
    double sAdjDot = 0.0;
    while (iteration > 0)
    {
        double s3 = doubleTapeValues[--doubleTapeCount];
        sDot = doubleTapeValues[--doubleTapeCount];
        int tmp2 = iteration - 1;
        double sAdj2 = sAdj * 0.5;
        double sAdjDot2 = sAdjDot * 0.5;
        double contribution = 0;
        double contributionDot = 0;
        this.Layers[tmp2].PredictVjpTangent(s3, sAdj, ref contribution, sDot, sAdjDot, ref contributionDot);
        sAdj = sAdj2 + contribution;
        sAdjDot = sAdjDot2 + contributionDot;
        iteration = tmp2;
    }
    doubleTape.Close(doubleTapeCount);
    hvX = sAdjDot;
    return global::AutoDiff.Tape.Release(s, doubleTape.Rented);
}
