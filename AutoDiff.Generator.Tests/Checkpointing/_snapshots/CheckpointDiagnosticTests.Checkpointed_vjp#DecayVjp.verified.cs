/// <summary>Reverse mode: returns Decay(…) and adds seed × its partial derivative with respect to each of x, rate into the matching adjoint.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public static double DecayVjp(double x, double rate, int n, double seed, ref double xAdj, ref double rateAdj)
{
    var doubleTape = new global::AutoDiff.Tape<double>(stackalloc double[64]);
    var intTape = new global::AutoDiff.Tape<int>(stackalloc int[64]);
    int steps = n - 0;
    int tmp = steps - 1;
    int tmp2 = tmp / 100 + 1;
    int segmentLength = tmp2 < 1 ? 1 : tmp2;
    int segments = tmp / segmentLength + 1;
    doubleTape.Reserve((long)segments);
    intTape.Reserve(2 * (long)segments);
    var doubleTapeValues = doubleTape.Open(out int doubleTapeCount);
    var intTapeValues = intTape.Open(out int intTapeCount);
    double y = x;
    int i = 0;
    int segment = 0;
    while (segment < segments)
    {
        int tmp3 = steps - segment * segmentLength;
        int segmentSteps = tmp3 < segmentLength ? tmp3 : segmentLength;
        double y2 = y;
        int i2 = i;
        int step = 0;
        while (step < segmentSteps)
        {
            y2 -= 0.01 * rate * global::System.Math.Sin(y2);
            i2 += 1;
            step += 1;
        }
        doubleTapeValues[doubleTapeCount++] = y;
        intTapeValues[intTapeCount++] = i;
        intTapeValues[intTapeCount++] = segmentSteps;
        y = y2;
        i = i2;
        segment += 1;
    }
    doubleTape.Close(doubleTapeCount);
    intTape.Close(intTapeCount);
    var intTapeValues2 = intTape.Open(out int intTapeCount2);
    int iteration = segments;
    double yAdj = seed;
    while (iteration > 0)
    {
        int segmentSteps2 = intTapeValues2[--intTapeCount2];
        doubleTape.Reserve(2 * (long)segmentSteps2);
        i = intTapeValues2[--intTapeCount2];
        double y3 = doubleTape.Pop();
        var doubleTapeValues2 = doubleTape.Open(out int doubleTapeCount2);
        int step2 = 0;
        while (step2 < segmentSteps2)
        {
            double tmp4 = global::System.Math.Sin(y3);
            double y4 = y3 - 0.01 * rate * tmp4;
            doubleTapeValues2[doubleTapeCount2++] = y3;
            doubleTapeValues2[doubleTapeCount2++] = tmp4;
            y3 = y4;
            step2 += 1;
        }
        doubleTape.Close(doubleTapeCount2);
        var doubleTapeValues3 = doubleTape.Open(out int doubleTapeCount3);
        int iteration2 = segmentSteps2;
        while (iteration2 > 0)
        {
            double tmp5 = doubleTapeValues3[--doubleTapeCount3];
            double y5 = doubleTapeValues3[--doubleTapeCount3];
            double yAdj2 = yAdj - yAdj * (0.01 * rate * global::System.Math.Cos(y5));
            rateAdj -= yAdj * (tmp5 * 0.01);
            iteration2 -= 1;
            yAdj = yAdj2;
        }
        doubleTape.Close(doubleTapeCount3);
        iteration -= 1;
    }
    intTape.Close(intTapeCount2);
    xAdj += yAdj;
    return global::AutoDiff.Tape.Release(y, doubleTape.Rented, intTape.Rented);
}
