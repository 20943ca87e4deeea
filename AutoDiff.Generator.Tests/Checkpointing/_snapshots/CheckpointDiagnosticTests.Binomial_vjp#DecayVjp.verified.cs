/// <summary>Reverse mode: returns Decay(…) and adds seed × its partial derivative with respect to each of x, rate into the matching adjoint.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public static double DecayVjp(double x, double rate, int n, double seed, ref double xAdj, ref double rateAdj)
{
    double y = x;
    int i = 0;
    while (i < n)
    {
        y -= 0.01 * rate * global::System.Math.Sin(y);
        i += 1;
    }
    using var scheduleOwner = new global::AutoDiff.Scratch<int>(108);
    global::System.Span<int> schedule = scheduleOwner.Span;
    global::AutoDiff.Checkpointing.Revolve.Start(schedule, n, 100);
    using var snapshotsOwner = new global::AutoDiff.Scratch<double>(100);
    global::System.Span<double> snapshots = snapshotsOwner.Span;
    using var snapshotsOwner2 = new global::AutoDiff.Scratch<int>(100);
    global::System.Span<int> snapshots2 = snapshotsOwner2.Span;
    double y2 = x;
    int i2 = 0;
    double yAdj = seed;
    int action = -1;
    while (action != 4)
    {
        action = global::AutoDiff.Checkpointing.Revolve.Next(schedule);
        int from = schedule[4];
        int to = schedule[5];
        int slot = schedule[6];
        double y3;
        if (action == 0)
        {
            double y4 = y2;
            int i3 = i2;
            int step = 0;
            while (step < to - from)
            {
                y4 -= 0.01 * rate * global::System.Math.Sin(y4);
                i3 += 1;
                step += 1;
            }
            y3 = y4;
            i = i3;
        }
        else
        {
            double y5;
            if (action == 1)
            {
                int tmp = slot * 1;
                snapshots[tmp] = y2;
                snapshots2[tmp] = i2;
                y5 = y2;
                i = i2;
            }
            else
            {
                double y6;
                if (action == 2)
                {
                    int tmp2 = slot * 1;
                    double tmp3 = snapshots[tmp2];
                    int tmp4 = snapshots2[tmp2];
                    y6 = tmp3;
                    i = tmp4;
                }
                else
                {
                    double y7;
                    if (action == 3)
                    {
                        double yAdj2 = yAdj - yAdj * (0.01 * rate * global::System.Math.Cos(y2));
                        rateAdj -= yAdj * (global::System.Math.Sin(y2) * 0.01);
                        y7 = y2;
                        i = i2;
                        yAdj = yAdj2;
                    }
                    else
                    {
                        y7 = y2;
                        i = i2;
                    }
                    y6 = y7;
                }
                y5 = y6;
            }
            y3 = y5;
        }
        y2 = y3;
        i2 = i;
    }
    xAdj += yAdj;
    return y;
}
